//! Storage for kabinet: one code path over SQLite (the embedded default) and PostgreSQL.
//!
//! Queries are written once in SQL both backends accept (`$1` placeholders, portable
//! types) and run through sqlx's `Any` driver; where the backends must differ (row
//! locking, transaction start) the code branches on [`Backend`]. Migrations are one set
//! per backend, embedded in the binary. See `docs/adr/0001-storage.md`.
#![forbid(unsafe_code)]

pub mod accounts;
pub mod applications;
pub mod audit;
pub mod broadcasts;
pub mod catalog;
pub mod codes;
mod db;
mod error;
pub mod mfa;
pub mod migrate;
pub mod notifications;
pub mod organizations;
pub mod outbox;
pub mod privacy;
pub mod profiles;
pub mod requests;
pub mod seed;
pub mod sessions;
pub mod support;
pub mod throttle;
pub mod ts;

pub use db::{Backend, Reader, Store, StoreOptions, Tx, redact_url};
pub use error::StoreError;
/// The connection type queries run on inside a transaction (`&mut *tx`).
pub use sqlx::AnyConnection as Conn;
/// The driver error type, for `?` on transaction commits in use cases.
pub use sqlx::Error as SqlxError;

/// A `LIKE` pattern (with `ESCAPE '\\'`) for values sealed under the key `id`: `id:%`
/// with `%`, `_` and `\\` in the id taken literally.
pub(crate) fn like_prefix(id: &str) -> String {
    format!("{}:%", like_escape(id))
}

/// `s` with LIKE's wildcards and the escape character escaped (`ESCAPE '\\'`).
pub(crate) fn like_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect()
}
