use thiserror::Error;

/// Errors of the storage layer.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The database URL names a backend kabinet does not support.
    #[error("unsupported database URL {0}: expected sqlite://… or postgres://…")]
    UnsupportedUrl(String),
    /// The database could not be reached or opened.
    #[error("cannot connect to the database at {target}: {source}")]
    Connect {
        /// The URL with any password redacted.
        target: String,
        /// What the driver said.
        #[source]
        source: sqlx::Error,
    },
    /// A migration failed; the transaction was rolled back.
    #[error("migration {version} ({name}) failed, the database is unchanged: {source}")]
    Migration {
        /// Version number of the failing migration.
        version: i64,
        /// Its name.
        name: String,
        /// What the database said.
        #[source]
        source: sqlx::Error,
    },
    /// The applied migrations do not match the ones embedded in this binary.
    #[error("migration history does not match this binary: {0}")]
    MigrationMismatch(String),
    /// Stored data violates an invariant the code relies on.
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    /// Any other database error.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl StoreError {
    /// True when the connection failed rather than the statement — closed by the
    /// server (shut down, restarted, the backend terminated), reset, or a broken
    /// protocol stream: the same statement may well succeed on another connection.
    pub fn is_disconnect(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Io(_) | sqlx::Error::Protocol(_)) => true,
            // SQLSTATE class 08 (connection exception), 57P (operator intervention:
            // admin/crash shutdown, cannot connect now), 53300 (too many connections),
            // 3D000 (the database is gone) and 55000 when the database is closed to new
            // connections (`ALLOW_CONNECTIONS false`, as during a failover or maintenance).
            StoreError::Database(sqlx::Error::Database(e)) => e.code().is_some_and(|c| {
                c.starts_with("08")
                    || c.starts_with("57P")
                    || c == "53300"
                    || c == "3D000"
                    || (c == "55000" && e.message().contains("accepting connections"))
            }),
            _ => false,
        }
    }

    /// True when the error is a unique-constraint violation (a conflicting row exists).
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(e)) => e.is_unique_violation(),
            _ => false,
        }
    }
}
