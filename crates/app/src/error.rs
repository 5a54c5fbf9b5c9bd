//! The use-case error type. The web layer maps it to problem+json (API) or an error
//! summary / error page (HTML): validation → 422, forbidden → 403, not found → 404,
//! conflict → 409, unavailable → 503 with `Retry-After`, internal and anything else →
//! 500 with a request id and the cause only in the log.
//!
//! Which kind to use: [`AppError::Internal`] when something of ours failed (randomness,
//! password hashing, the disk, serialisation, sealing); `StoreError::Corrupt` only
//! when data read back from storage breaks an invariant. Storage errors become
//! [`AppError`] through [`From<StoreError>`], which tells a lost database
//! ([`AppError::Unavailable`]) and a unique-key race ([`AppError::Conflict`]) apart.

use kabinet_store::StoreError;
use serde::Serialize;
use thiserror::Error;

/// A problem with one input field: its name and a message key of the catalog.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field as named in the form and the API body.
    pub field: String,
    /// Message key in `locales/` (rendered in Russian by the web layer).
    pub key: &'static str,
    /// Values for the message's variables (a limit it names), usually none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<(&'static str, String)>,
}

impl FieldError {
    /// A field error.
    pub fn new(field: impl Into<String>, key: &'static str) -> FieldError {
        FieldError {
            field: field.into(),
            key,
            args: Vec::new(),
        }
    }

    /// The same error with a value for one of its message's variables.
    #[must_use]
    pub fn with(mut self, name: &'static str, value: impl ToString) -> FieldError {
        self.args.push((name, value.to_string()));
        self
    }

    /// The message in the catalog's language.
    pub fn message(&self, i18n: &crate::i18n::I18n) -> String {
        if self.args.is_empty() {
            return i18n.t(self.key);
        }
        let args: Vec<(&str, &str)> = self.args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        i18n.t_with(self.key, &args)
    }
}

/// Why a use case did not do what was asked.
#[derive(Debug, Error)]
pub enum AppError {
    /// Input was refused; nothing was written.
    #[error("invalid input: {0:?}")]
    Validation(Vec<FieldError>),
    /// Not signed in, or the credentials are wrong; the message key says which.
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    /// The actor may not do this.
    #[error("forbidden")]
    Forbidden,
    /// The account is blocked or otherwise refused; the message key says why.
    #[error("refused: {0}")]
    Refused(&'static str),
    /// Too many attempts: try again after this many seconds.
    #[error("too many requests: {key}, retry after {retry_after_secs} s")]
    TooManyRequests {
        /// Seconds until a new attempt may succeed.
        retry_after_secs: u64,
        /// Message key.
        key: &'static str,
    },
    /// No such object (or not visible to the actor).
    #[error("not found")]
    NotFound,
    /// The object's state does not allow this now; the message key says why.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// An upload is larger than allowed; the message key says the limit.
    #[error("too large: {0}")]
    TooLarge(&'static str),
    /// An upload's content is not of an allowed type; the message key says which are.
    #[error("unsupported type: {0}")]
    UnsupportedType(&'static str),
    /// Something of ours failed (randomness, password hashing, the disk,
    /// serialisation, sealing). The text is the cause, for the log only: it is never
    /// shown to the person.
    #[error("internal error: {0}")]
    Internal(String),
    /// The database does not answer (connection lost, refused, or no connection free
    /// in time): worth trying again shortly. The text is the cause, for the log only.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// The database failed otherwise.
    #[error(transparent)]
    Store(StoreError),
}

/// The message key of a conflict found by the database's unique key (two requests
/// creating the same thing at once): `409`, not `500`.
pub const DUPLICATE_KEY: &str = "conflict-duplicate";

/// Every message key this module may use in an answer.
pub const MESSAGE_KEYS: &[&str] = &[DUPLICATE_KEY, "error-unavailable", "error-internal"];

impl AppError {
    /// An internal failure with its cause (kept for the log).
    pub fn internal(cause: impl std::fmt::Display) -> AppError {
        AppError::Internal(cause.to_string())
    }

    /// Seconds a client should wait before retrying, for the kinds that say so
    /// (`Retry-After`).
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            AppError::TooManyRequests {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            AppError::Unavailable(_) => Some(UNAVAILABLE_RETRY_AFTER_SECS),
            _ => None,
        }
    }
}

/// How long a client is asked to wait when the database does not answer.
pub const UNAVAILABLE_RETRY_AFTER_SECS: u64 = 5;

/// Is the database unreachable (rather than the statement wrong)? A lost or refused
/// connection ([`StoreError::is_disconnect`], a failed connect) or a pool with no
/// connection free in time.
pub fn is_unavailable(e: &StoreError) -> bool {
    use kabinet_store::SqlxError;
    e.is_disconnect()
        || matches!(
            e,
            StoreError::Connect { .. }
                | StoreError::Database(SqlxError::PoolTimedOut | SqlxError::PoolClosed)
        )
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        if is_unavailable(&e) {
            AppError::Unavailable(e.to_string())
        } else if e.is_unique_violation() {
            tracing::info!(error = %e, "a unique key refused a row: reported as a conflict");
            AppError::Conflict(DUPLICATE_KEY)
        } else {
            AppError::Store(e)
        }
    }
}

impl From<kabinet_store::SqlxError> for AppError {
    fn from(e: kabinet_store::SqlxError) -> AppError {
        AppError::from(StoreError::Database(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kabinet_store::SqlxError;

    #[test]
    fn a_lost_database_is_unavailable() {
        for e in [
            StoreError::Database(SqlxError::PoolTimedOut),
            StoreError::Database(SqlxError::PoolClosed),
            StoreError::Database(SqlxError::Io(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "reset",
            ))),
            StoreError::Database(SqlxError::Protocol("eof".into())),
            StoreError::Connect {
                target: "postgres://db/kabinet".into(),
                source: SqlxError::PoolTimedOut,
            },
        ] {
            let shown = e.to_string();
            let app = AppError::from(e);
            assert!(
                matches!(&app, AppError::Unavailable(cause) if *cause == shown),
                "{app:?}"
            );
            assert_eq!(app.retry_after_secs(), Some(UNAVAILABLE_RETRY_AFTER_SECS));
        }
    }

    #[test]
    fn other_storage_errors_stay_storage_errors() {
        for e in [
            StoreError::Corrupt("status".into()),
            StoreError::Database(SqlxError::RowNotFound),
            StoreError::MigrationMismatch("x".into()),
        ] {
            let app = AppError::from(e);
            assert!(matches!(app, AppError::Store(_)), "{app:?}");
            assert_eq!(app.retry_after_secs(), None);
        }
    }

    /// What a driver reports for a duplicate key (or, with `code`, a lost server).
    #[derive(Debug)]
    struct DbError {
        kind: sqlx::error::ErrorKind,
        code: Option<&'static str>,
    }

    impl std::fmt::Display for DbError {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "database says no")
        }
    }

    impl std::error::Error for DbError {}

    impl sqlx::error::DatabaseError for DbError {
        fn message(&self) -> &str {
            "database says no"
        }
        fn code(&self) -> Option<std::borrow::Cow<'_, str>> {
            self.code.map(std::borrow::Cow::Borrowed)
        }
        fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
            self
        }
        fn kind(&self) -> sqlx::error::ErrorKind {
            match self.kind {
                sqlx::error::ErrorKind::UniqueViolation => sqlx::error::ErrorKind::UniqueViolation,
                _ => sqlx::error::ErrorKind::Other,
            }
        }
    }

    #[test]
    fn a_unique_key_race_is_a_conflict() {
        let e = SqlxError::Database(Box::new(DbError {
            kind: sqlx::error::ErrorKind::UniqueViolation,
            code: Some("23505"),
        }));
        assert!(matches!(
            AppError::from(e),
            AppError::Conflict(DUPLICATE_KEY)
        ));
    }

    #[test]
    fn a_server_shutting_down_is_unavailable() {
        let e = SqlxError::Database(Box::new(DbError {
            kind: sqlx::error::ErrorKind::Other,
            code: Some("57P01"),
        }));
        assert!(matches!(AppError::from(e), AppError::Unavailable(_)));
        let e = SqlxError::Database(Box::new(DbError {
            kind: sqlx::error::ErrorKind::Other,
            code: Some("23503"),
        }));
        assert!(matches!(AppError::from(e), AppError::Store(_)));
    }

    #[test]
    fn internal_keeps_the_cause() {
        let e = AppError::internal("no randomness: EIO");
        assert!(matches!(&e, AppError::Internal(c) if c == "no randomness: EIO"));
        assert_eq!(e.to_string(), "internal error: no randomness: EIO");
    }
}
