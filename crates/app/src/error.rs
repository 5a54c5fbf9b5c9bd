//! The use-case error type. The web layer maps it to problem+json (API) or an error
//! summary / error page (HTML): validation → 422, forbidden → 403, not found → 404,
//! conflict → 409, anything else → 500 with a request id and the cause only in the log.

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
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<kabinet_store::SqlxError> for AppError {
    fn from(e: kabinet_store::SqlxError) -> AppError {
        AppError::Store(StoreError::Database(e))
    }
}
