//! Embedded migrations, one set per dialect, applied all-or-nothing.
//!
//! The lists are generated at build time from `crates/store/migrations/<dialect>/`
//! (`build.rs`, [`Dialect::migrations`]): a file added there is embedded, nothing is
//! kept by hand. Applied versions are recorded in `kabinet_migrations` with a SHA-256
//! checksum of their text.
//!
//! All pending migrations run in ONE transaction (DDL is transactional on both
//! SQLite and PostgreSQL), so a failure leaves the database exactly as it was.
//! Concurrent starters are serialised: SQLite by `BEGIN IMMEDIATE`, PostgreSQL by a
//! transaction-scoped advisory lock.

use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::{Dialect, Store, StoreError};

/// One migration embedded in the binary.
#[derive(Clone, Copy, Debug)]
pub struct Migration {
    /// Increasing version number.
    pub version: i64,
    /// Short name, from the file name.
    pub name: &'static str,
    /// The SQL text.
    pub sql: &'static str,
}

/// The migrations embedded for a dialect, in version order ([`Dialect::migrations`]).
pub fn embedded(dialect: Dialect) -> &'static [Migration] {
    dialect.migrations()
}

fn checksum(sql: &str) -> String {
    hex::encode(Sha256::digest(sql.as_bytes()))
}

/// What a migration run did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct MigrationReport {
    /// Versions applied by this run.
    pub applied: Vec<i64>,
    /// Versions found in the database that this binary does not know (a newer release
    /// migrated it; migrations stay compatible with the previous release).
    pub unknown: Vec<i64>,
}

/// Applies every pending migration of the store's backend.
pub async fn run(store: &Store) -> Result<MigrationReport, StoreError> {
    run_set(store, embedded(store.dialect())).await
}

/// Applies the pending migrations from `set` (tests pass their own sets).
pub async fn run_set(store: &Store, set: &[Migration]) -> Result<MigrationReport, StoreError> {
    let mut tx = store.begin().await?;
    Dialect::lock_migrations(&mut tx).await?;
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS kabinet_migrations (\
             version BIGINT PRIMARY KEY, name TEXT NOT NULL, \
             checksum TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )
    .execute(&mut *tx)
    .await?;
    let rows = sqlx::query("SELECT version, checksum FROM kabinet_migrations ORDER BY version")
        .fetch_all(&mut *tx)
        .await?;
    let mut report = MigrationReport::default();
    let mut applied = Vec::with_capacity(rows.len());
    for row in rows {
        let version: i64 = row.try_get(0)?;
        let sum: String = row.try_get(1)?;
        match set.iter().find(|m| m.version == version) {
            Some(m) if checksum(m.sql) != sum => {
                return Err(StoreError::MigrationMismatch(format!(
                    "migration {version} ({}) was changed after it was applied",
                    m.name
                )));
            }
            Some(_) => applied.push(version),
            None => report.unknown.push(version),
        }
    }
    let now = crate::ts::format(time::OffsetDateTime::now_utc());
    for m in set.iter().filter(|m| !applied.contains(&m.version)) {
        let failed = |source| StoreError::Migration {
            version: m.version,
            name: m.name.to_owned(),
            source,
        };
        sqlx::raw_sql(m.sql)
            .execute(&mut *tx)
            .await
            .map_err(failed)?;
        sqlx::query(
            "INSERT INTO kabinet_migrations (version, name, checksum, applied_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(m.version)
        .bind(m.name)
        .bind(checksum(m.sql))
        .bind(&now)
        .execute(&mut *tx)
        .await
        .map_err(failed)?;
        report.applied.push(m.version);
    }
    tx.commit().await?;
    Ok(report)
}

/// Versions recorded as applied, in order.
pub async fn applied_versions(store: &Store) -> Result<Vec<i64>, StoreError> {
    let rows = sqlx::query("SELECT version FROM kabinet_migrations ORDER BY version")
        .fetch_all(store.pool())
        .await?;
    rows.iter()
        .map(|r| r.try_get::<i64, _>(0).map_err(StoreError::from))
        .collect()
}

/// Embedded versions not yet applied to the store's database, in order (a database
/// without the migration table has them all pending).
pub async fn pending(store: &Store) -> Result<Vec<i64>, StoreError> {
    let tables: Vec<String> = sqlx::query_scalar(store.dialect().table_names_sql())
        .fetch_all(store.pool())
        .await?;
    let applied = if tables.iter().any(|t| t == "kabinet_migrations") {
        applied_versions(store).await?
    } else {
        Vec::new()
    };
    Ok(embedded(store.dialect())
        .iter()
        .map(|m| m.version)
        .filter(|v| !applied.contains(v))
        .collect())
}
