//! Support tickets as stored (BO-5): the ticket and its conversation. SQL only: the
//! rules live in `kabinet_app::support`.

use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use crate::{Conn, StoreError, ts};

/// A ticket row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ticket {
    /// UUIDv7.
    pub id: String,
    /// `ОБР-YY-NNNNNN`.
    pub number: String,
    /// The signed-in author; `None` for a visitor (or a closed account).
    pub account_id: Option<String>,
    /// A visitor's contact, sealed.
    pub contact_sealed: Option<String>,
    /// Subject.
    pub subject: String,
    /// The page «Обратная связь» was opened on.
    pub page: Option<String>,
    /// `new`, `answered`, `waiting` or `closed`.
    pub status: String,
    /// Escalated to a supervisor.
    pub escalated: bool,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Last change.
    pub updated_at: OffsetDateTime,
}

const COLUMNS: &str = "id, number, account_id, contact_sealed, subject, page, status, escalated, created_at, updated_at";

fn ticket(r: &AnyRow) -> Result<Ticket, StoreError> {
    Ok(Ticket {
        id: r.try_get(0)?,
        number: r.try_get(1)?,
        account_id: r.try_get(2)?,
        contact_sealed: r.try_get(3)?,
        subject: r.try_get(4)?,
        page: r.try_get(5)?,
        status: r.try_get(6)?,
        escalated: r.try_get::<i64, _>(7)? != 0,
        created_at: ts::parse(&r.try_get::<String, _>(8)?)?,
        updated_at: ts::parse(&r.try_get::<String, _>(9)?)?,
    })
}

/// A message of the conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// UUIDv7.
    pub id: String,
    /// `account:<id>` or `visitor`.
    pub author: String,
    /// `user`, `staff` or `visitor`.
    pub author_kind: String,
    /// Text.
    pub text: String,
    /// An attached file.
    pub file_id: Option<String>,
    /// When.
    pub at: OffsetDateTime,
}

/// The next number of a year (1, 2, …), safe with concurrent writers.
pub async fn next_number(conn: &mut Conn, year: i32) -> Result<i64, StoreError> {
    sqlx::query(
        "INSERT INTO ticket_counters (year, last) VALUES ($1, 1) \
         ON CONFLICT (year) DO UPDATE SET last = ticket_counters.last + 1",
    )
    .bind(year)
    .execute(&mut *conn)
    .await?;
    Ok(
        sqlx::query("SELECT last FROM ticket_counters WHERE year = $1")
            .bind(year)
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?,
    )
}

/// Stores a new ticket.
pub async fn insert(conn: &mut Conn, t: &Ticket) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO tickets (id, number, account_id, contact_sealed, subject, page, status, \
         escalated, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&t.id)
    .bind(&t.number)
    .bind(&t.account_id)
    .bind(&t.contact_sealed)
    .bind(&t.subject)
    .bind(&t.page)
    .bind(&t.status)
    .bind(i64::from(t.escalated))
    .bind(ts::format(t.created_at))
    .bind(ts::format(t.updated_at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A ticket by id.
pub async fn get(conn: &mut Conn, id: &str) -> Result<Option<Ticket>, StoreError> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM tickets WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    r.as_ref().map(ticket).transpose()
}

/// An account's tickets, the latest change first.
pub async fn of_account(conn: &mut Conn, account_id: &str) -> Result<Vec<Ticket>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM tickets WHERE account_id = $1 ORDER BY updated_at DESC, id DESC LIMIT 500"
    )))
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(ticket).collect()
}

/// The staff queue: by status (or every open one) and escalation, oldest change first.
pub async fn queue(
    conn: &mut Conn,
    status: Option<&str>,
    escalated_only: bool,
    limit: i64,
) -> Result<Vec<Ticket>, StoreError> {
    let mut sql = format!("SELECT {COLUMNS} FROM tickets WHERE ");
    sql.push_str(if status.is_some() {
        "status = $2"
    } else {
        "status <> 'closed'"
    });
    if escalated_only {
        sql.push_str(" AND escalated = 1");
    }
    sql.push_str(" ORDER BY updated_at, id LIMIT $1");
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(limit);
    if let Some(s) = status {
        q = q.bind(s);
    }
    let rows = q.fetch_all(&mut *conn).await?;
    rows.iter().map(ticket).collect()
}

/// Sets the status (and optionally the escalation) of a ticket; false when it was
/// not in `from` any more.
pub async fn set_status(
    conn: &mut Conn,
    id: &str,
    from: &str,
    to: &str,
    escalated: Option<bool>,
    now: OffsetDateTime,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE tickets SET status = $3, escalated = COALESCE($4, escalated), updated_at = $5 \
         WHERE id = $1 AND status = $2",
    )
    .bind(id)
    .bind(from)
    .bind(to)
    .bind(escalated.map(i64::from))
    .bind(ts::format(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Adds a message.
pub async fn add_message(conn: &mut Conn, ticket_id: &str, m: &Message) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO ticket_messages (id, ticket_id, author, author_kind, text, file_id, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&m.id)
    .bind(ticket_id)
    .bind(&m.author)
    .bind(&m.author_kind)
    .bind(&m.text)
    .bind(&m.file_id)
    .bind(ts::format(m.at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The conversation, oldest first.
pub async fn messages(conn: &mut Conn, ticket_id: &str) -> Result<Vec<Message>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, author, author_kind, text, file_id, at FROM ticket_messages \
         WHERE ticket_id = $1 ORDER BY id",
    )
    .bind(ticket_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Message {
                id: r.try_get(0)?,
                author: r.try_get(1)?,
                author_kind: r.try_get(2)?,
                text: r.try_get(3)?,
                file_id: r.try_get(4)?,
                at: ts::parse(&r.try_get::<String, _>(5)?)?,
            })
        })
        .collect()
}

/// The ticket a file was attached to.
pub async fn ticket_of_file(conn: &mut Conn, file_id: &str) -> Result<Option<String>, StoreError> {
    Ok(
        sqlx::query("SELECT ticket_id FROM ticket_messages WHERE file_id = $1")
            .bind(file_id)
            .fetch_optional(&mut *conn)
            .await?
            .map(|r| r.try_get(0))
            .transpose()?,
    )
}
