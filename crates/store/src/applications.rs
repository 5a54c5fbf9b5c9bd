//! Applications as stored: the row (answers sealed by the application), the status
//! history, comments and attached files. SQL only: the rules live in
//! `kabinet_app::applications` and `kabinet_domain::application`.

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

/// Filters of «Мои заявления».
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Only this status.
    pub status: Option<String>,
    /// Only drafts (`true`) or only filed ones (`false`).
    pub drafts: Option<bool>,
    /// Only this service.
    pub service_id: Option<String>,
    /// Created on or after (`YYYY-MM-DD`).
    pub from: Option<String>,
    /// Created on or before (`YYYY-MM-DD`).
    pub to: Option<String>,
    /// This number exactly.
    pub number: Option<String>,
}

/// A person's or an organisation's applications, newest first: `limit` rows after
/// skipping `offset`, and the total that match.
pub async fn list(
    conn: &mut Conn,
    owner: Owner<'_>,
    f: &Filter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<ApplicationRow>, i64), StoreError> {
    let mut clauses = vec![owner.clause().to_owned()];
    match f.drafts {
        Some(true) => clauses.push("status = 'draft'".into()),
        Some(false) => clauses.push("status <> 'draft'".into()),
        None => {}
    }
    let mut binds: Vec<String> = vec![owner.id()];
    let mut add = |clause: &str, value: &str| {
        binds.push(value.to_owned());
        clauses.push(clause.replace('?', &format!("${}", binds.len())));
    };
    if let Some(s) = &f.status {
        add("status = ?", s);
    }
    if let Some(s) = &f.service_id {
        add("service_id = ?", s);
    }
    if let Some(d) = &f.from {
        add("created_at >= ?", d);
    }
    if let Some(d) = &f.to {
        add("created_at < ?", &format!("{d}T99"));
    }
    if let Some(n) = &f.number {
        add("number = ?", n);
    }
    let filter = clauses.join(" AND ");
    let count_sql = format!("SELECT COUNT(*) FROM applications WHERE {filter}");
    let mut count = sqlx::query(sqlx::AssertSqlSafe(count_sql));
    for b in &binds {
        count = count.bind(b);
    }
    let total: i64 = count.fetch_one(&mut *conn).await?.try_get(0)?;
    let sql = format!(
        "SELECT {COLUMNS} FROM applications WHERE {filter} ORDER BY created_at DESC, id DESC LIMIT ${} OFFSET ${}",
        binds.len() + 1,
        binds.len() + 2
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for b in &binds {
        q = q.bind(b);
    }
    let rows = q.bind(limit).bind(offset).fetch_all(&mut *conn).await?;
    Ok((rows.iter().map(row).collect::<Result<_, _>>()?, total))
}

/// Whose work queue items to show.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Assigned {
    /// Everyone's and nobody's.
    #[default]
    Any,
    /// Nobody has taken them.
    Nobody,
    /// Taken by this staff account (id).
    To(String),
}

/// The staff work queue's filter (BO-2): filed applications only.
#[derive(Clone, Debug, Default)]
pub struct QueueFilter {
    /// Only this status.
    pub status: Option<String>,
    /// Only this service.
    pub service_id: Option<String>,
    /// Only those due before this date (`YYYY-MM-DD`): overdue when it is today.
    pub due_before: Option<String>,
    /// Whose.
    pub assigned: Assigned,
    /// Only these statuses when no single status is asked for.
    pub open_only: bool,
}

/// Statuses in which an application still waits for staff or the applicant.
pub const OPEN_STATUSES: &str = "'submitted', 'in_progress', 'needs_clarification', 'approved'";

/// The work queue: filed applications, the earliest due first; `limit` rows after
/// `offset`, and the total that match.
pub async fn queue(
    conn: &mut Conn,
    f: &QueueFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<ApplicationRow>, i64), StoreError> {
    let mut clauses = vec!["status <> 'draft'".to_owned()];
    if f.status.is_none() && f.open_only {
        clauses.push(format!("status IN ({OPEN_STATUSES})"));
    }
    if f.assigned == Assigned::Nobody {
        clauses.push("assignee IS NULL".into());
    }
    let mut binds: Vec<String> = Vec::new();
    let mut add = |clause: &str, value: &str| {
        binds.push(value.to_owned());
        clauses.push(clause.replace('?', &format!("${}", binds.len())));
    };
    if let Some(s) = &f.status {
        add("status = ?", s);
    }
    if let Some(s) = &f.service_id {
        add("service_id = ?", s);
    }
    if let Some(d) = &f.due_before {
        add("due_on < ?", d);
    }
    if let Assigned::To(id) = &f.assigned {
        add("assignee = ?", id);
    }
    let filter = clauses.join(" AND ");
    let mut count = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM applications WHERE {filter}"
    )));
    for b in &binds {
        count = count.bind(b);
    }
    let total: i64 = count.fetch_one(&mut *conn).await?.try_get(0)?;
    let sql = format!(
        "SELECT {COLUMNS} FROM applications WHERE {filter} \
         ORDER BY CASE WHEN due_on IS NULL THEN 1 ELSE 0 END, due_on, submitted_at, id LIMIT ${} OFFSET ${}",
        binds.len() + 1,
        binds.len() + 2
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for b in &binds {
        q = q.bind(b);
    }
    let rows = q.bind(limit).bind(offset).fetch_all(&mut *conn).await?;
    Ok((rows.iter().map(row).collect::<Result<_, _>>()?, total))
}

/// Gives an application to `to`. With `only_if_free` it succeeds only when nobody has
/// it (or `to` already has it): of two staff taking it at once exactly one wins. Only
/// applications still open can be assigned. False when nothing changed.
pub async fn assign(
    conn: &mut Conn,
    id: &str,
    to: &str,
    only_if_free: bool,
    now: OffsetDateTime,
) -> Result<bool, StoreError> {
    let guard = if only_if_free {
        " AND assignee IS NULL"
    } else {
        ""
    };
    let sql = format!(
        "UPDATE applications SET assignee = $2, updated_at = $3, version = version + 1 \
         WHERE id = $1 AND status IN ({OPEN_STATUSES}){guard}"
    );
    let done = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(to)
        .bind(ts::format(now))
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Sets (or clears) the date an answer to a clarification request is due; a new
/// request starts its reminders afresh.
pub async fn set_clarification_due(
    conn: &mut Conn,
    id: &str,
    due_on: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE applications SET clarification_due_on = $2, clarification_reminded = '' WHERE id = $1",
    )
    .bind(id)
    .bind(due_on)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A claimed reminder: `(id, number, account_id, due_on, organization_id)`.
pub type Reminder = (String, String, String, String, Option<String>);

/// Applications waiting for a clarification whose reminder `kind` (`soon`: due on or
/// before `until`; `overdue`: due before `until`) was not sent yet, at most `limit`;
/// each is marked in the caller's transaction so that only one process sends it.
pub async fn claim_clarification_reminders(
    conn: &mut Conn,
    kind: &str,
    until: &str,
    limit: i64,
) -> Result<Vec<Reminder>, StoreError> {
    let cmp = if kind == "overdue" { "<" } else { "<=" };
    let sql = format!(
        "SELECT id, number, account_id, clarification_due_on, organization_id FROM applications \
         WHERE status = 'needs_clarification' AND clarification_due_on {cmp} $1 \
           AND clarification_reminded NOT LIKE $2 ORDER BY clarification_due_on LIMIT $3"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(until)
        .bind(format!("%{kind}%"))
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    let mut claimed = Vec::new();
    for r in &rows {
        let (id, number, account, due, org): (
            String,
            Option<String>,
            String,
            String,
            Option<String>,
        ) = (
            r.try_get(0)?,
            r.try_get(1)?,
            r.try_get(2)?,
            r.try_get(3)?,
            r.try_get(4)?,
        );
        let done = sqlx::query(
            "UPDATE applications SET clarification_reminded = clarification_reminded || $2 \
             WHERE id = $1 AND clarification_reminded NOT LIKE $3",
        )
        .bind(&id)
        .bind(format!("{kind},"))
        .bind(format!("%{kind}%"))
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() == 1 {
            claimed.push((id, number.unwrap_or_default(), account, due, org));
        }
    }
    Ok(claimed)
}

/// Open applications past their due date that supervisors have not been told about
/// for this due date, at most `limit`; each is marked in the caller's transaction, so
/// of several processes only one claims it. `(id, number, due_on)`.
pub async fn claim_overdue(
    conn: &mut Conn,
    today: &str,
    limit: i64,
) -> Result<Vec<(String, String, String)>, StoreError> {
    let sql = format!(
        "SELECT id, number, due_on FROM applications \
         WHERE status IN ({OPEN_STATUSES}) AND due_on < $1 \
           AND (overdue_notified_on IS NULL OR overdue_notified_on <> due_on) \
         ORDER BY due_on LIMIT $2"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(today)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    let mut claimed = Vec::new();
    for r in &rows {
        let (id, number, due): (String, Option<String>, String) =
            (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
        let done = sqlx::query(
            "UPDATE applications SET overdue_notified_on = due_on WHERE id = $1 \
             AND (overdue_notified_on IS NULL OR overdue_notified_on <> due_on)",
        )
        .bind(&id)
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() == 1 {
            claimed.push((id, number.unwrap_or_default(), due));
        }
    }
    Ok(claimed)
}

/// Counts for the supervisor's overview: `(status, service_id, assignee, count,
/// overdue)` where overdue counts the open ones due before `today`.
pub async fn workload(
    conn: &mut Conn,
    today: &str,
) -> Result<Vec<(String, String, Option<String>, i64, i64)>, StoreError> {
    let sql = format!(
        "SELECT status, service_id, assignee, COUNT(*), \
                SUM(CASE WHEN due_on < $1 AND status IN ({OPEN_STATUSES}) THEN 1 ELSE 0 END) \
         FROM applications WHERE status <> 'draft' GROUP BY status, service_id, assignee"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(today)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get(0)?,
                r.try_get(1)?,
                r.try_get(2)?,
                r.try_get(3)?,
                r.try_get::<Option<i64>, _>(4)?.unwrap_or(0),
            ))
        })
        .collect()
}

/// Applications received (submitted) and completed per day since `since`
/// (`YYYY-MM-DD`): `(day, received, completed)`.
pub async fn per_day(conn: &mut Conn, since: &str) -> Result<Vec<(String, i64, i64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT d, SUM(r), SUM(c) FROM ( \
           SELECT SUBSTR(submitted_at, 1, 10) AS d, 1 AS r, 0 AS c FROM applications \
            WHERE submitted_at >= $1 \
           UNION ALL \
           SELECT SUBSTR(at, 1, 10), 0, 1 FROM application_events \
            WHERE to_status = 'completed' AND at >= $1 \
         ) x GROUP BY d ORDER BY d",
    )
    .bind(since)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect()
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

/// Links a stored file to an application.
pub async fn add_file(
    conn: &mut Conn,
    application_id: &str,
    file_id: &str,
    kind: &str,
    by_staff: bool,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO application_files (file_id, application_id, kind, by_staff, at) VALUES ($1, $2, $3, $4, $5)")
        .bind(file_id)
        .bind(application_id)
        .bind(kind)
        .bind(i64::from(by_staff))
        .bind(ts::format(now))
        .execute(&mut *conn)
        .await?;
    let file = crate::requests::get_file(conn, file_id)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("files/{file_id}: no record")))?;
    let line = Line::File {
        file_id: file.id,
        kind: kind.to_owned(),
        by_staff: i64::from(by_staff),
        at: ts::format(now),
        account_id: file.account_id,
        purpose: file.purpose,
        file_name: file.file_name,
        content_type: file.content_type,
        size: file.size,
        sha256: file.sha256,
        created_at: ts::format(file.created_at),
        data_key: file.data_key,
    };
    append(conn, application_id, &line).await
}

/// An application's files: `(file id, kind, by staff)`, oldest first.
pub async fn files(
    conn: &mut Conn,
    application_id: &str,
) -> Result<Vec<(String, String, bool)>, StoreError> {
    let rows = sqlx::query("SELECT file_id, kind, by_staff FROM application_files WHERE application_id = $1 ORDER BY at, file_id")
        .bind(application_id)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get::<i64, _>(2)? != 0)))
        .collect()
}

/// Locks an application's row for the rest of the transaction (PostgreSQL; SQLite's
/// write transaction is serial already) and answers how many files its applicant has
/// attached and their total bytes (result documents by staff excepted), so that two
/// parallel uploads cannot both pass a limit checked against them.
pub async fn lock_attachments(
    conn: &mut Conn,
    application_id: &str,
) -> Result<(i64, i64), StoreError> {
    if conn.backend_name() == "PostgreSQL" {
        sqlx::query("SELECT id FROM applications WHERE id = $1 FOR UPDATE")
            .bind(application_id)
            .fetch_optional(&mut *conn)
            .await?;
    }
    let r = sqlx::query(
        "SELECT COUNT(*), CAST(COALESCE(SUM(f.size), 0) AS BIGINT) FROM application_files a \
         JOIN files f ON f.id = a.file_id WHERE a.application_id = $1 AND a.by_staff = 0",
    )
    .bind(application_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok((r.try_get(0)?, r.try_get(1)?))
}

/// The application a file belongs to, if any.
pub async fn application_of_file(
    conn: &mut Conn,
    file_id: &str,
) -> Result<Option<String>, StoreError> {
    let r = sqlx::query("SELECT application_id FROM application_files WHERE file_id = $1")
        .bind(file_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(r.map(|r| r.try_get(0)).transpose()?)
}

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
/// step by [`add_event`], [`add_comment`], [`add_file`] and
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
enum Line {
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
fn event_line(id: &str, e: &Event) -> Line {
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
async fn append(conn: &mut Conn, application_id: &str, line: &Line) -> Result<(), StoreError> {
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

/// One application's applicant view in its row compared with the tables (ADR 0008):
/// true when they say the same. With `repair`, a differing (or unreadable) one is
/// rewritten from the tables, the row locked meanwhile (PostgreSQL; SQLite's writers
/// take turns), so a move or comment committed at the same time is not lost.
pub async fn check_parts(conn: &mut Conn, id: &str, repair: bool) -> Result<bool, StoreError> {
    let sql = if conn.backend_name() == "PostgreSQL" && repair {
        "SELECT parts FROM applications WHERE id = $1 FOR UPDATE"
    } else {
        "SELECT parts FROM applications WHERE id = $1"
    };
    let Some(kept): Option<String> = sqlx::query_scalar(sql)
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
