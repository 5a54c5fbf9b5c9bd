//! Organisations and their members as stored (ORG-1, ORG-2). SQL only: the rules live
//! in `kabinet_domain::organisation` and `kabinet_app::organisations`.

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

/// Serialises changes to an organisation's members for the rest of the transaction
/// (PostgreSQL locks its row; SQLite's write transaction is serial already), so that
/// the last-administrator rule holds when two changes come at the same moment.
pub async fn lock(conn: &mut Conn, id: &str, backend: crate::Backend) -> Result<(), StoreError> {
    if backend == crate::Backend::Postgres {
        sqlx::query("SELECT id FROM organizations WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    }
    Ok(())
}
