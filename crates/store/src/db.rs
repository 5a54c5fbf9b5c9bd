use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

use crate::{Dialect, StoreError};

/// A transaction on either backend; queries run on `&mut *tx`.
pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// Pool settings.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    /// Upper bound of open connections.
    pub max_connections: u32,
    /// How long to wait for a connection (also bounds the first connect at start-up).
    pub acquire_timeout: Duration,
    /// SQLite: how long a writer waits for the lock before failing.
    pub sqlite_busy_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            max_connections: 8,
            acquire_timeout: Duration::from_secs(5),
            sqlite_busy_timeout: Duration::from_secs(5),
        }
    }
}

/// The database: a connection pool and the dialect it speaks.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    dialect: Dialect,
    readers: Readers,
    sessions: std::sync::Arc<crate::sessions::SessionCache>,
    /// PostgreSQL: the URL, for the session cache's listener (never logged).
    listen_url: Option<ListenUrl>,
}

/// A database URL that `Debug` does not show (it may hold a password).
#[derive(Clone)]
struct ListenUrl(std::sync::Arc<str>);

impl std::fmt::Debug for ListenUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&redact_url(&self.0))
    }
}

type Slot = std::sync::Arc<tokio::sync::Mutex<Option<sqlx::AnyConnection>>>;

/// Connections kept out of the pool for the hottest reads (the session of an API call,
/// one application). The pool checks every connection given back to it with a `Sync`
/// round trip to PostgreSQL; these are taken and given back without it. sqlx waits for
/// any unfinished reply before the next statement on a connection, so a read cancelled
/// half-way leaves nothing behind; a connection whose statement failed is dropped
/// ([`Reader::discard`]) and the slot takes a new one from the pool on its next use.
#[derive(Clone)]
struct Readers {
    slots: std::sync::Arc<Vec<Slot>>,
    next: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl Readers {
    /// Lets go of every held connection nobody is using (they are opened anew on use).
    fn drop_idle(&self) {
        for slot in self.slots.iter() {
            if let Ok(mut guard) = slot.try_lock() {
                guard.take();
            }
        }
    }
}

/// A read for [`Store::read`]: given a connection, the future of its result.
pub type ReadFn<'f, T> = dyn for<'c> Fn(
        &'c mut sqlx::AnyConnection,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<T, StoreError>> + Send + 'c>,
    > + Send
    + Sync
    + 'f;

impl std::fmt::Debug for Readers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readers")
            .field("slots", &self.slots.len())
            .finish()
    }
}

/// A connection for a read: one of the held ones, or from the pool when they are all
/// busy (or on SQLite, where giving one back costs nothing).
pub struct Reader {
    inner: ReaderInner,
}

enum ReaderInner {
    Held(tokio::sync::OwnedMutexGuard<Option<sqlx::AnyConnection>>),
    Pooled(sqlx::pool::PoolConnection<sqlx::Any>),
}

impl Reader {
    /// Drops the connection (its statement failed): the slot opens a new one next time.
    pub fn discard(mut self) {
        if let ReaderInner::Held(guard) = &mut self.inner {
            guard.take();
        }
    }
}

impl std::ops::Deref for Reader {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &sqlx::AnyConnection {
        match &self.inner {
            ReaderInner::Held(guard) => guard
                .as_ref()
                .unwrap_or_else(|| unreachable!("a held reader always has a connection")),
            ReaderInner::Pooled(conn) => conn,
        }
    }
}

impl std::ops::DerefMut for Reader {
    fn deref_mut(&mut self) -> &mut sqlx::AnyConnection {
        match &mut self.inner {
            ReaderInner::Held(guard) => guard
                .as_mut()
                .unwrap_or_else(|| unreachable!("a held reader always has a connection")),
            ReaderInner::Pooled(conn) => conn,
        }
    }
}

/// Replaces the password in a URL (`postgres://user:secret@host`) with `***`.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match (authority.rfind('@'), authority.find(':')) {
        (Some(at), Some(colon)) if colon < at => format!(
            "{}{}:***{}",
            &url[..scheme_end + 3],
            &authority[..colon],
            &rest[at..]
        ),
        _ => url.to_owned(),
    }
}

impl Store {
    /// Opens a pool to the database at `url` and checks that it answers.
    ///
    /// SQLite files are created when missing and opened with WAL, a busy timeout,
    /// `synchronous=NORMAL` and foreign keys on.
    pub async fn connect(url: &str, options: &StoreOptions) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let dialect = Dialect::from_url(url)?;
        let url = dialect.connect_url(url);
        let connect_error = |source| StoreError::Connect {
            target: redact_url(&url),
            source,
        };
        let connect_options: AnyConnectOptions = url.parse().map_err(connect_error)?;
        let setup = dialect.after_connect(options.sqlite_busy_timeout.as_millis());
        let pool = AnyPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .after_connect(move |conn, _meta| {
                let setup = setup.clone();
                Box::pin(async move {
                    if let Some(setup) = setup {
                        conn.execute(sqlx::AssertSqlSafe(setup)).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(connect_options)
            .await
            .map_err(connect_error)?;
        let held = dialect.held_readers(options.max_connections);
        let store = Store {
            pool,
            dialect,
            sessions: std::sync::Arc::default(),
            listen_url: dialect
                .notifies()
                .then(|| ListenUrl(std::sync::Arc::from(url.as_str()))),
            readers: Readers {
                slots: std::sync::Arc::new(
                    (0..held)
                        .map(|_| std::sync::Arc::new(tokio::sync::Mutex::new(None)))
                        .collect(),
                ),
                next: std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0)),
            },
        };
        store.ping().await.map_err(|e| match e {
            StoreError::Database(source) => connect_error(source),
            other => other,
        })?;
        Ok(store)
    }

    /// The dialect this store speaks (every SQLite/PostgreSQL difference is there).
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The pool, for queries outside a transaction.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Checks that the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Starts a read-write transaction.
    ///
    /// On SQLite it is `BEGIN IMMEDIATE`: the write lock is taken at the start, so a
    /// transaction that reads and then writes never fails on a lock upgrade.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        let tx = match self.dialect.begin_statement() {
            Some(statement) => self.pool.begin_with(statement).await?,
            None => self.pool.begin().await?,
        };
        Ok(tx)
    }

    /// A connection from the pool, for reads and single statements.
    pub async fn acquire(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>, StoreError> {
        Ok(self.pool.acquire().await?)
    }

    /// The session cache for API calls, listening to PostgreSQL from the first use;
    /// `None` on SQLite (sessions are read every time there).
    pub fn session_cache(&self) -> Option<&crate::sessions::SessionCache> {
        let url = self.listen_url.as_ref()?;
        self.sessions.listen(&url.0);
        Some(&self.sessions)
    }

    /// A connection for a single read on the hot path (see [`Reader`]): a free held
    /// one, else one from the pool; nobody waits for a held one.
    pub async fn reader(&self) -> Result<Reader, StoreError> {
        let slots = &self.readers.slots;
        let start = self
            .readers
            .next
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        for i in 0..slots.len() {
            let slot = &slots[(start + i) % slots.len()];
            if let Ok(mut guard) = std::sync::Arc::clone(slot).try_lock_owned() {
                if guard.is_none() {
                    *guard = Some(self.pool.acquire().await?.detach());
                }
                return Ok(Reader {
                    inner: ReaderInner::Held(guard),
                });
            }
        }
        Ok(Reader {
            inner: ReaderInner::Pooled(self.pool.acquire().await?),
        })
    }

    /// Runs one read on a held reader ([`Store::reader`]) and hands the reader on for
    /// what follows. A failed statement drops its connection. When the failure says the
    /// connection itself is gone — PostgreSQL restarted, the network cut it — every idle
    /// held connection is let go too (they went the same way) and the read runs once
    /// more on a connection from the pool (checked before it is handed out), so a
    /// restart of the database costs no request an error once the database is back.
    pub async fn read<T>(&self, f: &ReadFn<'_, T>) -> Result<(T, Reader), StoreError> {
        let mut conn = self.reader().await?;
        match f(&mut conn).await {
            Ok(v) => return Ok((v, conn)),
            Err(e) => {
                conn.discard();
                if !e.is_disconnect() {
                    return Err(e);
                }
                tracing::warn!(error = %e, "a held database connection was lost: reconnecting");
                self.readers.drop_idle();
            }
        }
        // The second try on a connection from the pool, which checks it before handing
        // it out (a held one given back meanwhile may be just as dead).
        let mut conn = Reader {
            inner: ReaderInner::Pooled(self.pool.acquire().await?),
        };
        match f(&mut conn).await {
            Ok(v) => Ok((v, conn)),
            Err(e) => {
                conn.discard();
                Err(e)
            }
        }
    }

    /// Closes the pool, waiting for connections in use to be returned; the held
    /// readers are closed too.
    pub async fn close(&self) {
        for slot in self.readers.slots.iter() {
            if let Some(conn) = slot.lock().await.take() {
                let _ = sqlx::Connection::close(conn).await;
            }
        }
        self.pool.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://kab:s3cret@db.local:5432/kab?sslmode=require"),
            "postgres://kab:***@db.local:5432/kab?sslmode=require"
        );
        assert_eq!(
            redact_url("postgres://postgres@127.0.0.1/test"),
            "postgres://postgres@127.0.0.1/test"
        );
        assert_eq!(redact_url("sqlite://data/k.db"), "sqlite://data/k.db");
    }
}
