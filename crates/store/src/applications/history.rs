//! «История статуса» (moves) and comments; each also goes into the row's parts.

use sqlx::Row;
use time::OffsetDateTime;

use super::parts::{Line, append, event_line};
use crate::{Conn, StoreError, ts};

/// A move in «История статуса».
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// From (none for the creation).
    pub from_status: Option<String>,
    /// To.
    pub to_status: String,
    /// `account:<id>` or `system`.
    pub actor: String,
    /// `applicant`, `staff`, `system`.
    pub actor_kind: String,
    /// Why.
    pub reason: Option<String>,
    /// When.
    pub at: OffsetDateTime,
}

/// Records a move.
pub async fn add_event(conn: &mut Conn, application_id: &str, e: &Event) -> Result<(), StoreError> {
    let id = uuid::Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO application_events (id, application_id, from_status, to_status, actor, actor_kind, reason, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&id)
    .bind(application_id)
    .bind(&e.from_status)
    .bind(&e.to_status)
    .bind(&e.actor)
    .bind(&e.actor_kind)
    .bind(&e.reason)
    .bind(ts::format(e.at))
    .execute(&mut *conn)
    .await?;
    append(conn, application_id, &event_line(&id, e)).await
}

/// «История статуса», oldest first.
pub async fn events(conn: &mut Conn, application_id: &str) -> Result<Vec<Event>, StoreError> {
    let rows = sqlx::query(
        "SELECT from_status, to_status, actor, actor_kind, reason, at FROM application_events \
         WHERE application_id = $1 ORDER BY id",
    )
    .bind(application_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Event {
                from_status: r.try_get(0)?,
                to_status: r.try_get(1)?,
                actor: r.try_get(2)?,
                actor_kind: r.try_get(3)?,
                reason: r.try_get(4)?,
                at: ts::parse(&r.try_get::<String, _>(5)?)?,
            })
        })
        .collect()
}

/// A comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// `account:<id>`.
    pub author: String,
    /// `applicant` or `staff`.
    pub author_kind: String,
    /// Staff-only note.
    pub internal: bool,
    /// Text.
    pub text: String,
    /// When.
    pub at: OffsetDateTime,
}

/// Adds a comment.
pub async fn add_comment(
    conn: &mut Conn,
    application_id: &str,
    c: &Comment,
) -> Result<(), StoreError> {
    let id = uuid::Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO application_comments (id, application_id, author, author_kind, internal, text, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(application_id)
    .bind(&c.author)
    .bind(&c.author_kind)
    .bind(i64::from(c.internal))
    .bind(&c.text)
    .bind(ts::format(c.at))
    .execute(&mut *conn)
    .await?;
    if c.internal {
        // Staff's notes are never part of the applicant's view.
        return Ok(());
    }
    let line = Line::Comment {
        id,
        author: c.author.clone(),
        author_kind: c.author_kind.clone(),
        internal: false,
        text: c.text.clone(),
        at: ts::format(c.at),
    };
    append(conn, application_id, &line).await
}

/// Comments, oldest first; internal notes only when `with_internal`.
pub async fn comments(
    conn: &mut Conn,
    application_id: &str,
    with_internal: bool,
) -> Result<Vec<Comment>, StoreError> {
    let rows = sqlx::query(
        "SELECT author, author_kind, internal, text, at FROM application_comments \
         WHERE application_id = $1 AND (internal = 0 OR $2 = 1) ORDER BY id",
    )
    .bind(application_id)
    .bind(i64::from(with_internal))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Comment {
                author: r.try_get(0)?,
                author_kind: r.try_get(1)?,
                internal: r.try_get::<i64, _>(2)? != 0,
                text: r.try_get(3)?,
                at: ts::parse(&r.try_get::<String, _>(4)?)?,
            })
        })
        .collect()
}
