//! Accounts, their sign-in identifiers and password history; registrations, one-time
//! codes, sessions and sign-in throttling. SQL only: the rules live in `kabinet_app::auth`.

use kabinet_domain::account::{AccountLevel, AccountStatus};
use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use crate::{Conn, StoreError, ts};

/// An account as stored.
#[derive(Clone, Debug)]
pub struct Account {
    /// Id (UUIDv7).
    pub id: String,
    /// `person` or `staff`.
    pub kind: String,
    /// Staff role, for staff.
    pub staff_role: Option<String>,
    /// Active, pending, blocked or expired.
    pub status: AccountStatus,
    /// Why blocked.
    pub status_reason: Option<String>,
    /// Simplified, standard or confirmed.
    pub level: AccountLevel,
    /// argon2id PHC string.
    pub password_hash: String,
    /// When the password was set.
    pub password_changed_at: OffsetDateTime,
    /// A new password is due before anything else.
    pub must_change_password: bool,
    /// Created.
    pub created_at: OffsetDateTime,
    /// The latest successful sign-in (once signed in: this session's).
    pub last_sign_in_at: Option<OffsetDateTime>,
    /// The successful sign-in before the latest («Предыдущий вход»).
    pub previous_sign_in_at: Option<OffsetDateTime>,
}

pub(crate) const ACCOUNT_COLUMNS: &str = "a.id, a.kind, a.staff_role, a.status, a.status_reason, a.level, \
     a.password_hash, a.password_changed_at, a.must_change_password, a.created_at, a.last_sign_in_at, a.previous_sign_in_at";

/// How many columns [`ACCOUNT_COLUMNS`] selects.
pub(crate) const ACCOUNT_COLUMN_COUNT: usize = 12;

fn account(row: &AnyRow) -> Result<Account, StoreError> {
    account_at(row, 0)
}

/// An account from the columns of [`ACCOUNT_COLUMNS`] starting at `at`.
pub(crate) fn account_at(row: &AnyRow, at: usize) -> Result<Account, StoreError> {
    let last: Option<String> = row.try_get(at + 10)?;
    let previous: Option<String> = row.try_get(at + 11)?;
    Ok(Account {
        id: row.try_get(at)?,
        kind: row.try_get(at + 1)?,
        staff_role: row.try_get(at + 2)?,
        status: parse_status(&row.try_get::<String, _>(at + 3)?)?,
        status_reason: row.try_get(at + 4)?,
        level: parse_level(&row.try_get::<String, _>(at + 5)?)?,
        password_hash: row.try_get(at + 6)?,
        password_changed_at: ts::parse(&row.try_get::<String, _>(at + 7)?)?,
        must_change_password: row.try_get::<i64, _>(at + 8)? != 0,
        created_at: ts::parse(&row.try_get::<String, _>(at + 9)?)?,
        last_sign_in_at: last.as_deref().map(ts::parse).transpose()?,
        previous_sign_in_at: previous.as_deref().map(ts::parse).transpose()?,
    })
}

/// A stored account status; an unknown name is [`StoreError::Corrupt`], never a guess.
pub(crate) fn parse_status(s: &str) -> Result<AccountStatus, StoreError> {
    AccountStatus::parse(s)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown account status {s:?}")))
}

/// A stored account level; an unknown name is [`StoreError::Corrupt`], never a guess.
pub(crate) fn parse_level(s: &str) -> Result<AccountLevel, StoreError> {
    AccountLevel::parse(s)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown account level {s:?}")))
}

/// A new account.
#[derive(Clone, Debug)]
pub struct NewAccount<'a> {
    /// Id.
    pub id: &'a str,
    /// `person` or `staff`.
    pub kind: &'a str,
    /// Staff role.
    pub staff_role: Option<&'a str>,
    /// Initial level.
    pub level: AccountLevel,
    /// argon2id PHC string.
    pub password_hash: &'a str,
    /// Whether the first sign-in must set a new password.
    pub must_change_password: bool,
    /// Now.
    pub now: OffsetDateTime,
}

/// Inserts an active account and records its password in the history.
pub async fn insert(conn: &mut Conn, new: &NewAccount<'_>) -> Result<(), StoreError> {
    let now = ts::format(new.now);
    sqlx::query(
        "INSERT INTO accounts (id, kind, staff_role, status, level, password_hash, \
         password_changed_at, must_change_password, created_at) \
         VALUES ($1, $2, $3, 'active', $4, $5, $6, $7, $6)",
    )
    .bind(new.id)
    .bind(new.kind)
    .bind(new.staff_role)
    .bind(new.level.as_str())
    .bind(new.password_hash)
    .bind(&now)
    .bind(i64::from(new.must_change_password))
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO password_history (account_id, password_hash, created_at) VALUES ($1, $2, $3)",
    )
    .bind(new.id)
    .bind(new.password_hash)
    .bind(&now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Adds a sign-in identifier; fails with a unique violation when it is taken.
pub async fn insert_login(
    conn: &mut Conn,
    login: &str,
    account_id: &str,
    kind: &str,
    value: &str,
    confirmed: bool,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO account_logins (login, account_id, kind, value, confirmed, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(login)
    .bind(account_id)
    .bind(kind)
    .bind(value)
    .bind(i64::from(confirmed))
    .bind(ts::format(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// True when some account already has this identifier (confirmed or not).
pub async fn login_taken(conn: &mut Conn, login: &str) -> Result<bool, StoreError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM account_logins WHERE login = $1")
        .bind(login)
        .fetch_one(&mut *conn)
        .await?;
    Ok(n > 0)
}

/// The account that has this confirmed identifier.
pub async fn find_by_login(conn: &mut Conn, login: &str) -> Result<Option<Account>, StoreError> {
    let sql = format!(
        "SELECT {ACCOUNT_COLUMNS} FROM account_logins l JOIN accounts a ON a.id = l.account_id \
         WHERE l.login = $1 AND l.confirmed = 1"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(login)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(account).transpose()
}

/// An account by id.
pub async fn get(conn: &mut Conn, id: &str) -> Result<Option<Account>, StoreError> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(account).transpose()
}

/// The account's confirmed contacts as `(kind, value)`: e-mail and phone.
pub async fn contacts(
    conn: &mut Conn,
    account_id: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT kind, value FROM account_logins WHERE account_id = $1 AND confirmed = 1 \
         AND kind IN ('email', 'phone') ORDER BY created_at",
    )
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

/// Records a successful sign-in; the one before becomes the previous.
pub async fn touch_sign_in(
    conn: &mut Conn,
    id: &str,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE accounts SET previous_sign_in_at = last_sign_in_at, last_sign_in_at = $1 \
         WHERE id = $2",
    )
    .bind(ts::format(now))
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Sets a new password (and records it in the history).
pub async fn set_password(
    conn: &mut Conn,
    id: &str,
    hash: &str,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let now = ts::format(now);
    sqlx::query(
        "UPDATE accounts SET password_hash = $1, password_changed_at = $2, \
         must_change_password = 0, status = CASE WHEN status = 'expired' THEN 'active' ELSE status END \
         WHERE id = $3",
    )
    .bind(hash)
    .bind(&now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO password_history (account_id, password_hash, created_at) VALUES ($1, $2, $3)",
    )
    .bind(id)
    .bind(hash)
    .bind(&now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The newest `n` password hashes of an account (the current one included).
pub async fn recent_passwords(
    conn: &mut Conn,
    id: &str,
    n: i64,
) -> Result<Vec<String>, StoreError> {
    let rows = sqlx::query(
        "SELECT password_hash FROM password_history WHERE account_id = $1 \
         ORDER BY created_at DESC LIMIT $2",
    )
    .bind(id)
    .bind(n)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| r.try_get(0).map_err(StoreError::from))
        .collect()
}

/// A pending registration.
#[derive(Clone, Debug)]
pub struct Registration {
    /// Id.
    pub id: String,
    /// `email` or `phone`.
    pub contact_kind: String,
    /// Canonical contact.
    pub contact: String,
    /// argon2id PHC string of the chosen password.
    pub password_hash: String,
    /// Started.
    pub created_at: OffsetDateTime,
}

/// Stores a pending registration.
pub async fn insert_registration(conn: &mut Conn, r: &Registration) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO registrations (id, contact_kind, contact, password_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&r.id)
    .bind(&r.contact_kind)
    .bind(&r.contact)
    .bind(&r.password_hash)
    .bind(ts::format(r.created_at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A pending registration by id.
pub async fn get_registration(
    conn: &mut Conn,
    id: &str,
) -> Result<Option<Registration>, StoreError> {
    let row = sqlx::query(
        "SELECT id, contact_kind, contact, password_hash, created_at FROM registrations WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        Ok(Registration {
            id: r.try_get(0)?,
            contact_kind: r.try_get(1)?,
            contact: r.try_get(2)?,
            password_hash: r.try_get(3)?,
            created_at: ts::parse(&r.try_get::<String, _>(4)?)?,
        })
    })
    .transpose()
}

/// Removes a registration (confirmed or abandoned).
pub async fn delete_registration(conn: &mut Conn, id: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM registrations WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Every sign-in identifier key of an account (confirmed or not).
pub async fn login_keys(conn: &mut Conn, account_id: &str) -> Result<Vec<String>, StoreError> {
    let rows = sqlx::query("SELECT login FROM account_logins WHERE account_id = $1")
        .bind(account_id)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| r.try_get(0).map_err(StoreError::from))
        .collect()
}

/// Claims up to `limit` active accounts whose password was changed after
/// `changed_after` and at or before `changed_before` and that have had no reminder
/// for that password; marks them reminded in the caller's transaction and returns
/// `(id, password_changed_at)`.
pub async fn claim_password_reminders(
    conn: &mut Conn,
    changed_after: OffsetDateTime,
    changed_before: OffsetDateTime,
    limit: i64,
) -> Result<Vec<(String, OffsetDateTime)>, StoreError> {
    let rows = sqlx::query(
        "UPDATE accounts SET password_reminder_for = password_changed_at \
         WHERE id IN (SELECT id FROM accounts WHERE status = 'active' AND password_changed_at <= $1 \
           AND password_changed_at > $3 \
           AND (password_reminder_for IS NULL OR password_reminder_for <> password_changed_at) \
           ORDER BY password_changed_at LIMIT $2) \
         AND (password_reminder_for IS NULL OR password_reminder_for <> password_changed_at) \
         RETURNING id, password_changed_at",
    )
    .bind(ts::format(changed_before))
    .bind(limit)
    .bind(ts::format(changed_after))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, ts::parse(&r.try_get::<String, _>(1)?)?)))
        .collect()
}

/// Sets an account's level.
pub async fn set_level(conn: &mut Conn, id: &str, level: AccountLevel) -> Result<(), StoreError> {
    sqlx::query("UPDATE accounts SET level = $2 WHERE id = $1")
        .bind(id)
        .bind(level.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Every staff account with its e-mail, ordered by e-mail.
pub async fn staff(conn: &mut Conn) -> Result<Vec<(Account, String)>, StoreError> {
    let sql = format!(
        "SELECT {ACCOUNT_COLUMNS}, l.value FROM accounts a \
         JOIN account_logins l ON l.account_id = a.id AND l.kind = 'email' \
         WHERE a.kind = 'staff' ORDER BY l.value"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| Ok((account(r)?, r.try_get(ACCOUNT_COLUMN_COUNT)?)))
        .collect()
}

/// Sets a staff account's role.
pub async fn set_role(conn: &mut Conn, id: &str, role: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE accounts SET staff_role = $2 WHERE id = $1 AND kind = 'staff'")
        .bind(id)
        .bind(role)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Sets an account's status (active, blocked) and the reason shown to staff.
pub async fn set_status(
    conn: &mut Conn,
    id: &str,
    status: AccountStatus,
    reason: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE accounts SET status = $2, status_reason = $3 WHERE id = $1")
        .bind(id)
        .bind(status.as_str())
        .bind(reason)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Removes one sign-in identifier of an account; true when there was one.
pub async fn remove_login(
    conn: &mut Conn,
    account_id: &str,
    login: &str,
) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM account_logins WHERE account_id = $1 AND login = $2")
        .bind(account_id)
        .bind(login)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_parse_to_the_enums() {
        assert_eq!(parse_status("active").ok(), Some(AccountStatus::Active));
        assert_eq!(parse_status("blocked").ok(), Some(AccountStatus::Blocked));
        assert_eq!(
            parse_level("simplified").ok(),
            Some(AccountLevel::Simplified)
        );
        assert_eq!(parse_level("confirmed").ok(), Some(AccountLevel::Confirmed));
    }

    #[test]
    fn serde_writes_the_stored_names() {
        let json = serde_json::to_string(&(AccountStatus::Active, AccountLevel::Standard))
            .expect("serialise");
        assert_eq!(json, r#"["active","standard"]"#);
        let back: (AccountStatus, AccountLevel) =
            serde_json::from_str(r#"["blocked","confirmed"]"#).expect("deserialise");
        assert_eq!(back, (AccountStatus::Blocked, AccountLevel::Confirmed));
        assert!(serde_json::from_str::<AccountLevel>(r#""gold""#).is_err());
    }

    #[test]
    fn unknown_stored_names_are_corrupt_not_mapped() {
        for bad in ["", "Active", "closed", "standard"] {
            assert!(
                matches!(parse_status(bad), Err(StoreError::Corrupt(_))),
                "status {bad:?}"
            );
        }
        for bad in ["", "Standard", "full", "active"] {
            assert!(
                matches!(parse_level(bad), Err(StoreError::Corrupt(_))),
                "level {bad:?}"
            );
        }
    }

    /// Through a real row: what was written reads back as the enums, and a value the
    /// schema's CHECK would refuse (a manual edit, a newer binary's name) is reported,
    /// not mapped to some other status or level.
    #[tokio::test]
    async fn a_row_with_an_unknown_status_or_level_reads_as_corrupt() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!("sqlite://{}", dir.path().join("k.db").display());
        let options = crate::StoreOptions {
            max_connections: 1,
            ..crate::StoreOptions::default()
        };
        let store = crate::Store::connect(&url, &options)
            .await
            .expect("connect");
        crate::migrate::run(&store).await.expect("migrate");
        let mut conn = store.acquire().await.expect("a connection");
        let now = OffsetDateTime::now_utc();
        insert(
            &mut conn,
            &NewAccount {
                id: "a1",
                kind: "person",
                staff_role: None,
                level: AccountLevel::Standard,
                password_hash: "!",
                must_change_password: false,
                now,
            },
        )
        .await
        .expect("insert");
        let back = get(&mut conn, "a1").await.expect("read").expect("stored");
        assert_eq!(back.status, AccountStatus::Active);
        assert_eq!(back.level, AccountLevel::Standard);
        set_level(&mut conn, "a1", AccountLevel::Confirmed)
            .await
            .expect("set level");
        set_status(&mut conn, "a1", AccountStatus::Blocked, Some("why"))
            .await
            .expect("set status");
        let back = get(&mut conn, "a1").await.expect("read").expect("stored");
        assert_eq!(back.status, AccountStatus::Blocked);
        assert_eq!(back.level, AccountLevel::Confirmed);

        sqlx::query("PRAGMA ignore_check_constraints = ON")
            .execute(&mut *conn)
            .await
            .expect("pragma");
        sqlx::query("UPDATE accounts SET status = 'closed' WHERE id = 'a1'")
            .execute(&mut *conn)
            .await
            .expect("bad status");
        let read = get(&mut conn, "a1").await;
        assert!(
            matches!(&read, Err(StoreError::Corrupt(m)) if m.contains("closed")),
            "{read:?}"
        );
        sqlx::query("UPDATE accounts SET status = 'active', level = 'gold' WHERE id = 'a1'")
            .execute(&mut *conn)
            .await
            .expect("bad level");
        let read = get(&mut conn, "a1").await;
        assert!(
            matches!(&read, Err(StoreError::Corrupt(m)) if m.contains("gold")),
            "{read:?}"
        );
    }
}
