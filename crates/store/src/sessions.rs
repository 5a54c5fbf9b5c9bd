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

/// Whether a session still exists and its account is not blocked (long-lived streams
/// ask again and again).
pub async fn alive(conn: &mut Conn, id: &str) -> Result<bool, StoreError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sessions s JOIN accounts a ON a.id = s.account_id \
         WHERE s.id = $1 AND a.status <> 'blocked'",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(n > 0)
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
    // The columns after the account's.
    let at = 9 + crate::accounts::ACCOUNT_COLUMN_COUNT;
    let codes: i64 = r.try_get(at)?;
    let totp: i64 = r.try_get(at + 1)?;
    Ok(Some(Resolved {
        session,
        account,
        has_second_factor: codes != 0 || totp > 0,
        unread: r.try_get(at + 2)?,
        acting: match (
            r.try_get::<Option<String>, _>(at + 3)?,
            r.try_get::<Option<String>, _>(at + 4)?,
            r.try_get::<Option<String>, _>(at + 5)?,
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

/// How long a cached session is trusted at most, even without a word from PostgreSQL.
pub const CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(30);

/// A process's cache of resolved sessions for API calls (PostgreSQL only; pages always
/// read the database). It is safe across processes because PostgreSQL tells every
/// process of every change: triggers on `sessions`, `accounts` and `mfa_totp`
/// `pg_notify('kabinet_sessions', account_id)` when the change commits, and the
/// process's listener evicts that account's sessions. The cache is used only while the
/// listener is connected; when its connection drops, the cache is emptied and off until
/// it listens again (what was said meanwhile is lost). A read that began before an
/// eviction is not cached (the generation moved on). Entries live [`CACHE_TTL`] at most.
#[derive(Debug, Default)]
pub struct SessionCache {
    inner: std::sync::Mutex<CacheInner>,
    listening: std::sync::atomic::AtomicBool,
    generation: std::sync::atomic::AtomicU64,
    started: std::sync::OnceLock<()>,
    paused_until: std::sync::Mutex<Option<std::time::Instant>>,
    /// When this process last heard its own heartbeat through the listener.
    heard_at: std::sync::Mutex<Option<std::time::Instant>>,
    /// This process's heartbeat payload.
    token: std::sync::OnceLock<String>,
}

/// How often a process notifies itself through PostgreSQL to prove the listener hears.
pub const HEARTBEAT: std::time::Duration = std::time::Duration::from_secs(5);
/// Without a heartbeat heard for this long the cache is off (a half-open connection,
/// a pooler that does not pass notifications on).
pub const HEARTBEAT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

/// How long [`SessionCache::pause`] keeps the cache out of the way.
pub const PAUSE: std::time::Duration = std::time::Duration::from_secs(1);

#[derive(Debug, Default)]
struct CacheInner {
    by_id: std::collections::HashMap<String, (Resolved, std::time::Instant)>,
    by_account: std::collections::HashMap<String, Vec<String>>,
}

impl SessionCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, CacheInner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The generation to pass to [`SessionCache::put`] for a read starting now.
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// On: listening, its own heartbeat heard lately, not paused.
    fn on(&self) -> bool {
        self.listening.load(std::sync::atomic::Ordering::SeqCst)
            && self
                .heard_at
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .is_some_and(|at| at.elapsed() < HEARTBEAT_TIMEOUT)
            && !self.paused()
    }

    fn mark_heard(&self) {
        *self.heard_at.lock().unwrap_or_else(|p| p.into_inner()) = Some(std::time::Instant::now());
    }

    fn token(&self) -> &str {
        self.token
            .get_or_init(|| format!("ping:{}", uuid::Uuid::now_v7()))
    }

    fn paused(&self) -> bool {
        self.paused_until
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some_and(|until| std::time::Instant::now() < until)
    }

    /// This process is changing something (a request that is not a read): empty the
    /// cache and keep it off for [`PAUSE`], so that the change is seen at once here
    /// without waiting for PostgreSQL's notification.
    pub fn pause(&self) {
        *self.paused_until.lock().unwrap_or_else(|p| p.into_inner()) =
            Some(std::time::Instant::now() + PAUSE);
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let mut inner = self.lock();
        inner.by_id.clear();
        inner.by_account.clear();
    }

    /// A cached session, if the cache is on and it is fresh.
    pub fn get(&self, id: &str) -> Option<Resolved> {
        if !self.on() {
            return None;
        }
        let inner = self.lock();
        inner
            .by_id
            .get(id)
            .filter(|(_, at)| at.elapsed() < CACHE_TTL)
            .map(|(r, _)| r.clone())
    }

    /// Keeps a session read from the database, unless the cache is off or something
    /// changed since the read began (`generation`).
    pub fn put(&self, id: &str, resolved: &Resolved, generation: u64) {
        if !self.on() {
            return;
        }
        let mut inner = self.lock();
        // Checked under the lock: an eviction takes the lock after moving the generation.
        if self.generation() != generation {
            return;
        }
        if inner.by_id.len() >= 100_000 {
            inner.by_id.clear();
            inner.by_account.clear();
        }
        let account = resolved.account.id.clone();
        inner
            .by_id
            .insert(id.to_owned(), (resolved.clone(), std::time::Instant::now()));
        inner
            .by_account
            .entry(account)
            .or_default()
            .push(id.to_owned());
    }

    /// Forgets every session of an account (something of it changed).
    pub fn evict_account(&self, account_id: &str) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let mut inner = self.lock();
        if let Some(ids) = inner.by_account.remove(account_id) {
            for id in ids {
                inner.by_id.remove(&id);
            }
        }
    }

    /// Forgets everything and turns the cache on or off.
    pub fn reset(&self, listening: bool) {
        self.listening
            .store(false, std::sync::atomic::Ordering::SeqCst);
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        {
            let mut inner = self.lock();
            inner.by_id.clear();
            inner.by_account.clear();
        }
        self.listening
            .store(listening, std::sync::atomic::Ordering::SeqCst);
    }

    /// Starts the listener once per process (PostgreSQL): it turns the cache on while
    /// it hears PostgreSQL, and off when it does not.
    pub fn listen(self: &std::sync::Arc<Self>, url: &str) {
        let cache = std::sync::Arc::clone(self);
        let url = url.to_owned();
        self.started.get_or_init(move || {
            tokio::spawn(async move { cache.run_listener(&url).await });
        });
    }

    async fn run_listener(&self, url: &str) {
        loop {
            let listener = async {
                let mut l = sqlx::postgres::PgListener::connect(url).await?;
                l.listen(NOTIFY_CHANNEL).await?;
                Ok::<_, sqlx::Error>(l)
            }
            .await;
            let mut listener = match listener {
                Ok(l) => l,
                Err(error) => {
                    tracing::warn!(%error, "session cache: cannot listen to PostgreSQL; sessions are read every time");
                    self.reset(false);
                    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                    continue;
                }
            };
            self.reset(true);
            // The heartbeat: this process notifies itself every few seconds; the cache
            // is on only while it hears it.
            if self.token.get().is_none() {
                let ping = self.token().to_owned();
                let url = url.to_owned();
                tokio::spawn(async move { heartbeat(&url, &ping).await });
            }
            loop {
                match listener.try_recv().await {
                    Ok(Some(n)) if n.payload() == self.token() => self.mark_heard(),
                    Ok(Some(n)) if n.payload().starts_with("ping:") => {}
                    Ok(Some(n)) => self.evict_account(n.payload()),
                    // The connection dropped and was made again: what was said in
                    // between is lost.
                    Ok(None) => self.reset(true),
                    Err(error) => {
                        tracing::warn!(%error, "session cache: the listener failed; sessions are read every time");
                        self.reset(false);
                        break;
                    }
                }
            }
        }
    }
}

/// Sends this process's heartbeat through PostgreSQL every [`HEARTBEAT`], on a
/// connection of its own (reconnecting when it fails).
async fn heartbeat(url: &str, token: &str) {
    use sqlx::Connection;
    loop {
        if let Ok(mut conn) = sqlx::postgres::PgConnection::connect(url).await {
            loop {
                let sent = sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(NOTIFY_CHANNEL)
                    .bind(token)
                    .execute(&mut conn)
                    .await;
                if sent.is_err() {
                    break;
                }
                tokio::time::sleep(HEARTBEAT).await;
            }
        }
        tokio::time::sleep(HEARTBEAT).await;
    }
}

/// The channel the triggers of migration 20 notify.
pub const NOTIFY_CHANNEL: &str = "kabinet_sessions";

#[cfg(test)]
mod cache_tests {
    use super::*;

    fn resolved(account: &str) -> Resolved {
        let now = time::OffsetDateTime::now_utc();
        Resolved {
            session: Session {
                id: "s".into(),
                account_id: account.into(),
                csrf_token: "t".into(),
                mfa_pending: false,
                created_at: now,
                last_seen_at: now,
                expires_at: now,
                user_agent: None,
                address: None,
            },
            account: crate::accounts::Account {
                id: account.into(),
                kind: "person".into(),
                staff_role: None,
                status: kabinet_domain::account::AccountStatus::Active,
                status_reason: None,
                level: kabinet_domain::account::AccountLevel::Simplified,
                password_hash: String::new(),
                password_changed_at: now,
                must_change_password: false,
                created_at: now,
                last_sign_in_at: None,
                previous_sign_in_at: None,
            },
            has_second_factor: false,
            unread: 0,
            acting: None,
        }
    }

    #[test]
    fn only_while_listening_and_never_a_read_older_than_an_eviction() {
        let cache = SessionCache::default();
        let g = cache.generation();
        cache.put("s1", &resolved("a1"), g);
        assert!(
            cache.get("s1").is_none(),
            "off until the listener hears PostgreSQL"
        );
        cache.reset(true);
        let g = cache.generation();
        cache.put("s1", &resolved("a1"), g);
        assert!(
            cache.get("s1").is_none(),
            "nor until its own heartbeat is heard"
        );
        cache.mark_heard();
        cache.put("s1", &resolved("a1"), g);
        assert_eq!(cache.get("s1").unwrap().account.id, "a1");
        // A read that began before an eviction is not kept.
        let before = cache.generation();
        cache.evict_account("a2");
        cache.put("s2", &resolved("a2"), before);
        assert!(cache.get("s2").is_none());
        // An eviction forgets every session of the account, and only those.
        let g = cache.generation();
        cache.put("s3", &resolved("a1"), g);
        cache.evict_account("a1");
        assert!(cache.get("s1").is_none() && cache.get("s3").is_none());
        let g = cache.generation();
        cache.put("s4", &resolved("a3"), g);
        cache.reset(false);
        assert!(
            cache.get("s4").is_none(),
            "off again when the listener drops"
        );
        // A local change pauses it.
        cache.reset(true);
        let g = cache.generation();
        cache.put("s5", &resolved("a5"), g);
        cache.pause();
        assert!(cache.get("s5").is_none());
        let g = cache.generation();
        cache.put("s5", &resolved("a5"), g);
        assert!(cache.get("s5").is_none(), "nothing is kept while paused");
    }
}
