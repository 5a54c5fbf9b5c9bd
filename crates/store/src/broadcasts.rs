//! Broadcasts as stored: the notice, its audience and its progress; and the batch
//! queries that deliver it without loading every recipient at once.

use kabinet_domain::account::AccountLevel;
use sqlx::Row;
use time::OffsetDateTime;

use crate::{Conn, StoreError, ts};

/// A broadcast.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Broadcast {
    /// UUIDv7.
    pub id: String,
    /// Title.
    pub title: String,
    /// Text.
    pub text: String,
    /// Only accounts of this level.
    pub level: Option<AccountLevel>,
    /// `running` or `done`.
    pub status: String,
    /// Recipients when it was created.
    pub total: i64,
    /// Recipients processed so far.
    pub processed: i64,
    /// The last account id processed.
    pub cursor: String,
    /// Who sent it.
    pub created_by: String,
    /// When.
    pub created_at: OffsetDateTime,
    /// Finished.
    pub finished_at: Option<OffsetDateTime>,
}

const COLUMNS: &str =
    "id, title, text, level, status, total, processed, cursor, created_by, created_at, finished_at";

fn broadcast(r: &sqlx::any::AnyRow) -> Result<Broadcast, StoreError> {
    let finished: Option<String> = r.try_get(10)?;
    let level: Option<String> = r.try_get(3)?;
    Ok(Broadcast {
        id: r.try_get(0)?,
        title: r.try_get(1)?,
        text: r.try_get(2)?,
        level: level
            .as_deref()
            .map(crate::accounts::parse_level)
            .transpose()?,
        status: r.try_get(4)?,
        total: r.try_get(5)?,
        processed: r.try_get(6)?,
        cursor: r.try_get(7)?,
        created_by: r.try_get(8)?,
        created_at: ts::parse(&r.try_get::<String, _>(9)?)?,
        finished_at: finished.as_deref().map(ts::parse).transpose()?,
    })
}

/// How many active people a broadcast to `level` (or everyone) reaches.
pub async fn audience(conn: &mut Conn, level: Option<AccountLevel>) -> Result<i64, StoreError> {
    Ok(sqlx::query(
        "SELECT COUNT(*) FROM accounts WHERE kind = 'person' AND status = 'active' \
         AND ($1 = '' OR level = $1)",
    )
    .bind(level.map_or("", AccountLevel::as_str))
    .fetch_one(&mut *conn)
    .await?
    .try_get(0)?)
}

/// Stores a new broadcast.
pub async fn insert(conn: &mut Conn, b: &Broadcast) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO broadcasts (id, title, text, level, status, total, processed, cursor, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&b.id)
    .bind(&b.title)
    .bind(&b.text)
    .bind(b.level.map(AccountLevel::as_str))
    .bind(&b.status)
    .bind(b.total)
    .bind(b.processed)
    .bind(&b.cursor)
    .bind(&b.created_by)
    .bind(ts::format(b.created_at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A broadcast by id.
pub async fn get(conn: &mut Conn, id: &str) -> Result<Option<Broadcast>, StoreError> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM broadcasts WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    r.as_ref().map(broadcast).transpose()
}

/// The latest broadcasts.
pub async fn latest(conn: &mut Conn, limit: i64) -> Result<Vec<Broadcast>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM broadcasts ORDER BY id DESC LIMIT $1"
    )))
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(broadcast).collect()
}

/// Takes the oldest running broadcast for a batch, holding its row for the caller's
/// transaction (other processes wait, then see the moved cursor).
pub async fn lock_running(conn: &mut Conn) -> Result<Option<Broadcast>, StoreError> {
    let Some(id): Option<String> = sqlx::query_scalar(
        "SELECT id FROM broadcasts WHERE status = 'running' ORDER BY id LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    // The UPDATE takes the row lock; what it returns is read after any other holder.
    let r = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE broadcasts SET processed = processed WHERE id = $1 AND status = 'running' RETURNING {COLUMNS}"
    )))
    .bind(&id)
    .fetch_optional(&mut *conn)
    .await?;
    r.as_ref().map(broadcast).transpose()
}

/// The next recipients after `cursor`: account ids in order, at most `limit`.
pub async fn recipients(
    conn: &mut Conn,
    level: Option<AccountLevel>,
    cursor: &str,
    limit: i64,
) -> Result<Vec<String>, StoreError> {
    let rows = sqlx::query(
        "SELECT id FROM accounts WHERE kind = 'person' AND status = 'active' AND id > $1 \
         AND ($2 = '' OR level = $2) ORDER BY id LIMIT $3",
    )
    .bind(cursor)
    .bind(level.map_or("", AccountLevel::as_str))
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
}

/// The `news` choices of accounts in `(from, to]`: `(account, channel, enabled)`.
pub async fn choices(
    conn: &mut Conn,
    category: &str,
    from: &str,
    to: &str,
) -> Result<Vec<(String, String, bool)>, StoreError> {
    let rows = sqlx::query(
        "SELECT account_id, channel, enabled FROM notification_settings \
         WHERE category = $1 AND account_id > $2 AND account_id <= $3",
    )
    .bind(category)
    .bind(from)
    .bind(to)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get::<i64, _>(2)? != 0)))
        .collect()
}

/// Confirmed e-mails and phones of accounts in `(from, to]`: `(account, kind, value)`.
pub async fn contacts(
    conn: &mut Conn,
    from: &str,
    to: &str,
) -> Result<Vec<(String, String, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT account_id, kind, value FROM account_logins WHERE confirmed = 1 \
         AND kind IN ('email', 'phone') AND account_id > $1 AND account_id <= $2",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect()
}

/// Notifications of one broadcast batch in as few statements as the backends allow.
pub async fn insert_notifications(
    conn: &mut Conn,
    rows: &[crate::notifications::Notification],
) -> Result<(), StoreError> {
    for chunk in rows.chunks(500) {
        let mut sql = String::from(
            "INSERT INTO notifications (id, account_id, category, title, text, link, in_inbox, read_at, created_at) VALUES ",
        );
        for i in 0..chunk.len() {
            let b = i * 8;
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, ${}, NULL, ${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7,
                b + 8
            ));
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for n in chunk {
            q = q
                .bind(&n.id)
                .bind(&n.account_id)
                .bind(&n.category)
                .bind(&n.title)
                .bind(&n.text)
                .bind(&n.link)
                .bind(i64::from(n.in_inbox))
                .bind(ts::format(n.created_at));
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Outbox messages of one batch: `(id, kind, payload JSON, notification id)`.
pub async fn insert_outbox(
    conn: &mut Conn,
    rows: &[(String, &'static str, String, String)],
    max_attempts: i64,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let now = ts::format(now);
    for chunk in rows.chunks(500) {
        let mut sql = String::from(
            "INSERT INTO outbox (id, kind, payload, status, attempts, max_attempts, next_attempt_at, created_at, notification_id) VALUES ",
        );
        for i in 0..chunk.len() {
            let b = i * 4 + 2;
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "(${}, ${}, ${}, 'pending', 0, $1, $2, $2, ${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4
            ));
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(max_attempts)
            .bind(&now);
        for (id, kind, payload, notification) in chunk {
            q = q.bind(id).bind(*kind).bind(payload).bind(notification);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Moves a broadcast's cursor after a batch; `done` when nobody is left.
pub async fn advance(
    conn: &mut Conn,
    id: &str,
    cursor: &str,
    processed: i64,
    done: bool,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE broadcasts SET cursor = $2, processed = processed + $3, \
         status = CASE WHEN $4 = 1 THEN 'done' ELSE status END, \
         finished_at = CASE WHEN $4 = 1 THEN $5 ELSE finished_at END WHERE id = $1",
    )
    .bind(id)
    .bind(cursor)
    .bind(processed)
    .bind(i64::from(done))
    .bind(ts::format(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Turns a channel of a category on for every person; returns how many rows changed.
pub async fn opt_in_everyone(
    conn: &mut Conn,
    category: &str,
    channel: &str,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "INSERT INTO notification_settings (account_id, category, channel, enabled) \
         SELECT id, $1, $2, 1 FROM accounts WHERE kind = 'person' \
         ON CONFLICT (account_id, category, channel) DO UPDATE SET enabled = 1",
    )
    .bind(category)
    .bind(channel)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}
