//! Applications as stored: the row (answers sealed by the application), the status
//! history, comments and attached files. SQL only: the rules live in
//! `kabinet_app::applications` and `kabinet_domain::application`.
//!
//! One file per concern: the row and its life (here), the applicant's list
//! (`list.rs`), the staff work queue and its reminders (`queue.rs`), «История статуса»
//! and comments (`history.rs`), attached files (`files.rs`) and the parts kept in the
//! row for the applicant's view (`parts.rs`, ADR 0008). Everything is re-exported here,
//! so callers name `applications::…` whatever the file.

mod files;
mod history;
mod list;
mod parts;
mod queue;

pub use files::{add_file, application_of_file, files, lock_attachments};
pub use history::{Comment, Event, add_comment, add_event, comments, events};
pub use list::{Filter, list};
pub(crate) use parts::replace_data_key;
pub use parts::{Parts, check_parts, event_parts_text, get_with_parts, parts, versions};
pub use queue::{
    Assigned, OPEN_STATUSES, QueueFilter, Reminder, assign, claim_clarification_reminders,
    claim_overdue, per_day, queue, set_clarification_due, workload,
};

use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use crate::{Conn, StoreError, ts};

/// An application row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplicationRow {
    /// UUIDv7.
    pub id: String,
    /// `YY-NNNNNNN-C` once submitted.
    pub number: Option<String>,
    /// The applicant.
    pub account_id: String,
    /// The service.
    pub service_id: String,
    /// The version it was filed under.
    pub service_version: i64,
    /// Status name.
    pub status: String,
    /// The answers, sealed.
    pub fields_sealed: String,
    /// The step the applicant is on (drafts).
    pub step: i64,
    /// The staff member working on it.
    pub assignee: Option<String>,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Last change.
    pub updated_at: OffsetDateTime,
    /// Submitted.
    pub submitted_at: Option<OffsetDateTime>,
    /// Due date `YYYY-MM-DD`.
    pub due_on: Option<String>,
    /// Bumped on every change.
    pub version: i64,
    /// When an answer to a clarification request is due (`YYYY-MM-DD`).
    pub clarification_due_on: Option<String>,
    /// The organisation it belongs to (filed while acting for it), if any.
    pub organization_id: Option<String>,
}

/// Whose applications: a person's own (filed as a private person), or an
/// organisation's (filed by any of its members while acting for it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner<'a> {
    /// The person's own, not their organisations'.
    Person(&'a str),
    /// The organisation's.
    Organization(&'a str),
}

impl Owner<'_> {
    /// The SQL condition, with the id as `$1`.
    fn clause(self) -> &'static str {
        match self {
            Owner::Person(_) => "account_id = $1 AND organization_id IS NULL",
            Owner::Organization(_) => "organization_id = $1",
        }
    }

    fn id(self) -> String {
        match self {
            Owner::Person(id) | Owner::Organization(id) => id.to_owned(),
        }
    }
}

const COLUMNS: &str = "id, number, account_id, service_id, service_version, status, fields_sealed, step, \
     assignee, created_at, updated_at, submitted_at, due_on, version, clarification_due_on, organization_id";

fn row(r: &AnyRow) -> Result<ApplicationRow, StoreError> {
    Ok(ApplicationRow {
        id: r.try_get(0)?,
        number: r.try_get(1)?,
        account_id: r.try_get(2)?,
        service_id: r.try_get(3)?,
        service_version: r.try_get(4)?,
        status: r.try_get(5)?,
        fields_sealed: r.try_get(6)?,
        step: r.try_get(7)?,
        assignee: r.try_get(8)?,
        created_at: ts::parse(&r.try_get::<String, _>(9)?)?,
        updated_at: ts::parse(&r.try_get::<String, _>(10)?)?,
        submitted_at: r
            .try_get::<Option<String>, _>(11)?
            .as_deref()
            .map(ts::parse)
            .transpose()?,
        due_on: r.try_get(12)?,
        version: r.try_get(13)?,
        clarification_due_on: r.try_get(14)?,
        organization_id: r.try_get(15)?,
    })
}

/// Inserts a draft.
pub async fn insert(conn: &mut Conn, a: &ApplicationRow) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO applications (id, account_id, service_id, service_version, status, fields_sealed, step, \
         created_at, updated_at, version, organization_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, 1, $9)",
    )
    .bind(&a.id)
    .bind(&a.account_id)
    .bind(&a.service_id)
    .bind(a.service_version)
    .bind(&a.status)
    .bind(&a.fields_sealed)
    .bind(a.step)
    .bind(ts::format(a.created_at))
    .bind(&a.organization_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One application.
pub async fn get(conn: &mut Conn, id: &str) -> Result<Option<ApplicationRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM applications WHERE id = $1");
    let r = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    r.as_ref().map(row).transpose()
}

/// Saves the answers and the step of a draft.
pub async fn save_fields(
    conn: &mut Conn,
    id: &str,
    sealed: &str,
    step: i64,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE applications SET fields_sealed = $2, step = $3, updated_at = $4, version = version + 1 WHERE id = $1")
        .bind(id)
        .bind(sealed)
        .bind(step)
        .bind(ts::format(now))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Moves an application from `from` to `to`; false when it was not in `from` any more
/// (someone else moved it first).
pub async fn set_status(
    conn: &mut Conn,
    id: &str,
    from: &str,
    to: &str,
    now: OffsetDateTime,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE applications SET status = $3, updated_at = $4, version = version + 1 WHERE id = $1 AND status = $2",
    )
    .bind(id)
    .bind(from)
    .bind(to)
    .bind(ts::format(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Submits a draft: number, due date, `submitted`.
pub async fn submit(
    conn: &mut Conn,
    id: &str,
    number: &str,
    due_on: &str,
    now: OffsetDateTime,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE applications SET status = 'submitted', number = $2, due_on = $3, submitted_at = $4, updated_at = $4, \
         version = version + 1 WHERE id = $1 AND status = 'draft'",
    )
    .bind(id)
    .bind(number)
    .bind(due_on)
    .bind(ts::format(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The next number of a year (starts at 1); taken inside the caller's transaction.
pub async fn next_number(conn: &mut Conn, year: i32) -> Result<u32, StoreError> {
    let y = i64::from(year);
    sqlx::query(
        "INSERT INTO application_counters (year, last) VALUES ($1, 1) \
         ON CONFLICT (year) DO UPDATE SET last = application_counters.last + 1",
    )
    .bind(y)
    .execute(&mut *conn)
    .await?;
    let last: i64 = sqlx::query("SELECT last FROM application_counters WHERE year = $1")
        .bind(y)
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
    u32::try_from(last).map_err(|_| StoreError::Corrupt("application counter overflow".into()))
}

/// Marks a change that is not a move (a comment, an attachment) for live status.
pub async fn touch(conn: &mut Conn, id: &str, now: OffsetDateTime) -> Result<(), StoreError> {
    sqlx::query("UPDATE applications SET updated_at = $2, version = version + 1 WHERE id = $1")
        .bind(id)
        .bind(ts::format(now))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The latest applications of a person or an organisation other than `except` (for
/// prefill).
pub async fn latest_of(
    conn: &mut Conn,
    owner: Owner<'_>,
    except: &str,
) -> Result<Vec<ApplicationRow>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM applications WHERE {} AND id <> $2 ORDER BY created_at DESC LIMIT 5",
        owner.clause()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(owner.id())
        .bind(except)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(row).collect()
}

/// Up to `limit` applications after the id `after` whose answers are not sealed under
/// the key `current` (for `kabinet keys rotate`): `(id, sealed)`.
pub async fn stale_sealed(
    conn: &mut Conn,
    current: &str,
    after: &str,
    limit: i64,
) -> Result<Vec<(String, String)>, StoreError> {
    crate::stale_sealed(conn, "applications", "fields_sealed", current, after, limit).await
}

/// Replaces an application's sealed answers (key rotation; the version does not move).
pub async fn set_sealed(conn: &mut Conn, id: &str, sealed: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE applications SET fields_sealed = $2 WHERE id = $1")
        .bind(id)
        .bind(sealed)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Every application of an account, oldest first (for «Скачать мои данные»).
pub async fn all_of(conn: &mut Conn, account_id: &str) -> Result<Vec<ApplicationRow>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM applications WHERE account_id = $1 AND organization_id IS NULL ORDER BY created_at, id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account_id)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(row).collect()
}

/// Up to `limit` application ids after `after`, in order (for walks over all of them).
pub async fn ids_after(
    conn: &mut Conn,
    after: &str,
    limit: i64,
) -> Result<Vec<String>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT id FROM applications WHERE id > $1 ORDER BY id LIMIT $2")
            .bind(after)
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?,
    )
}
