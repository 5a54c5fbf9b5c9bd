//! The transactional outbox (NTF-5): events written in the same transaction as the
//! change that causes them, delivered later by the worker, at least once.
//!
//! A worker claims one due event with a lease (`locked_until`); on PostgreSQL the claim
//! uses `FOR UPDATE SKIP LOCKED` so that workers on several nodes never pick the same
//! row, on SQLite the write lock of `BEGIN IMMEDIATE` does the same. A worker that dies
//! mid-delivery loses its lease and the event is picked again. The event id is the
//! idempotency key passed downstream (Message-ID, `Idempotency-Key`).

use serde::Serialize;
use sqlx::Row;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::{Conn, Store, StoreError, ts};

/// Delivery state of an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Waiting for (another) attempt.
    Pending,
    /// Delivered.
    Sent,
    /// Given up after the last attempt.
    Dead,
}

impl Status {
    fn parse(s: &str) -> Result<Status, StoreError> {
        match s {
            "pending" => Ok(Status::Pending),
            "sent" => Ok(Status::Sent),
            "dead" => Ok(Status::Dead),
            other => Err(StoreError::Corrupt(format!(
                "unknown outbox status {other:?}"
            ))),
        }
    }
}

/// Enqueues an event inside the caller's transaction; returns its id.
pub async fn enqueue(
    conn: &mut Conn,
    now: OffsetDateTime,
    kind: &str,
    payload: &serde_json::Value,
    max_attempts: u32,
) -> Result<Uuid, StoreError> {
    enqueue_for(conn, now, kind, payload, max_attempts, None).await
}

/// As [`enqueue`], recording the notification the delivery belongs to (its state is
/// shown with the notification).
pub async fn enqueue_for(
    conn: &mut Conn,
    now: OffsetDateTime,
    kind: &str,
    payload: &serde_json::Value,
    max_attempts: u32,
    notification_id: Option<&str>,
) -> Result<Uuid, StoreError> {
    let id = Uuid::now_v7();
    let now = ts::format(now);
    sqlx::query(
        "INSERT INTO outbox (id, kind, payload, status, attempts, max_attempts, \
         next_attempt_at, created_at, notification_id) VALUES ($1, $2, $3, 'pending', 0, $4, $5, $5, $6)",
    )
    .bind(id.to_string())
    .bind(kind)
    .bind(payload.to_string())
    .bind(i64::from(max_attempts.max(1)))
    .bind(&now)
    .bind(notification_id)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// An event claimed by a worker.
#[derive(Clone, Debug)]
pub struct Job {
    /// Event id (the idempotency key).
    pub id: Uuid,
    /// Event kind, such as `email` or `sms`.
    pub kind: String,
    /// The event's data.
    pub payload: serde_json::Value,
    /// Attempts so far, this one included.
    pub attempts: u32,
    /// Attempts allowed before the event is dead.
    pub max_attempts: u32,
}

/// Claims the oldest due event for `worker` for the length of `lease`.
pub async fn claim(
    store: &Store,
    now: OffsetDateTime,
    lease: Duration,
    worker: &str,
) -> Result<Option<Job>, StoreError> {
    let sql = format!(
        "UPDATE outbox SET locked_until = $1, locked_by = $2, attempts = attempts + 1 \
         WHERE id = (SELECT id FROM outbox WHERE status = 'pending' \
           AND next_attempt_at <= $3 AND (locked_until IS NULL OR locked_until <= $3) \
           ORDER BY next_attempt_at, id LIMIT 1{}) \
         RETURNING id, kind, payload, attempts, max_attempts",
        store.dialect().skip_locked()
    );
    let mut tx = store.begin().await?;
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(ts::format(now + lease))
        .bind(worker)
        .bind(ts::format(now))
        .fetch_optional(&mut *tx)
        .await?;
    tx.commit().await?;
    let Some(row) = row else { return Ok(None) };
    let id: String = row.try_get(0)?;
    let payload: String = row.try_get(2)?;
    let attempts: i64 = row.try_get(3)?;
    let max_attempts: i64 = row.try_get(4)?;
    Ok(Some(Job {
        id: id
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("bad outbox id {id:?}")))?,
        kind: row.try_get(1)?,
        payload: serde_json::from_str(&payload)
            .map_err(|e| StoreError::Corrupt(format!("bad outbox payload of {id}: {e}")))?,
        attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
        max_attempts: u32::try_from(max_attempts).unwrap_or(u32::MAX),
    }))
}

/// Records a successful delivery. Returns false when the lease was lost meanwhile
/// (another worker owns the event now).
pub async fn mark_sent(
    store: &Store,
    job: &Job,
    worker: &str,
    now: OffsetDateTime,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE outbox SET status = 'sent', sent_at = $1, locked_until = NULL, last_error = NULL \
         WHERE id = $2 AND locked_by = $3 AND status = 'pending'",
    )
    .bind(ts::format(now))
    .bind(job.id.to_string())
    .bind(worker)
    .execute(store.pool())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a failed attempt: the event is retried at `retry_at`, or dead when `None`.
pub async fn mark_failed(
    store: &Store,
    job: &Job,
    worker: &str,
    error: &str,
    now: OffsetDateTime,
    retry_at: Option<OffsetDateTime>,
) -> Result<(), StoreError> {
    let error: String = error.chars().take(1000).collect();
    let status = if retry_at.is_some() {
        "pending"
    } else {
        "dead"
    };
    sqlx::query(
        "UPDATE outbox SET status = $1, next_attempt_at = $2, locked_until = NULL, \
         last_error = $3 WHERE id = $4 AND locked_by = $5 AND status = 'pending'",
    )
    .bind(status)
    .bind(ts::format(retry_at.unwrap_or(now)))
    .bind(error)
    .bind(job.id.to_string())
    .bind(worker)
    .execute(store.pool())
    .await?;
    Ok(())
}

/// An event as stored, for showing its delivery state.
#[derive(Clone, Debug, Serialize)]
pub struct Event {
    /// Event id.
    pub id: String,
    /// Event kind.
    pub kind: String,
    /// Delivery state.
    pub status: Status,
    /// Attempts made.
    pub attempts: i64,
    /// Next attempt (when pending).
    pub next_attempt_at: String,
    /// The last error, if an attempt failed.
    pub last_error: Option<String>,
    /// When it was enqueued.
    pub created_at: String,
    /// When it was delivered.
    pub sent_at: Option<String>,
}

/// One event by id.
pub async fn get(store: &Store, id: Uuid) -> Result<Option<Event>, StoreError> {
    let row = sqlx::query(
        "SELECT id, kind, status, attempts, next_attempt_at, last_error, created_at, sent_at \
         FROM outbox WHERE id = $1",
    )
    .bind(id.to_string())
    .fetch_optional(store.pool())
    .await?;
    row.map(|row| {
        let status: String = row.try_get(2)?;
        Ok(Event {
            id: row.try_get(0)?,
            kind: row.try_get(1)?,
            status: Status::parse(&status)?,
            attempts: row.try_get(3)?,
            next_attempt_at: row.try_get(4)?,
            last_error: row.try_get(5)?,
            created_at: row.try_get(6)?,
            sent_at: row.try_get(7)?,
        })
    })
    .transpose()
}

/// Counts of events by state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Waiting for delivery.
    pub pending: i64,
    /// Delivered.
    pub sent: i64,
    /// Given up.
    pub dead: i64,
}

/// Counts events by state (for metrics and the operator).
pub async fn counts(store: &Store) -> Result<Counts, StoreError> {
    let rows = sqlx::query("SELECT status, COUNT(*) FROM outbox GROUP BY status")
        .fetch_all(store.pool())
        .await?;
    let mut counts = Counts::default();
    for row in rows {
        let status: String = row.try_get(0)?;
        let n: i64 = row.try_get(1)?;
        match Status::parse(&status)? {
            Status::Pending => counts.pending = n,
            Status::Sent => counts.sent = n,
            Status::Dead => counts.dead = n,
        }
    }
    Ok(counts)
}
