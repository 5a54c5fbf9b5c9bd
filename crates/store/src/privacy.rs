//! What is held about one person (for «Скачать мои данные») and the erasure of a
//! closed account after the retention period (PR-6). SQL only.

use sqlx::Row;
use time::OffsetDateTime;

use crate::{Conn, StoreError, ts};

/// An audit entry about or by an account.
#[derive(Clone, Debug)]
pub struct AuditRow {
    /// When.
    pub at: String,
    /// Who acted.
    pub actor: String,
    /// What.
    pub action: String,
    /// On what.
    pub object: String,
    /// From where.
    pub source: Option<String>,
    /// JSON details.
    pub details: String,
}

/// The audit entries whose actor or object is the account, oldest first.
pub async fn audit_about(
    conn: &mut Conn,
    account_id: &str,
    limit: i64,
) -> Result<Vec<AuditRow>, StoreError> {
    let key = format!("account:{account_id}");
    let rows = sqlx::query(
        "SELECT at, actor, action, object, source, details FROM audit_log \
         WHERE actor = $1 OR object = $1 ORDER BY seq LIMIT $2",
    )
    .bind(&key)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AuditRow {
                at: r.try_get(0)?,
                actor: r.try_get(1)?,
                action: r.try_get(2)?,
                object: r.try_get(3)?,
                source: r.try_get(4)?,
                details: r.try_get(5)?,
            })
        })
        .collect()
}

/// A message sent (or queued) to one of the account's contacts.
#[derive(Clone, Debug)]
pub struct MessageRow {
    /// `email` or `sms`.
    pub kind: String,
    /// The JSON payload (recipient, subject, text).
    pub payload: String,
    /// `pending`, `sent`, `dead`.
    pub status: String,
    /// Queued.
    pub created_at: String,
    /// Delivered.
    pub sent_at: Option<String>,
}

/// Messages whose payload is addressed to one of `contacts`, oldest first.
pub async fn messages_to(
    conn: &mut Conn,
    contacts: &[String],
    limit: i64,
) -> Result<Vec<MessageRow>, StoreError> {
    let mut out = Vec::new();
    for contact in contacts {
        let pattern = format!(
            "%\"to\":\"{}\"%",
            contact.replace('%', "").replace('_', "\\_")
        );
        let rows = sqlx::query(
            "SELECT kind, payload, status, created_at, sent_at FROM outbox \
             WHERE payload LIKE $1 ESCAPE '\\' ORDER BY id LIMIT $2",
        )
        .bind(pattern)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
        for r in &rows {
            out.push(MessageRow {
                kind: r.try_get(0)?,
                payload: r.try_get(1)?,
                status: r.try_get(2)?,
                created_at: r.try_get(3)?,
                sent_at: r.try_get(4)?,
            });
        }
    }
    out.sort_by(|a, b| a.created_at.cmp(&b.created_at));
    Ok(out)
}

/// Closes an account: no sign-in identifiers, no sessions, `closed_at` set; its
/// contacts are remembered (until erasure) as `closed_contacts`.
pub async fn close(
    conn: &mut Conn,
    account_id: &str,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let contacts: Vec<String> = sqlx::query(
        "SELECT value FROM account_logins WHERE account_id = $1 AND kind IN ('email', 'phone')",
    )
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| r.try_get(0))
    .collect::<Result<_, _>>()?;
    let contacts =
        serde_json::to_string(&contacts).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    sqlx::query("UPDATE accounts SET closed_contacts = $2 WHERE id = $1")
        .bind(account_id)
        .bind(contacts)
        .execute(&mut *conn)
        .await?;
    for sql in [
        "DELETE FROM account_logins WHERE account_id = $1",
        "DELETE FROM sessions WHERE account_id = $1",
    ] {
        sqlx::query(sql)
            .bind(account_id)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("UPDATE accounts SET closed_at = $2 WHERE id = $1")
        .bind(account_id)
        .bind(ts::format(now))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Closed accounts not yet erased, closed at or before `before`.
pub async fn due_for_erasure(
    conn: &mut Conn,
    before: OffsetDateTime,
    limit: i64,
) -> Result<Vec<String>, StoreError> {
    let rows = sqlx::query(
        "SELECT id FROM accounts WHERE closed_at IS NOT NULL AND closed_at <= $1 AND erased_at IS NULL \
         ORDER BY closed_at LIMIT $2",
    )
    .bind(ts::format(before))
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
}

/// Erases an account's personal data and secrets; the account row stays (the audit
/// log refers to it) with an unusable password and `erased_at` set. Returns the ids
/// of its files, whose content the caller removes from disk.
pub async fn erase(
    conn: &mut Conn,
    account_id: &str,
    now: OffsetDateTime,
) -> Result<Vec<String>, StoreError> {
    let contacts: Option<String> =
        sqlx::query("SELECT closed_contacts FROM accounts WHERE id = $1")
            .bind(account_id)
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?;
    let contacts: Vec<String> = contacts
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| StoreError::Corrupt(e.to_string()))?
        .unwrap_or_default();
    for contact in &contacts {
        let pattern = format!(
            "%\"to\":\"{}\"%",
            contact.replace('%', "").replace('_', "\\_")
        );
        // Pending ones too: nothing goes to an erased person.
        sqlx::query("DELETE FROM outbox WHERE payload LIKE $1 ESCAPE '\\'")
            .bind(pattern)
            .execute(&mut *conn)
            .await?;
        for sql in [
            "DELETE FROM codes WHERE target = $1",
            "DELETE FROM registrations WHERE contact = $1",
        ] {
            sqlx::query(sql).bind(contact).execute(&mut *conn).await?;
        }
    }
    // The person's own drafts go; filed applications stay (the service's archive
    // rules), with their files; an organisation's applications and documents are the
    // organisation's, not the person's, and stay.
    sqlx::query(
        "DELETE FROM applications WHERE account_id = $1 AND status = 'draft' AND organization_id IS NULL",
    )
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    let files: Vec<String> = sqlx::query(
        "SELECT id FROM files WHERE account_id = $1 AND id NOT IN (SELECT file_id FROM application_files) \
         AND id NOT IN (SELECT file_id FROM organization_documents)",
    )
        .bind(account_id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
    for sql in [
        "DELETE FROM identity_requests WHERE account_id = $1",
        "DELETE FROM change_requests WHERE account_id = $1",
        "DELETE FROM files WHERE account_id = $1 AND id NOT IN (SELECT file_id FROM application_files) \
         AND id NOT IN (SELECT file_id FROM organization_documents)",
        "DELETE FROM profile_changes WHERE account_id = $1",
        "DELETE FROM profiles WHERE account_id = $1",
        "DELETE FROM password_history WHERE account_id = $1",
        "DELETE FROM mfa_totp WHERE account_id = $1",
        "DELETE FROM recovery_codes WHERE account_id = $1",
        "DELETE FROM account_logins WHERE account_id = $1",
        "DELETE FROM sessions WHERE account_id = $1",
        "DELETE FROM codes WHERE subject = $1 OR subject LIKE $1 || '|%'",
    ] {
        sqlx::query(sql)
            .bind(account_id)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query(
        "UPDATE accounts SET password_hash = '!', status_reason = NULL, closed_contacts = NULL, erased_at = $2 WHERE id = $1",
    )
        .bind(account_id)
        .bind(ts::format(now))
        .execute(&mut *conn)
        .await?;
    Ok(files)
}

/// Deletes sign-in failure counters whose window began before `before` and that hold
/// no lock any more (they name the logins typed); returns how many.
pub async fn prune_throttle(
    conn: &mut Conn,
    before: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "DELETE FROM sign_in_throttle WHERE window_start < $1 AND (locked_until IS NULL OR locked_until < $2)",
    )
    .bind(ts::format(before))
    .bind(ts::format(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// Deletes delivered or dead messages older than `before` (the addresses and texts in
/// them are personal data too); returns how many.
pub async fn prune_messages(conn: &mut Conn, before: OffsetDateTime) -> Result<u64, StoreError> {
    let done =
        sqlx::query("DELETE FROM outbox WHERE status IN ('sent', 'dead') AND created_at < $1")
            .bind(ts::format(before))
            .execute(&mut *conn)
            .await?;
    Ok(done.rows_affected())
}
