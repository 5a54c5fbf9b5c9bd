//! Counters of failed sign-ins per key (a login identifier or a client address).

use sqlx::Row;
use time::OffsetDateTime;

use crate::{Conn, StoreError, ts};

/// A counter as stored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counter {
    /// Failures in the current window.
    pub failures: i64,
    /// Start of the window.
    pub window_start: Option<OffsetDateTime>,
    /// Locked until.
    pub locked_until: Option<OffsetDateTime>,
    /// How many times the key was locked (the lock doubles each time).
    pub locks: i64,
}

/// The counter of a key (zero when none).
pub async fn get(conn: &mut Conn, key: &str) -> Result<Counter, StoreError> {
    let row = sqlx::query(
        "SELECT failures, window_start, locked_until, locks FROM sign_in_throttle WHERE key = $1",
    )
    .bind(key)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = row else {
        return Ok(Counter::default());
    };
    let locked: Option<String> = r.try_get(2)?;
    Ok(Counter {
        failures: r.try_get(0)?,
        window_start: Some(ts::parse(&r.try_get::<String, _>(1)?)?),
        locked_until: locked.as_deref().map(ts::parse).transpose()?,
        locks: r.try_get(3)?,
    })
}

/// Writes the counter of a key.
pub async fn put(
    conn: &mut Conn,
    key: &str,
    c: &Counter,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sign_in_throttle (key, failures, window_start, locked_until, locks) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key) DO UPDATE SET failures = $2, \
         window_start = $3, locked_until = $4, locks = $5",
    )
    .bind(key)
    .bind(c.failures)
    .bind(ts::format(c.window_start.unwrap_or(now)))
    .bind(c.locked_until.map(ts::format))
    .bind(c.locks)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Forgets the failures of a key (after a success or an unlock); the count of past
/// locks is kept so that repeated locking still grows.
pub async fn reset(conn: &mut Conn, key: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE sign_in_throttle SET failures = 0, locked_until = NULL WHERE key = $1")
        .bind(key)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Drops a key's counter entirely (after a successful sign-in).
pub async fn forget(conn: &mut Conn, key: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sign_in_throttle WHERE key = $1")
        .bind(key)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The counter of a key for the rest of the transaction: the row is made if missing and,
/// on PostgreSQL, locked, so that two failures at the same moment both count (SQLite's
/// write transaction is serial already).
pub async fn lock_counter(
    conn: &mut Conn,
    key: &str,
    now: OffsetDateTime,
) -> Result<Counter, StoreError> {
    sqlx::query(
        "INSERT INTO sign_in_throttle (key, failures, window_start, locked_until, locks) \
         VALUES ($1, 0, $2, NULL, 0) ON CONFLICT (key) DO NOTHING",
    )
    .bind(key)
    .bind(ts::format(now))
    .execute(&mut *conn)
    .await?;
    crate::Dialect::lock_row(conn, "sign_in_throttle", "key", key).await?;
    let mut counter = get(conn, key).await?;
    if counter.failures == 0 && counter.locks == 0 && counter.locked_until.is_none() {
        // A row just made: its window starts with its first failure.
        counter.window_start = None;
    }
    Ok(counter)
}
