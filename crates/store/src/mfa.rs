//! TOTP secrets and recovery codes.

use sqlx::Row;
use time::OffsetDateTime;

use crate::{Conn, StoreError, ts};

/// An account's TOTP enrolment.
#[derive(Clone, Debug)]
pub struct Totp {
    /// The secret, base32.
    pub secret: String,
    /// When enrolment was confirmed with a first code (None: pending).
    pub confirmed_at: Option<OffsetDateTime>,
    /// The last accepted step.
    pub last_step: i64,
}

/// The TOTP enrolment of an account.
pub async fn totp(conn: &mut Conn, account_id: &str) -> Result<Option<Totp>, StoreError> {
    let row =
        sqlx::query("SELECT secret, confirmed_at, last_step FROM mfa_totp WHERE account_id = $1")
            .bind(account_id)
            .fetch_optional(&mut *conn)
            .await?;
    row.map(|r| {
        let confirmed: Option<String> = r.try_get(1)?;
        Ok(Totp {
            secret: r.try_get(0)?,
            confirmed_at: confirmed.as_deref().map(ts::parse).transpose()?,
            last_step: r.try_get(2)?,
        })
    })
    .transpose()
}

/// Starts (or restarts) enrolment with a new secret.
pub async fn put_pending(
    conn: &mut Conn,
    account_id: &str,
    secret: &str,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM mfa_totp WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO mfa_totp (account_id, secret, last_step, created_at) VALUES ($1, $2, 0, $3)",
    )
    .bind(account_id)
    .bind(secret)
    .bind(ts::format(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Marks enrolment confirmed.
pub async fn confirm(
    conn: &mut Conn,
    account_id: &str,
    step: i64,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE mfa_totp SET confirmed_at = $1, last_step = $2 WHERE account_id = $3")
        .bind(ts::format(now))
        .bind(step)
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Records the step of an accepted code, only if it is newer than the last one;
/// returns false when the step was already used (a replayed code).
pub async fn use_step(conn: &mut Conn, account_id: &str, step: i64) -> Result<bool, StoreError> {
    let done =
        sqlx::query("UPDATE mfa_totp SET last_step = $1 WHERE account_id = $2 AND last_step < $1")
            .bind(step)
            .bind(account_id)
            .execute(&mut *conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes TOTP and the recovery codes.
pub async fn remove(conn: &mut Conn, account_id: &str) -> Result<(), StoreError> {
    for sql in [
        "DELETE FROM mfa_totp WHERE account_id = $1",
        "DELETE FROM recovery_codes WHERE account_id = $1",
    ] {
        sqlx::query(sql)
            .bind(account_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Replaces the recovery codes with new hashes.
pub async fn set_recovery_codes(
    conn: &mut Conn,
    account_id: &str,
    hashes: &[(String, String)],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    for (id, hash) in hashes {
        sqlx::query("INSERT INTO recovery_codes (id, account_id, code_hash) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(account_id)
            .bind(hash)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Unused recovery codes as `(id, hash)`.
pub async fn recovery_codes(
    conn: &mut Conn,
    account_id: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, code_hash FROM recovery_codes WHERE account_id = $1 AND used_at IS NULL",
    )
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

/// Spends a recovery code; false when it was spent meanwhile.
pub async fn use_recovery_code(
    conn: &mut Conn,
    id: &str,
    now: OffsetDateTime,
) -> Result<bool, StoreError> {
    let done =
        sqlx::query("UPDATE recovery_codes SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
            .bind(ts::format(now))
            .bind(id)
            .execute(&mut *conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether sign-in asks for a code sent to a confirmed contact.
pub async fn codes_enabled(conn: &mut Conn, account_id: &str) -> Result<bool, StoreError> {
    let v: Option<i64> = sqlx::query_scalar("SELECT mfa_codes FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(v.unwrap_or(0) != 0)
}

/// Turns the codes factor on or off.
pub async fn set_codes(conn: &mut Conn, account_id: &str, on: bool) -> Result<(), StoreError> {
    sqlx::query("UPDATE accounts SET mfa_codes = $1 WHERE id = $2")
        .bind(i64::from(on))
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
