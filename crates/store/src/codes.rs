//! One-time codes, stored hashed, with attempts and expiry.

use sqlx::Row;
use time::OffsetDateTime;

use crate::{Conn, StoreError, ts};

/// A code as stored.
#[derive(Clone, Debug)]
pub struct Code {
    /// Id (also the salt of its hash).
    pub id: String,
    /// Hash of the code.
    pub code_hash: String,
    /// Wrong tries so far.
    pub attempts: i64,
    /// Sent.
    pub created_at: OffsetDateTime,
    /// Valid until.
    pub expires_at: OffsetDateTime,
    /// Where it was sent.
    pub target: String,
}

/// A new code.
pub struct NewCode<'a> {
    /// Id.
    pub id: &'a str,
    /// `register`, `recover`, `unlock`, `mfa` …
    pub purpose: &'a str,
    /// What it unlocks.
    pub subject: &'a str,
    /// Where it goes.
    pub target: &'a str,
    /// Its hash.
    pub code_hash: &'a str,
    /// Now.
    pub now: OffsetDateTime,
    /// Expiry.
    pub expires_at: OffsetDateTime,
}

/// Stores a code; earlier unused codes for the same purpose and subject stop working.
pub async fn insert(conn: &mut Conn, c: &NewCode<'_>) -> Result<(), StoreError> {
    let now = ts::format(c.now);
    sqlx::query(
        "UPDATE codes SET used_at = $1 WHERE purpose = $2 AND subject = $3 AND used_at IS NULL",
    )
    .bind(&now)
    .bind(c.purpose)
    .bind(c.subject)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO codes (id, purpose, subject, target, code_hash, attempts, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, 0, $6, $7)",
    )
    .bind(c.id)
    .bind(c.purpose)
    .bind(c.subject)
    .bind(c.target)
    .bind(c.code_hash)
    .bind(&now)
    .bind(ts::format(c.expires_at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The newest unused code for a purpose and subject.
pub async fn current(
    conn: &mut Conn,
    purpose: &str,
    subject: &str,
) -> Result<Option<Code>, StoreError> {
    let row = sqlx::query(
        "SELECT id, code_hash, attempts, created_at, expires_at, target FROM codes \
         WHERE purpose = $1 AND subject = $2 AND used_at IS NULL ORDER BY created_at DESC LIMIT 1",
    )
    .bind(purpose)
    .bind(subject)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        Ok(Code {
            id: r.try_get(0)?,
            code_hash: r.try_get(1)?,
            attempts: r.try_get(2)?,
            created_at: ts::parse(&r.try_get::<String, _>(3)?)?,
            expires_at: ts::parse(&r.try_get::<String, _>(4)?)?,
            target: r.try_get(5)?,
        })
    })
    .transpose()
}

/// Counts one wrong try.
pub async fn add_attempt(conn: &mut Conn, id: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE codes SET attempts = attempts + 1 WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Marks a code used (it never works again).
pub async fn mark_used(conn: &mut Conn, id: &str, now: OffsetDateTime) -> Result<(), StoreError> {
    sqlx::query("UPDATE codes SET used_at = $1 WHERE id = $2")
        .bind(ts::format(now))
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// How many codes went to `target` since `since`.
pub async fn sent_since(
    conn: &mut Conn,
    target: &str,
    since: OffsetDateTime,
) -> Result<i64, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM codes WHERE target = $1 AND created_at >= $2")
            .bind(target)
            .bind(ts::format(since))
            .fetch_one(&mut *conn)
            .await?,
    )
}
