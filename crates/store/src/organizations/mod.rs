//! Organisations and their members as stored (ORG-1, ORG-2). SQL only: the rules live
//! in `kabinet_domain::organisation` and `kabinet_app::organisations`.
//!
//! The organisation row, its data, documents and sealed values live here; members,
//! invitations and the members' lock in `members.rs`; «История изменений» and change
//! requests in `changes.rs`. Everything is re-exported, so callers name
//! `organizations::…` whatever the file.

mod changes;
mod members;

pub use changes::{
    ChangeRequest, HistoryEntry, add_history, change_request_by_id, change_requests,
    decide_change_request, history, insert_change_request,
};
pub use members::{
    Invitation, close_invitation, insert_invitation, invitation_by_code, lock_members, members,
    put_member, remove_member, role_of,
};

use sqlx::Row;
use time::OffsetDateTime;

use crate::{Conn, StoreError, ts};

/// An organisation row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Organization {
    /// UUIDv7.
    pub id: String,
    /// `legal_entity` or `sole_proprietor`.
    pub kind: String,
    /// Keyed hash of the ИНН (one organisation per ИНН).
    pub inn_index: String,
    /// `{inn, ogrn, kpp}` as JSON, sealed.
    pub identifiers_sealed: String,
    /// Full name.
    pub full_name: String,
    /// Short name.
    pub short_name: Option<String>,
    /// Legal address.
    pub legal_address: String,
    /// `pending_verification`, `active` or `refused`.
    pub status: String,
    /// Staff's comment or reason.
    pub decision: Option<String>,
    /// `account:<id>` of the creator.
    pub created_by: String,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Last change.
    pub updated_at: OffsetDateTime,
    /// The card's other data.
    pub card: Card,
}

/// The organisation's data its administrators keep up to date themselves (ORG-1).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Card {
    /// State registration date `YYYY-MM-DD`.
    pub registered_on: Option<String>,
    /// The responsible employee (name and position).
    pub responsible: Option<String>,
    /// The organisation's e-mail.
    pub contact_email: Option<String>,
    /// The organisation's phone.
    pub contact_phone: Option<String>,
}

const COLUMNS: &str = "id, kind, inn_index, identifiers_sealed, full_name, short_name, legal_address, \
     status, decision, created_by, created_at, updated_at, registered_on, responsible, contact_email, contact_phone";

fn organization(r: &sqlx::any::AnyRow) -> Result<Organization, StoreError> {
    Ok(Organization {
        id: r.try_get(0)?,
        kind: r.try_get(1)?,
        inn_index: r.try_get(2)?,
        identifiers_sealed: r.try_get(3)?,
        full_name: r.try_get(4)?,
        short_name: r.try_get(5)?,
        legal_address: r.try_get(6)?,
        status: r.try_get(7)?,
        decision: r.try_get(8)?,
        created_by: r.try_get(9)?,
        created_at: ts::parse(&r.try_get::<String, _>(10)?)?,
        updated_at: ts::parse(&r.try_get::<String, _>(11)?)?,
        card: Card {
            registered_on: r.try_get(12)?,
            responsible: r.try_get(13)?,
            contact_email: r.try_get(14)?,
            contact_phone: r.try_get(15)?,
        },
    })
}

/// Whether an organisation with this ИНН (keyed hash) exists.
pub async fn inn_taken(conn: &mut Conn, inn_index: &str) -> Result<bool, StoreError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM organizations WHERE inn_index = $1")
        .bind(inn_index)
        .fetch_one(&mut *conn)
        .await?;
    Ok(n > 0)
}

/// Stores a new organisation.
pub async fn insert(conn: &mut Conn, o: &Organization) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO organizations (id, kind, inn_index, identifiers_sealed, full_name, short_name, \
         legal_address, status, decision, created_by, created_at, updated_at, registered_on, \
         responsible, contact_email, contact_phone) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(&o.id)
    .bind(&o.kind)
    .bind(&o.inn_index)
    .bind(&o.identifiers_sealed)
    .bind(&o.full_name)
    .bind(&o.short_name)
    .bind(&o.legal_address)
    .bind(&o.status)
    .bind(&o.decision)
    .bind(&o.created_by)
    .bind(ts::format(o.created_at))
    .bind(ts::format(o.updated_at))
    .bind(&o.card.registered_on)
    .bind(&o.card.responsible)
    .bind(&o.card.contact_email)
    .bind(&o.card.contact_phone)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// An organisation by id.
pub async fn get(conn: &mut Conn, id: &str) -> Result<Option<Organization>, StoreError> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM organizations WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    r.as_ref().map(organization).transpose()
}

/// Organisations with a status, oldest first.
pub async fn with_status(
    conn: &mut Conn,
    status: &str,
    limit: i64,
) -> Result<Vec<Organization>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM organizations WHERE status = $1 ORDER BY created_at, id LIMIT $2"
    )))
    .bind(status)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(organization).collect()
}

/// The organisations an account is a member of, with its role.
pub async fn of_account(
    conn: &mut Conn,
    account_id: &str,
) -> Result<Vec<(Organization, String)>, StoreError> {
    let columns = COLUMNS
        .split(", ")
        .map(|c| format!("o.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {columns}, m.role FROM organizations o JOIN organization_members m \
         ON m.organization_id = o.id WHERE m.account_id = $1 ORDER BY o.full_name"
    )))
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((organization(r)?, r.try_get(16)?)))
        .collect()
}

/// Sets the status and staff's comment; false when it was not in `from` any more.
pub async fn decide(
    conn: &mut Conn,
    id: &str,
    from: &str,
    to: &str,
    decision: Option<&str>,
    now: OffsetDateTime,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE organizations SET status = $3, decision = $4, updated_at = $5 \
         WHERE id = $1 AND status = $2",
    )
    .bind(id)
    .bind(from)
    .bind(to)
    .bind(decision)
    .bind(ts::format(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Changes the names, address and card data.
pub async fn update_data(
    conn: &mut Conn,
    o: &Organization,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE organizations SET full_name = $2, short_name = $3, legal_address = $4, \
         registered_on = $5, responsible = $6, contact_email = $7, contact_phone = $8, updated_at = $9 \
         WHERE id = $1",
    )
    .bind(&o.id)
    .bind(&o.full_name)
    .bind(&o.short_name)
    .bind(&o.legal_address)
    .bind(&o.card.registered_on)
    .bind(&o.card.responsible)
    .bind(&o.card.contact_email)
    .bind(&o.card.contact_phone)
    .bind(ts::format(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Replaces the sealed identifiers (an approved change request) and the ИНН's index.
pub async fn set_identifiers(
    conn: &mut Conn,
    id: &str,
    inn_index: &str,
    sealed: &str,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE organizations SET inn_index = $2, identifiers_sealed = $3, updated_at = $4 WHERE id = $1",
    )
    .bind(id)
    .bind(inn_index)
    .bind(sealed)
    .bind(ts::format(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Attaches a statutory document.
pub async fn add_document(
    conn: &mut Conn,
    organization_id: &str,
    file_id: &str,
    kind: &str,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO organization_documents (organization_id, file_id, kind, at) VALUES ($1, $2, $3, $4)",
    )
    .bind(organization_id)
    .bind(file_id)
    .bind(kind)
    .bind(ts::format(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The statutory documents: `(file_id, kind, file name, size, at)`, oldest first.
pub async fn documents(
    conn: &mut Conn,
    organization_id: &str,
) -> Result<Vec<(String, String, String, i64, OffsetDateTime)>, StoreError> {
    let rows = sqlx::query(
        "SELECT d.file_id, d.kind, f.file_name, f.size, d.at FROM organization_documents d \
         JOIN files f ON f.id = d.file_id WHERE d.organization_id = $1 ORDER BY d.at, d.file_id",
    )
    .bind(organization_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get(0)?,
                r.try_get(1)?,
                r.try_get(2)?,
                r.try_get(3)?,
                ts::parse(&r.try_get::<String, _>(4)?)?,
            ))
        })
        .collect()
}

/// Sets the note staff read with an organisation still pending (the registry's
/// answer); false when staff decided meanwhile.
pub async fn note(conn: &mut Conn, id: &str, note: &str) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE organizations SET decision = $2 WHERE id = $1 AND status = 'pending_verification'",
    )
    .bind(id)
    .bind(note)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// What of an organisation is sealed: its identifiers, or a change request's proposal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sealed {
    /// `organizations.identifiers_sealed`.
    Identifiers,
    /// `organization_change_requests.proposed_sealed`.
    Proposals,
}

impl Sealed {
    fn table_column(self) -> (&'static str, &'static str) {
        match self {
            Sealed::Identifiers => ("organizations", "identifiers_sealed"),
            Sealed::Proposals => ("organization_change_requests", "proposed_sealed"),
        }
    }
}

/// Up to `limit` rows after the id `after` sealed under another key than `current`
/// (`kabinet keys rotate`): `(id, sealed)`.
pub async fn stale_sealed(
    conn: &mut Conn,
    which: Sealed,
    current: &str,
    after: &str,
    limit: i64,
) -> Result<Vec<(String, String)>, StoreError> {
    let (table, column) = which.table_column();
    crate::stale_sealed(conn, table, column, current, after, limit).await
}

/// Replaces a sealed value (key rotation).
pub async fn set_sealed(
    conn: &mut Conn,
    which: Sealed,
    id: &str,
    sealed: &str,
) -> Result<(), StoreError> {
    let (table, column) = which.table_column();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE {table} SET {column} = $2 WHERE id = $1"
    )))
    .bind(id)
    .bind(sealed)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
