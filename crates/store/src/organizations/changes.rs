//! «История изменений» of an organisation and the identifier change requests that
//! administrators ask and staff decide.

use sqlx::Row;
use time::OffsetDateTime;

use crate::{Conn, StoreError, ts};

/// A line of «История изменений».
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryEntry {
    /// When.
    pub at: OffsetDateTime,
    /// `account:<id>`.
    pub actor: String,
    /// `member`, `staff` or `system`.
    pub actor_kind: String,
    /// What happened (`created`, `data_changed` …).
    pub what: String,
    /// Details as JSON (field names, roles; never identifiers in clear).
    pub details: String,
}

/// Adds a line to «История изменений».
pub async fn add_history(
    conn: &mut Conn,
    organization_id: &str,
    e: &HistoryEntry,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO organization_history (id, organization_id, at, actor, actor_kind, what, details) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(organization_id)
    .bind(ts::format(e.at))
    .bind(&e.actor)
    .bind(&e.actor_kind)
    .bind(&e.what)
    .bind(&e.details)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// «История изменений», newest first, at most `limit` lines.
pub async fn history(
    conn: &mut Conn,
    organization_id: &str,
    limit: i64,
) -> Result<Vec<HistoryEntry>, StoreError> {
    let rows = sqlx::query(
        "SELECT at, actor, actor_kind, what, details FROM organization_history \
         WHERE organization_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(organization_id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(HistoryEntry {
                at: ts::parse(&r.try_get::<String, _>(0)?)?,
                actor: r.try_get(1)?,
                actor_kind: r.try_get(2)?,
                what: r.try_get(3)?,
                details: r.try_get(4)?,
            })
        })
        .collect()
}

/// A change of identifiers asked by an administrator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangeRequest {
    /// UUIDv7.
    pub id: String,
    /// The organisation.
    pub organization_id: String,
    /// `{inn, ogrn, kpp}` proposed, sealed.
    pub proposed_sealed: String,
    /// Which identifiers change, comma-separated.
    pub fields: String,
    /// Why.
    pub reason: String,
    /// `pending`, `approved` or `refused`.
    pub status: String,
    /// Staff's comment.
    pub decision: Option<String>,
    /// `account:<id>`.
    pub created_by: String,
    /// Asked.
    pub created_at: OffsetDateTime,
}

const CHANGE_COLUMNS: &str = "id, organization_id, proposed_sealed, fields, reason, status, \
     decision, created_by, created_at";

fn change_request(r: &sqlx::any::AnyRow) -> Result<ChangeRequest, StoreError> {
    Ok(ChangeRequest {
        id: r.try_get(0)?,
        organization_id: r.try_get(1)?,
        proposed_sealed: r.try_get(2)?,
        fields: r.try_get(3)?,
        reason: r.try_get(4)?,
        status: r.try_get(5)?,
        decision: r.try_get(6)?,
        created_by: r.try_get(7)?,
        created_at: ts::parse(&r.try_get::<String, _>(8)?)?,
    })
}

/// Stores a change request.
pub async fn insert_change_request(conn: &mut Conn, c: &ChangeRequest) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO organization_change_requests (id, organization_id, proposed_sealed, fields, reason, \
         status, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&c.id)
    .bind(&c.organization_id)
    .bind(&c.proposed_sealed)
    .bind(&c.fields)
    .bind(&c.reason)
    .bind(&c.status)
    .bind(&c.created_by)
    .bind(ts::format(c.created_at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Change requests of one organisation (newest first) or, with `None`, every pending
/// one (oldest first).
pub async fn change_requests(
    conn: &mut Conn,
    organization_id: Option<&str>,
) -> Result<Vec<ChangeRequest>, StoreError> {
    let rows = match organization_id {
        Some(org) => sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CHANGE_COLUMNS} FROM organization_change_requests WHERE organization_id = $1 \
                 ORDER BY created_at DESC, id DESC LIMIT 50"
        )))
        .bind(org)
        .fetch_all(&mut *conn)
        .await?,
        None => sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CHANGE_COLUMNS} FROM organization_change_requests WHERE status = 'pending' \
                 ORDER BY created_at, id LIMIT 200"
        )))
        .fetch_all(&mut *conn)
        .await?,
    };
    rows.iter().map(change_request).collect()
}

/// One change request.
pub async fn change_request_by_id(
    conn: &mut Conn,
    id: &str,
) -> Result<Option<ChangeRequest>, StoreError> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CHANGE_COLUMNS} FROM organization_change_requests WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    r.as_ref().map(change_request).transpose()
}

/// Decides a pending change request; false when it was decided meanwhile.
pub async fn decide_change_request(
    conn: &mut Conn,
    id: &str,
    status: &str,
    decision: Option<&str>,
    by: &str,
    now: OffsetDateTime,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE organization_change_requests SET status = $2, decision = $3, decided_by = $4, decided_at = $5 \
         WHERE id = $1 AND status = 'pending'",
    )
    .bind(id)
    .bind(status)
    .bind(decision)
    .bind(by)
    .bind(ts::format(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
