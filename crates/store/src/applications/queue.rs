//! The staff side: the work queue, assignment, clarification and overdue reminders,
//! the supervisor's counts.

use sqlx::Row;
use time::OffsetDateTime;

use super::{ApplicationRow, COLUMNS, row};
use crate::{Conn, StoreError, ts};

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
