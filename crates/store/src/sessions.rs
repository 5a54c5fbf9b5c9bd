//! Server-side sessions. The id is the SHA-256 of the cookie's token, so a copy of the
//! table does not let anyone sign in.

use sqlx::Row;
use time::OffsetDateTime;

use crate::{Conn, StoreError, ts};

/// A session as stored.
#[derive(Clone, Debug)]
pub struct Session {
    /// SHA-256 of the token, hex.
    pub id: String,
    /// Whose.
    pub account_id: String,
    /// The CSRF token of this session.
    pub csrf_token: String,
    /// The second factor is still due.
    pub mfa_pending: bool,
    /// Signed in.
    pub created_at: OffsetDateTime,
    /// Last request.
    pub last_seen_at: OffsetDateTime,
    /// Absolute end.
    pub expires_at: OffsetDateTime,
    /// Browser or client.
    pub user_agent: Option<String>,
    /// Client address.
    pub address: Option<String>,
}

/// Stores a new session.
pub async fn insert(conn: &mut Conn, s: &Session) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sessions (id, account_id, csrf_token, mfa_pending, created_at, last_seen_at, \
         expires_at, user_agent, address) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&s.id)
    .bind(&s.account_id)
    .bind(&s.csrf_token)
    .bind(i64::from(s.mfa_pending))
    .bind(ts::format(s.created_at))
    .bind(ts::format(s.last_seen_at))
    .bind(ts::format(s.expires_at))
    .bind(&s.user_agent)
    .bind(&s.address)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

const COLUMNS: &str = "id, account_id, csrf_token, mfa_pending, created_at, last_seen_at, \
                       expires_at, user_agent, address";

fn session(r: &sqlx::any::AnyRow) -> Result<Session, StoreError> {
    Ok(Session {
        id: r.try_get(0)?,
        account_id: r.try_get(1)?,
        csrf_token: r.try_get(2)?,
        mfa_pending: r.try_get::<i64, _>(3)? != 0,
        created_at: ts::parse(&r.try_get::<String, _>(4)?)?,
        last_seen_at: ts::parse(&r.try_get::<String, _>(5)?)?,
        expires_at: ts::parse(&r.try_get::<String, _>(6)?)?,
        user_agent: r.try_get(7)?,
        address: r.try_get(8)?,
    })
}

/// A session by id.
pub async fn get(conn: &mut Conn, id: &str) -> Result<Option<Session>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM sessions WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(session).transpose()
}

/// The sessions of an account, newest first.
pub async fn for_account(conn: &mut Conn, account_id: &str) -> Result<Vec<Session>, StoreError> {
    let sql =
        format!("SELECT {COLUMNS} FROM sessions WHERE account_id = $1 ORDER BY last_seen_at DESC");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account_id)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(session).collect()
}

/// Records activity.
pub async fn touch(conn: &mut Conn, id: &str, now: OffsetDateTime) -> Result<(), StoreError> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2")
        .bind(ts::format(now))
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Marks the second factor given.
pub async fn clear_mfa(conn: &mut Conn, id: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE sessions SET mfa_pending = 0 WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Ends one session; returns whether it existed.
pub async fn delete(conn: &mut Conn, id: &str) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM sessions WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Ends every session of an account but `keep`; returns how many ended.
pub async fn delete_for_account(
    conn: &mut Conn,
    account_id: &str,
    keep: Option<&str>,
) -> Result<u64, StoreError> {
    let done = sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND id <> $2")
        .bind(account_id)
        .bind(keep.unwrap_or(""))
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}

/// Records a password entry in this session (for actions that ask for it again).
pub async fn set_reauth(conn: &mut Conn, id: &str, now: OffsetDateTime) -> Result<(), StoreError> {
    sqlx::query("UPDATE sessions SET reauth_at = $1 WHERE id = $2")
        .bind(ts::format(now))
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// When the password was last entered in this session.
pub async fn reauth_at(conn: &mut Conn, id: &str) -> Result<Option<OffsetDateTime>, StoreError> {
    let at: Option<Option<String>> =
        sqlx::query_scalar("SELECT reauth_at FROM sessions WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    at.flatten().as_deref().map(ts::parse).transpose()
}

/// Counts a wrong second-factor code; returns the count.
pub async fn add_mfa_failure(conn: &mut Conn, id: &str) -> Result<i64, StoreError> {
    sqlx::query("UPDATE sessions SET mfa_failures = mfa_failures + 1 WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    let n: Option<i64> = sqlx::query_scalar("SELECT mfa_failures FROM sessions WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(n.unwrap_or(0))
}

/// A session with its account and whether the account has a second factor (a
/// confirmed TOTP or codes), in one round trip: what every signed-in request needs.
/// With `with_unread` it also counts the account's unread notifications (pages show
/// them in the header); without, the count is 0 and costs nothing.
pub async fn resolve(
    conn: &mut Conn,
    id: &str,
    with_unread: bool,
) -> Result<Option<Resolved>, StoreError> {
    // Built once per process, not per request.
    static SQL: std::sync::OnceLock<[String; 2]> = std::sync::OnceLock::new();
    let [plain, counted] = SQL.get_or_init(|| {
        let columns = COLUMNS
            .split(", ")
            .map(|c| format!("s.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        let build = |page: &str| {
            format!(
                "SELECT {columns}, {}, a.mfa_codes, \
                 (SELECT COUNT(*) FROM mfa_totp t WHERE t.account_id = a.id AND t.confirmed_at IS NOT NULL), \
                 {page} FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.id = $1",
                crate::accounts::ACCOUNT_COLUMNS
            )
        };
        [
            build("CAST(0 AS BIGINT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT)"),
            // Pages: the unread count, and the organisation the person acts for with
            // their role in it now (none once they left it or it is not active).
            build(
                "(SELECT COUNT(*) FROM notifications n WHERE n.account_id = a.id \
                 AND n.read_at IS NULL AND n.in_inbox = 1), s.organization_id, \
                 (SELECT m.role FROM organization_members m JOIN organizations o ON o.id = m.organization_id \
                  WHERE m.organization_id = s.organization_id AND m.account_id = a.id AND o.status = 'active'), \
                 (SELECT COALESCE(o.short_name, o.full_name) FROM organizations o WHERE o.id = s.organization_id)",
            ),
        ]
    });
    let sql = if with_unread { counted } else { plain }.as_str();
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(r) = row else { return Ok(None) };
    let session = session(&r)?;
    let account = crate::accounts::account_at(&r, 9)?;
    let codes: i64 = r.try_get(20)?;
    let totp: i64 = r.try_get(21)?;
    Ok(Some(Resolved {
        session,
        account,
        has_second_factor: codes != 0 || totp > 0,
        unread: r.try_get(22)?,
        acting: match (
            r.try_get::<Option<String>, _>(23)?,
            r.try_get::<Option<String>, _>(24)?,
            r.try_get::<Option<String>, _>(25)?,
        ) {
            (Some(org), Some(role), Some(name)) => Some((org, role, name)),
            _ => None,
        },
    }))
}

/// A session with what every request needs about its account.
#[derive(Clone, Debug)]
pub struct Resolved {
    /// The session.
    pub session: Session,
    /// Its account.
    pub account: crate::accounts::Account,
    /// A second factor is enrolled.
    pub has_second_factor: bool,
    /// Unread notifications in «Мои сообщения».
    pub unread: i64,
    /// Pages: the organisation the person acts for — `(id, role, name)` — while they
    /// are a member and it is active.
    pub acting: Option<(String, String, String)>,
}

/// Sets (or clears) the organisation a session acts for.
pub async fn set_organization(
    conn: &mut Conn,
    id: &str,
    organization_id: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE sessions SET organization_id = $1 WHERE id = $2")
        .bind(organization_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
