//! Members of organisations and invitations to become one (ORG-2).

use sqlx::Row;
use time::OffsetDateTime;

use crate::{Conn, StoreError, ts};

/// Adds a member (or changes their role).
pub async fn put_member(
    conn: &mut Conn,
    organization_id: &str,
    account_id: &str,
    role: &str,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO organization_members (organization_id, account_id, role, created_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (organization_id, account_id) DO UPDATE SET role = $3",
    )
    .bind(organization_id)
    .bind(account_id)
    .bind(role)
    .bind(ts::format(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A member's role, if they are one.
pub async fn role_of(
    conn: &mut Conn,
    organization_id: &str,
    account_id: &str,
) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT role FROM organization_members WHERE organization_id = $1 AND account_id = $2",
    )
    .bind(organization_id)
    .bind(account_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// The members: `(account_id, role)`, administrators first.
pub async fn members(
    conn: &mut Conn,
    organization_id: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT account_id, role FROM organization_members WHERE organization_id = $1 \
         ORDER BY CASE role WHEN 'administrator' THEN 0 WHEN 'operator' THEN 1 ELSE 2 END, created_at",
    )
    .bind(organization_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

/// An invitation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invitation {
    /// UUIDv7.
    pub id: String,
    /// The organisation.
    pub organization_id: String,
    /// `email:…` or `phone:…`.
    pub contact_key: String,
    /// The role offered.
    pub role: String,
    /// `pending`, `accepted` or `declined`.
    pub status: String,
    /// Valid until.
    pub expires_at: OffsetDateTime,
}

/// Stores an invitation with the hash of its code.
#[allow(clippy::too_many_arguments)]
pub async fn insert_invitation(
    conn: &mut Conn,
    i: &Invitation,
    code_hash: &str,
    created_by: &str,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO organization_invitations (id, organization_id, contact_key, role, code_hash, status, \
         expires_at, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&i.id)
    .bind(&i.organization_id)
    .bind(&i.contact_key)
    .bind(&i.role)
    .bind(code_hash)
    .bind(&i.status)
    .bind(ts::format(i.expires_at))
    .bind(created_by)
    .bind(ts::format(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The invitation with this code hash.
pub async fn invitation_by_code(
    conn: &mut Conn,
    code_hash: &str,
) -> Result<Option<Invitation>, StoreError> {
    let r = sqlx::query(
        "SELECT id, organization_id, contact_key, role, status, expires_at FROM organization_invitations \
         WHERE code_hash = $1",
    )
    .bind(code_hash)
    .fetch_optional(&mut *conn)
    .await?;
    r.map(|r| {
        Ok(Invitation {
            id: r.try_get(0)?,
            organization_id: r.try_get(1)?,
            contact_key: r.try_get(2)?,
            role: r.try_get(3)?,
            status: r.try_get(4)?,
            expires_at: ts::parse(&r.try_get::<String, _>(5)?)?,
        })
    })
    .transpose()
}

/// Closes a pending invitation (`accepted` or `declined`); false when it was not pending.
pub async fn close_invitation(conn: &mut Conn, id: &str, status: &str) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE organization_invitations SET status = $2 WHERE id = $1 AND status = 'pending'",
    )
    .bind(id)
    .bind(status)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes a member; true when they were one.
pub async fn remove_member(
    conn: &mut Conn,
    organization_id: &str,
    account_id: &str,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "DELETE FROM organization_members WHERE organization_id = $1 AND account_id = $2",
    )
    .bind(organization_id)
    .bind(account_id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Serialises changes to an organisation's members for the rest of the transaction
/// (PostgreSQL locks its row; SQLite's write transaction is serial already), so that
/// the last-administrator rule holds when two changes come at the same moment.
pub async fn lock_members(conn: &mut Conn, id: &str) -> Result<(), StoreError> {
    crate::Dialect::lock_row(conn, "organizations", "id", id).await
}
