//! The supervisor's overview and raising overdue applications.

use crate::audit::audit_event;
use crate::auth::{SignedIn, notices};
use crate::{App, AppError, Ctx, catalog};
use kabinet_domain::access::{Action, Duty};
use kabinet_domain::account::AccountStatus;
use kabinet_store::accounts::{self};
use kabinet_store::applications::{self as store};
use serde_json::json;
use time::{Date, Duration};

use super::*;

/// Counts for the supervisor's overview (BO-3).
#[derive(Clone, Debug, Default)]
pub struct Overview {
    /// `(status, count)`.
    pub by_status: Vec<(String, i64)>,
    /// `(status, overdue)`: how many of each status are past their deadline, in the
    /// order of `by_status` (the same figures `by_service` sums up).
    pub status_overdue: Vec<(String, i64)>,
    /// `(service title, open, overdue)`.
    pub by_service: Vec<(String, i64, i64)>,
    /// `(staff e-mail or «не назначено», open, overdue)`.
    pub by_operator: Vec<(Option<String>, i64, i64)>,
    /// The last 30 days, oldest first: `(day, received, completed)`.
    pub per_day: Vec<(Date, i64, i64)>,
}

impl Overview {
    /// How many applications of `status` are overdue.
    pub fn overdue_of(&self, status: &str) -> i64 {
        self.status_overdue
            .iter()
            .find(|(s, _)| s == status)
            .map_or(0, |(_, n)| *n)
    }
}

pub(super) fn bump<K: PartialEq + Clone>(
    list: &mut Vec<(K, i64, i64)>,
    key: &K,
    n: i64,
    overdue: i64,
) {
    match list.iter_mut().find(|(k, _, _)| k == key) {
        Some(e) => {
            e.1 += n;
            e.2 += overdue;
        }
        None => list.push((key.clone(), n, overdue)),
    }
}

/// The supervisor's overview: counts by status, service and operator, and the
/// applications received and completed per day over the last 30 days.
pub async fn overview(app: &App, who: &SignedIn) -> Result<Overview, AppError> {
    who.authorize(Action::ViewOverview)?;
    let today = app.clock.now().date();
    let since = today - Duration::days(29);
    let mut conn = app.store.acquire().await?;
    let rows = store::workload(&mut conn, &today.to_string()).await?;
    let days = store::per_day(&mut conn, &since.to_string()).await?;
    let staff = staff_emails(&mut conn).await?;
    drop(conn);
    let titles = catalog::titles(app).await?;
    let mut out = Overview::default();
    for (status, service, assignee, n, overdue) in rows {
        match out.by_status.iter_mut().find(|(s, _)| *s == status) {
            Some(e) => e.1 += n,
            None => out.by_status.push((status.clone(), n)),
        }
        match out.status_overdue.iter_mut().find(|(s, _)| *s == status) {
            Some(e) => e.1 += overdue,
            None => out.status_overdue.push((status.clone(), overdue)),
        }
        let open = matches!(
            status.as_str(),
            "submitted" | "in_progress" | "needs_clarification" | "approved"
        );
        if !open {
            continue;
        }
        let title = titles
            .iter()
            .find(|(id, _)| *id == service)
            .map(|(_, t)| t.clone())
            .unwrap_or(service);
        bump(&mut out.by_service, &title, n, overdue);
        let email = assignee.and_then(|a| {
            staff
                .iter()
                .find(|(acc, _)| acc.id == a)
                .map(|(_, e)| e.clone())
        });
        bump(&mut out.by_operator, &email, n, overdue);
    }
    let order = [
        "submitted",
        "in_progress",
        "needs_clarification",
        "approved",
        "rejected",
        "completed",
        "withdrawn",
    ];
    out.by_status
        .sort_by_key(|(s, _)| order.iter().position(|o| o == s).unwrap_or(order.len()));
    out.by_service
        .sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    out.by_operator.sort_by_key(|e| std::cmp::Reverse(e.1));
    for i in 0..30 {
        let day = since + Duration::days(i);
        let key = day.to_string();
        let (r, c) = days
            .iter()
            .find(|(d, _, _)| *d == key)
            .map(|(_, r, c)| (*r, *c))
            .unwrap_or((0, 0));
        out.per_day.push((day, r, c));
    }
    Ok(out)
}

/// Tells every active supervisor, once per application and due date, about open
/// applications past their due date (BO-3). Returns how many were raised.
pub async fn raise_overdue(app: &App) -> Result<usize, AppError> {
    let now = app.clock.now();
    let today = now.date().to_string();
    let mut tx = app.store.begin().await?;
    let due = store::claim_overdue(&mut tx, &today, 500).await?;
    if due.is_empty() {
        return Ok(0);
    }
    let supervisors: Vec<String> = accounts::staff(&mut tx)
        .await?
        .into_iter()
        .filter(|(a, _)| {
            a.status == AccountStatus::Active
                && role_of(a).is_some_and(|r| Duty::OverdueApplications.roles().contains(&r))
        })
        .map(|(a, _)| a.id)
        .collect();
    for (id, number, due_on) in &due {
        audit_event(
            &mut tx,
            &Ctx::system(),
            now,
            "system",
            "application.overdue",
            &format!("application:{id}"),
            json!({ "due_on": due_on }),
        )
        .await?;
        for s in &supervisors {
            notices::notify(
                &mut tx,
                app,
                now,
                s,
                &notices::Notice {
                    category: kabinet_domain::notify::Category::Deadlines,
                    subject_key: "notice-application-overdue-subject",
                    text_key: "notice-application-overdue-message",
                    args: &[("number", number.as_str()), ("due", due_on.as_str())],
                    link: Some(format!("/staff/applications/{id}")),
                },
            )
            .await?;
        }
    }
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(due.len())
}

// ---- staff administration (BO-1) ----
