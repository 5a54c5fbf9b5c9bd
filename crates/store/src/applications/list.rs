//! «Мои заявления»: a person's or an organisation's applications, filtered and paged.

use sqlx::Row;

use super::{ApplicationRow, COLUMNS, Owner, row};
use crate::{Conn, StoreError};

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
