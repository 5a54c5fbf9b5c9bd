//! The services catalog as stored: versions of definitions (JSON) and the production
//! calendar. SQL only: parsing and validation live in `kabinet_app::catalog`.

use sqlx::Row;
use time::OffsetDateTime;

use crate::{Conn, StoreError, ts};

/// A stored version of a service definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceRow {
    /// The service id (`school-certificate`).
    pub id: String,
    /// 1, 2, …
    pub version: i64,
    /// Section title.
    pub section: String,
    /// Title.
    pub title: String,
    /// The definition as JSON.
    pub definition: String,
    /// SHA-256 of `definition`.
    pub content_hash: String,
}

fn row(r: &sqlx::any::AnyRow) -> Result<ServiceRow, StoreError> {
    Ok(ServiceRow {
        id: r.try_get(0)?,
        version: r.try_get(1)?,
        section: r.try_get(2)?,
        title: r.try_get(3)?,
        definition: r.try_get(4)?,
        content_hash: r.try_get(5)?,
    })
}

const COLUMNS: &str = "id, version, section, title, definition, content_hash";

/// The current version of every service, by section and title.
pub async fn current(conn: &mut Conn) -> Result<Vec<ServiceRow>, StoreError> {
    let sql =
        format!("SELECT {COLUMNS} FROM services WHERE is_current = 1 ORDER BY section, title");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(row).collect()
}

/// The current version of one service.
pub async fn current_of(conn: &mut Conn, id: &str) -> Result<Option<ServiceRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM services WHERE id = $1 AND is_current = 1");
    let r = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    r.as_ref().map(row).transpose()
}

/// One version of one service.
pub async fn version(
    conn: &mut Conn,
    id: &str,
    version: i64,
) -> Result<Option<ServiceRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM services WHERE id = $1 AND version = $2");
    let r = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(version)
        .fetch_optional(&mut *conn)
        .await?;
    r.as_ref().map(row).transpose()
}

/// Stores a definition: nothing when the current version has the same hash; otherwise
/// a new version that becomes current. Returns the version that is current after.
pub async fn put(
    conn: &mut Conn,
    id: &str,
    section: &str,
    title: &str,
    definition: &str,
    content_hash: &str,
    now: OffsetDateTime,
) -> Result<(i64, bool), StoreError> {
    if let Some(cur) = current_of(conn, id).await?
        && cur.content_hash == content_hash
    {
        return Ok((cur.version, false));
    }
    let next: i64 = sqlx::query("SELECT COALESCE(MAX(version), 0) + 1 FROM services WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
    sqlx::query("UPDATE services SET is_current = 0 WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO services (id, version, section, title, definition, content_hash, is_current, imported_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 1, $7)",
    )
    .bind(id)
    .bind(next)
    .bind(section)
    .bind(title)
    .bind(definition)
    .bind(content_hash)
    .bind(ts::format(now))
    .execute(&mut *conn)
    .await?;
    Ok((next, true))
}

/// Replaces the production calendar: `(day, working)` pairs.
pub async fn set_calendar(conn: &mut Conn, days: &[(String, bool)]) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM calendar_days")
        .execute(&mut *conn)
        .await?;
    for (day, working) in days {
        sqlx::query("INSERT INTO calendar_days (day, working) VALUES ($1, $2)")
            .bind(day)
            .bind(i64::from(*working))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The production calendar.
pub async fn calendar(conn: &mut Conn) -> Result<Vec<(String, bool)>, StoreError> {
    let rows = sqlx::query("SELECT day, working FROM calendar_days ORDER BY day")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get::<i64, _>(1)? != 0)))
        .collect()
}

/// `(id, title)` of every current service, by section and title (for filters: no
/// definitions to parse).
pub async fn titles(conn: &mut Conn) -> Result<Vec<(String, String)>, StoreError> {
    let rows =
        sqlx::query("SELECT id, title FROM services WHERE is_current = 1 ORDER BY section, title")
            .fetch_all(&mut *conn)
            .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}
