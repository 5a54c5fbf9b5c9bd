//! Storage for kabinet: one code path over SQLite (the embedded default) and PostgreSQL.
//!
//! Queries are written once in SQL both backends accept (`$1` placeholders, portable
//! types) and run through sqlx's `Any` driver; every place where the engines must
//! differ (connection set-up, transaction start, row and advisory locks, the outbox
//! claim, migrations, notifications) is a method of [`Dialect`] in [`dialect`], the
//! one module that knows which engine it talks to. Migrations are one folder per
//! dialect, embedded in the binary by a generated list. See `docs/adr/0001-storage.md`.
#![forbid(unsafe_code)]

pub mod accounts;
pub mod applications;
pub mod audit;
pub mod broadcasts;
pub mod catalog;
pub mod codes;
mod db;
pub mod dialect;
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

pub use db::{Reader, Store, StoreOptions, Tx, redact_url};
pub use dialect::{AuditChange, Dialect};
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

/// Up to `limit` rows of `table` after the id `after` whose sealed `column` is not
/// under the key `current` (`kabinet keys rotate`, in batches): `(id, sealed)`. The
/// table and column are the caller's constants, never input.
pub(crate) async fn stale_sealed(
    conn: &mut Conn,
    table: &'static str,
    column: &'static str,
    current: &str,
    after: &str,
    limit: i64,
) -> Result<Vec<(String, String)>, StoreError> {
    use sqlx::Row;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT id, {column} FROM {table} WHERE id > $1 AND {column} NOT LIKE $2 ESCAPE '\\' \
         ORDER BY id LIMIT $3"
    )))
    .bind(after)
    .bind(like_prefix(current))
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
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
