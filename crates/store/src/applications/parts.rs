//! The parts shown with an application (history, comments, files): read from the
//! tables for staff, and kept in `applications.parts` for the applicant's hot read
//! (ADR 0008), with the check that both say the same.

use sqlx::Row;

use super::{ApplicationRow, COLUMNS, Comment, Event, Owner, row};
use crate::{Conn, StoreError, ts};

/// The change counter of some applications (live status): `(id, version, status)`.
pub async fn versions(
    conn: &mut Conn,
    owner: Owner<'_>,
) -> Result<Vec<(String, i64, String)>, StoreError> {
    let sql = format!(
        "SELECT id, version, status FROM applications WHERE {} AND status <> 'draft'",
        owner.clause()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(owner.id())
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect()
}

/// The parts of an application shown with it: «История статуса», comments, files.
pub type Parts = (
    Vec<Event>,
    Vec<Comment>,
    Vec<(crate::requests::FileRecord, String, bool)>,
);

/// Everything shown with an application but its row — history, comments (internal
/// notes only when `with_internal`) and files with their records — in one round trip
/// from the tables that are the record. Staff's view; the applicant's is
/// [`get_with_parts`].
pub async fn parts(
    conn: &mut Conn,
    application_id: &str,
    with_internal: bool,
) -> Result<Parts, StoreError> {
    into_parts(table_lines(conn, application_id, with_internal).await?)
}

/// The parts of an application as lines, read from the tables (`UNION ALL` of text
/// columns, portable to both backends).
async fn table_lines(
    conn: &mut Conn,
    application_id: &str,
    with_internal: bool,
) -> Result<Vec<Line>, StoreError> {
    // Every branch has 14 text columns: the tag, then what the kind needs.
    const SQL: &str = "SELECT 'e', id, from_status, to_status, actor, actor_kind, reason, at, \
                NULL, NULL, NULL, NULL, NULL, NULL \
           FROM application_events WHERE application_id = $1 \
         UNION ALL \
         SELECT 'c', id, author, author_kind, CAST(internal AS TEXT), text, at, \
                NULL, NULL, NULL, NULL, NULL, NULL, NULL \
           FROM application_comments WHERE application_id = $1 AND (internal = 0 OR $2 = 1) \
         UNION ALL \
         SELECT 'f', af.at || af.file_id, af.file_id, af.kind, CAST(af.by_staff AS TEXT), f.account_id, \
                f.purpose, f.file_name, f.content_type, CAST(f.size AS TEXT), f.sha256, f.created_at, \
                f.data_key, af.at \
           FROM application_files af JOIN files f ON f.id = af.file_id WHERE af.application_id = $1 \
         ORDER BY 1, 2";
    let rows = sqlx::query(SQL)
        .bind(application_id)
        .bind(i64::from(with_internal))
        .fetch_all(&mut *conn)
        .await?;
    let text = |r: &sqlx::any::AnyRow, i: usize| -> Result<Option<String>, StoreError> {
        Ok(r.try_get::<Option<String>, _>(i)?)
    };
    let need = |r: &sqlx::any::AnyRow, i: usize| -> Result<String, StoreError> {
        text(r, i)?.ok_or_else(|| StoreError::Corrupt("application parts: a missing column".into()))
    };
    let number = |r: &sqlx::any::AnyRow, i: usize| -> Result<i64, StoreError> {
        need(r, i)?
            .parse()
            .map_err(|_| StoreError::Corrupt("application parts: a number column".into()))
    };
    let mut lines = Vec::with_capacity(rows.len());
    for r in &rows {
        let tag: String = r.try_get(0)?;
        lines.push(match tag.as_str() {
            "e" => Line::Event {
                id: need(r, 1)?,
                from: text(r, 2)?,
                to: need(r, 3)?,
                actor: need(r, 4)?,
                actor_kind: need(r, 5)?,
                reason: text(r, 6)?,
                at: need(r, 7)?,
            },
            "c" => Line::Comment {
                id: need(r, 1)?,
                author: need(r, 2)?,
                author_kind: need(r, 3)?,
                internal: number(r, 4)? != 0,
                text: need(r, 5)?,
                at: need(r, 6)?,
            },
            _ => Line::File {
                file_id: need(r, 2)?,
                kind: need(r, 3)?,
                by_staff: number(r, 4)?,
                at: need(r, 13)?,
                account_id: need(r, 5)?,
                purpose: need(r, 6)?,
                file_name: need(r, 7)?,
                content_type: need(r, 8)?,
                size: number(r, 9)?,
                sha256: need(r, 10)?,
                created_at: need(r, 11)?,
                data_key: text(r, 12)?,
            },
        });
    }
    Ok(lines)
}

/// An application's row with the applicant's view of its parts — «История статуса»,
/// public comments and files — read from the row itself (`applications.parts`, kept in
/// step by [`super::add_event`], [`super::add_comment`], [`super::add_file`] and
/// [`crate::requests::set_data_key`]; ADR 0008): one row by its key, the hottest read.
/// `None` when there is no such application.
pub async fn get_with_parts(
    conn: &mut Conn,
    id: &str,
) -> Result<Option<(ApplicationRow, Parts)>, StoreError> {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let sql =
        SQL.get_or_init(|| format!("SELECT {COLUMNS}, parts FROM applications WHERE id = $1"));
    let Some(r) = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let application = row(&r)?;
    let parts = parse_parts(&r.try_get::<String, _>(16)?)?;
    Ok(Some((application, parts)))
}

/// One line of `applications.parts`: a JSON object tagged `t` (`e` event, `c` public
/// comment, `f` file with its record). The migration that made the column writes the
/// same shape from SQL.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "t")]
pub(super) enum Line {
    #[serde(rename = "e")]
    Event {
        id: String,
        from: Option<String>,
        to: String,
        actor: String,
        actor_kind: String,
        reason: Option<String>,
        at: String,
    },
    #[serde(rename = "c")]
    Comment {
        id: String,
        author: String,
        author_kind: String,
        /// Staff's notes (never in the applicant's view; staff's reads of the tables).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        internal: bool,
        text: String,
        at: String,
    },
    #[serde(rename = "f")]
    File {
        file_id: String,
        kind: String,
        by_staff: i64,
        at: String,
        account_id: String,
        purpose: String,
        file_name: String,
        content_type: String,
        size: i64,
        sha256: String,
        created_at: String,
        data_key: Option<String>,
    },
    /// A kind of line a newer version writes: skipped, so a process not yet upgraded
    /// still shows the rest.
    #[serde(other)]
    Unknown,
}

/// The parts line of a status event with the id `id` (also for bulk seeding).
pub(super) fn event_line(id: &str, e: &Event) -> Line {
    Line::Event {
        id: id.to_owned(),
        from: e.from_status.clone(),
        to: e.to_status.clone(),
        actor: e.actor.clone(),
        actor_kind: e.actor_kind.clone(),
        reason: e.reason.clone(),
        at: ts::format(e.at),
    }
}

/// The text a status event adds to `applications.parts` (for bulk seeding).
pub fn event_parts_text(id: &str, e: &Event) -> Result<String, StoreError> {
    line_text(&event_line(id, e))
}

fn line_text(line: &Line) -> Result<String, StoreError> {
    let mut text = serde_json::to_string(line)
        .map_err(|e| StoreError::Corrupt(format!("application parts: {e}")))?;
    text.push('\n');
    Ok(text)
}

/// Adds a line to an application's parts (in the caller's transaction).
pub(super) async fn append(
    conn: &mut Conn,
    application_id: &str,
    line: &Line,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE applications SET parts = parts || $2 WHERE id = $1")
        .bind(application_id)
        .bind(line_text(line)?)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Reads `applications.parts`.
fn parse_lines(text: &str) -> Result<Vec<Line>, StoreError> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|line| {
            serde_json::from_str(line)
                .map_err(|e| StoreError::Corrupt(format!("application parts: {e}")))
        })
        .collect()
}

fn parse_parts(text: &str) -> Result<Parts, StoreError> {
    into_parts(parse_lines(text)?)
}

/// Lines as parts, in the tables' order: events and comments by id (UUIDv7, so by
/// time), files by when they were attached.
fn into_parts(lines: Vec<Line>) -> Result<Parts, StoreError> {
    let mut events = Vec::new();
    let mut comments = Vec::new();
    let mut files = Vec::new();
    for line in lines {
        match line {
            Line::Event {
                id,
                from,
                to,
                actor,
                actor_kind,
                reason,
                at,
            } => events.push((
                id,
                Event {
                    from_status: from,
                    to_status: to,
                    actor,
                    actor_kind,
                    reason,
                    at: ts::parse(&at)?,
                },
            )),
            Line::Comment {
                id,
                author,
                author_kind,
                internal,
                text,
                at,
            } => comments.push((
                id,
                Comment {
                    author,
                    author_kind,
                    internal,
                    text,
                    at: ts::parse(&at)?,
                },
            )),
            Line::File {
                file_id,
                kind,
                by_staff,
                at,
                account_id,
                purpose,
                file_name,
                content_type,
                size,
                sha256,
                created_at,
                data_key,
            } => files.push((
                format!("{at}{file_id}"),
                (
                    crate::requests::FileRecord {
                        id: file_id,
                        account_id,
                        purpose,
                        file_name,
                        content_type,
                        size,
                        sha256,
                        created_at: ts::parse(&created_at)?,
                        data_key,
                    },
                    kind,
                    by_staff != 0,
                ),
            )),
            Line::Unknown => {}
        }
    }
    fn ordered<T>(mut v: Vec<(String, T)>) -> Vec<T> {
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v.into_iter().map(|(_, t)| t).collect()
    }
    Ok((ordered(events), ordered(comments), ordered(files)))
}

/// Puts a file's re-sealed key into the parts of the application it is attached to
/// (key rotation; the sealed keys are unique, so the old one names its place).
pub(crate) async fn replace_data_key(
    conn: &mut Conn,
    file_id: &str,
    old: &str,
    new: &str,
) -> Result<(), StoreError> {
    let quoted = |s: &str| {
        serde_json::to_string(s).map_err(|e| StoreError::Corrupt(format!("data key: {e}")))
    };
    sqlx::query(
        "UPDATE applications SET parts = REPLACE(parts, $2, $3) \
         WHERE id IN (SELECT application_id FROM application_files WHERE file_id = $1)",
    )
    .bind(file_id)
    .bind(quoted(old)?)
    .bind(quoted(new)?)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One application's applicant view in its row compared with the tables (ADR 0008):
/// true when they say the same. With `repair`, a differing (or unreadable) one is
/// rewritten from the tables, the row locked meanwhile (PostgreSQL; SQLite's writers
/// take turns), so a move or comment committed at the same time is not lost.
pub async fn check_parts(conn: &mut Conn, id: &str, repair: bool) -> Result<bool, StoreError> {
    let lock = if repair {
        crate::Dialect::of(conn).for_update()
    } else {
        ""
    };
    let sql = format!("SELECT parts FROM applications WHERE id = $1{lock}");
    let Some(kept): Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(true);
    };
    let record = table_lines(conn, id, false).await?;
    let same = match parse_parts(&kept) {
        Ok(parts) => parts == into_parts(record.clone())?,
        Err(_) => false,
    };
    if !same && repair {
        let text = record
            .iter()
            .map(line_text)
            .collect::<Result<String, StoreError>>()?;
        sqlx::query("UPDATE applications SET parts = $2 WHERE id = $1")
            .bind(id)
            .bind(text)
            .execute(&mut *conn)
            .await?;
    }
    Ok(same)
}
