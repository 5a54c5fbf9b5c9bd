//! Embedded migrations, one set per backend, applied all-or-nothing.
//!
//! All pending migrations run in ONE transaction (DDL is transactional on both
//! SQLite and PostgreSQL), so a failure leaves the database exactly as it was.
//! Concurrent starters are serialised: SQLite by `BEGIN IMMEDIATE`, PostgreSQL by a
//! transaction-scoped advisory lock.

use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::{Backend, Store, StoreError};

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

const SQLITE: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sql: include_str!("../migrations/sqlite/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        name: "accounts",
        sql: include_str!("../migrations/sqlite/0002_accounts.sql"),
    },
    Migration {
        version: 3,
        name: "mfa",
        sql: include_str!("../migrations/sqlite/0003_mfa.sql"),
    },
    Migration {
        version: 4,
        name: "mfa_codes",
        sql: include_str!("../migrations/sqlite/0004_mfa_codes.sql"),
    },
    Migration {
        version: 5,
        name: "password_reminders",
        sql: include_str!("../migrations/sqlite/0005_password_reminders.sql"),
    },
    Migration {
        version: 6,
        name: "profiles",
        sql: include_str!("../migrations/sqlite/0006_profiles.sql"),
    },
    Migration {
        version: 7,
        name: "requests",
        sql: include_str!("../migrations/sqlite/0007_requests.sql"),
    },
    Migration {
        version: 8,
        name: "closing",
        sql: include_str!("../migrations/sqlite/0008_closing.sql"),
    },
    Migration {
        version: 9,
        name: "catalog",
        sql: include_str!("../migrations/sqlite/0009_catalog.sql"),
    },
    Migration {
        version: 10,
        name: "applications",
        sql: include_str!("../migrations/sqlite/0010_applications.sql"),
    },
    Migration {
        version: 11,
        name: "back_office",
        sql: include_str!("../migrations/sqlite/0011_back_office.sql"),
    },
    Migration {
        version: 12,
        name: "support",
        sql: include_str!("../migrations/sqlite/0012_support.sql"),
    },
    Migration {
        version: 13,
        name: "notifications",
        sql: include_str!("../migrations/sqlite/0013_notifications.sql"),
    },
    Migration {
        version: 14,
        name: "broadcasts",
        sql: include_str!("../migrations/sqlite/0014_broadcasts.sql"),
    },
    Migration {
        version: 15,
        name: "webhooks",
        sql: include_str!("../migrations/sqlite/0015_webhooks.sql"),
    },
    Migration {
        version: 16,
        name: "reminders",
        sql: include_str!("../migrations/sqlite/0016_reminders.sql"),
    },
    Migration {
        version: 17,
        name: "organisations",
        sql: include_str!("../migrations/sqlite/0017_organisations.sql"),
    },
    Migration {
        version: 18,
        name: "invitations",
        sql: include_str!("../migrations/sqlite/0018_invitations.sql"),
    },
    Migration {
        version: 19,
        name: "organisation_context",
        sql: include_str!("../migrations/sqlite/0019_organisation_context.sql"),
    },
    Migration {
        version: 20,
        name: "session_notify",
        sql: include_str!("../migrations/sqlite/0020_session_notify.sql"),
    },
    Migration {
        version: 21,
        name: "application_parts",
        sql: include_str!("../migrations/sqlite/0021_application_parts.sql"),
    },
];

const POSTGRES: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sql: include_str!("../migrations/postgres/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        name: "accounts",
        sql: include_str!("../migrations/postgres/0002_accounts.sql"),
    },
    Migration {
        version: 3,
        name: "mfa",
        sql: include_str!("../migrations/postgres/0003_mfa.sql"),
    },
    Migration {
        version: 4,
        name: "mfa_codes",
        sql: include_str!("../migrations/postgres/0004_mfa_codes.sql"),
    },
    Migration {
        version: 5,
        name: "password_reminders",
        sql: include_str!("../migrations/postgres/0005_password_reminders.sql"),
    },
    Migration {
        version: 6,
        name: "profiles",
        sql: include_str!("../migrations/postgres/0006_profiles.sql"),
    },
    Migration {
        version: 7,
        name: "requests",
        sql: include_str!("../migrations/postgres/0007_requests.sql"),
    },
    Migration {
        version: 8,
        name: "closing",
        sql: include_str!("../migrations/postgres/0008_closing.sql"),
    },
    Migration {
        version: 9,
        name: "catalog",
        sql: include_str!("../migrations/postgres/0009_catalog.sql"),
    },
    Migration {
        version: 10,
        name: "applications",
        sql: include_str!("../migrations/postgres/0010_applications.sql"),
    },
    Migration {
        version: 11,
        name: "back_office",
        sql: include_str!("../migrations/postgres/0011_back_office.sql"),
    },
    Migration {
        version: 12,
        name: "support",
        sql: include_str!("../migrations/postgres/0012_support.sql"),
    },
    Migration {
        version: 13,
        name: "notifications",
        sql: include_str!("../migrations/postgres/0013_notifications.sql"),
    },
    Migration {
        version: 14,
        name: "broadcasts",
        sql: include_str!("../migrations/postgres/0014_broadcasts.sql"),
    },
    Migration {
        version: 15,
        name: "webhooks",
        sql: include_str!("../migrations/postgres/0015_webhooks.sql"),
    },
    Migration {
        version: 16,
        name: "reminders",
        sql: include_str!("../migrations/postgres/0016_reminders.sql"),
    },
    Migration {
        version: 17,
        name: "organisations",
        sql: include_str!("../migrations/postgres/0017_organisations.sql"),
    },
    Migration {
        version: 18,
        name: "invitations",
        sql: include_str!("../migrations/postgres/0018_invitations.sql"),
    },
    Migration {
        version: 19,
        name: "organisation_context",
        sql: include_str!("../migrations/postgres/0019_organisation_context.sql"),
    },
    Migration {
        version: 20,
        name: "session_notify",
        sql: include_str!("../migrations/postgres/0020_session_notify.sql"),
    },
    Migration {
        version: 21,
        name: "application_parts",
        sql: include_str!("../migrations/postgres/0021_application_parts.sql"),
    },
];

/// Advisory lock key for migrations on PostgreSQL ("kabinet" in ASCII, truncated).
const PG_MIGRATION_LOCK: i64 = 0x6b61_6269_6e65;

/// The migrations embedded for a backend.
pub fn embedded(backend: Backend) -> &'static [Migration] {
    match backend {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES,
    }
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
    run_set(store, embedded(store.backend())).await
}

/// Applies the pending migrations from `set` (tests pass their own sets).
pub async fn run_set(store: &Store, set: &[Migration]) -> Result<MigrationReport, StoreError> {
    let mut tx = store.begin().await?;
    if store.backend() == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(PG_MIGRATION_LOCK)
            .execute(&mut *tx)
            .await?;
    }
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
