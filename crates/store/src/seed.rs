//! Bulk inserts for benchmark data (`kabinet bench seed`): many rows per statement,
//! one transaction per batch. Not used by the product's use cases.

use kabinet_domain::account::{AccountLevel, AccountStatus};
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, Row};

use crate::{Conn, StoreError};

fn placeholders(rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| {
            let cells: Vec<String> = (1..=cols).map(|c| format!("${}", r * cols + c)).collect();
            format!("({})", cells.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A value to insert: text (or NULL) or a whole number (PostgreSQL types its
/// parameters, so numbers must be bound as numbers).
#[derive(Clone, Debug)]
pub enum Cell {
    /// Text or NULL.
    T(Option<String>),
    /// A whole number.
    I(i64),
}

async fn insert(
    conn: &mut Conn,
    head: &str,
    cols: usize,
    rows: &[Vec<Cell>],
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let sql = format!("{head} VALUES {}", placeholders(rows.len(), cols));
    let mut q: Query<'_, Any, AnyArguments> = sqlx::query(sqlx::AssertSqlSafe(sql));
    for row in rows {
        for cell in row {
            q = match cell {
                Cell::T(t) => q.bind(t.clone()),
                Cell::I(i) => q.bind(*i),
            };
        }
    }
    q.execute(&mut *conn).await?;
    Ok(())
}

/// Accounts: `(id, password hash, created_at)`; active persons at the simplified level.
pub async fn accounts(
    conn: &mut Conn,
    rows: &[(String, String, String)],
) -> Result<(), StoreError> {
    for chunk in rows.chunks(200) {
        let cells: Vec<Vec<Cell>> = chunk
            .iter()
            .map(|(id, hash, at)| {
                vec![
                    Cell::T(Some(id.clone())),
                    Cell::T(Some("person".into())),
                    Cell::T(Some(AccountStatus::Active.as_str().into())),
                    Cell::T(Some(AccountLevel::Simplified.as_str().into())),
                    Cell::T(Some(hash.clone())),
                    Cell::T(Some(at.clone())),
                    Cell::I(0),
                    Cell::T(Some(at.clone())),
                ]
            })
            .collect();
        insert(
            conn,
            "INSERT INTO accounts (id, kind, status, level, password_hash, password_changed_at, must_change_password, created_at)",
            8,
            &cells,
        )
        .await?;
    }
    Ok(())
}

/// Confirmed e-mail logins: `(login, account_id, e-mail, created_at)`.
pub async fn logins(
    conn: &mut Conn,
    rows: &[(String, String, String, String)],
) -> Result<(), StoreError> {
    for chunk in rows.chunks(300) {
        let cells: Vec<Vec<Cell>> = chunk
            .iter()
            .map(|(l, a, e, t)| {
                vec![
                    Cell::T(Some(l.clone())),
                    Cell::T(Some(a.clone())),
                    Cell::T(Some("email".into())),
                    Cell::T(Some(e.clone())),
                    Cell::I(1),
                    Cell::T(Some(t.clone())),
                ]
            })
            .collect();
        insert(
            conn,
            "INSERT INTO account_logins (login, account_id, kind, value, confirmed, created_at)",
            6,
            &cells,
        )
        .await?;
    }
    Ok(())
}

/// Applications, each a row of 13 cells in the column order of the statement (the
/// last: the parts text of its events, `applications::event_parts_text`).
pub async fn applications(conn: &mut Conn, rows: &[Vec<Cell>]) -> Result<(), StoreError> {
    for chunk in rows.chunks(200) {
        insert(
            conn,
            "INSERT INTO applications (id, number, account_id, service_id, service_version, status, fields_sealed, step, \
             created_at, updated_at, submitted_at, due_on, parts)",
            13,
            chunk,
        )
        .await?;
    }
    Ok(())
}

/// Status events: `(id, application_id, from, to, actor, actor_kind, at)`.
pub async fn events(conn: &mut Conn, rows: &[Vec<Cell>]) -> Result<(), StoreError> {
    for chunk in rows.chunks(300) {
        insert(conn, "INSERT INTO application_events (id, application_id, from_status, to_status, actor, actor_kind, at)", 7, chunk).await?;
    }
    Ok(())
}

/// Sessions: `(id, account_id, csrf, created, last_seen, expires)`.
pub async fn sessions(conn: &mut Conn, rows: &[Vec<Cell>]) -> Result<(), StoreError> {
    for chunk in rows.chunks(300) {
        insert(conn, "INSERT INTO sessions (id, account_id, csrf_token, created_at, last_seen_at, expires_at)", 6, chunk).await?;
    }
    Ok(())
}

/// How many applications there are.
pub async fn count_applications(conn: &mut Conn) -> Result<i64, StoreError> {
    Ok(sqlx::query("SELECT COUNT(*) FROM applications")
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?)
}

/// Sets a year's application counter (after seeding numbers of that year).
pub async fn set_counter(conn: &mut Conn, year: i32, last: i64) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO application_counters (year, last) VALUES ($1, $2) \
         ON CONFLICT (year) DO UPDATE SET last = $2",
    )
    .bind(i64::from(year))
    .bind(last)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
