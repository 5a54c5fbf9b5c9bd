//! Benchmark data (`kabinet bench seed`): many people with many applications, and
//! signed-in sessions whose tokens are written out for the load generator. The rows
//! are what the product itself would write (sealed answers, numbers with check digits,
//! history), inserted in bulk. Never run against a database with real people in it.

use std::io::Write as _;
use std::path::Path;

use kabinet_domain::application::{Number, Status};
use kabinet_store::seed::{self, Cell};
use time::{Duration, OffsetDateTime};

use crate::{App, AppError};

/// What was seeded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Seeded {
    /// People.
    pub users: usize,
    /// Applications.
    pub applications: usize,
    /// Sessions written to the targets file.
    pub sessions: usize,
}

const STATUSES: [Status; 6] = [
    Status::Submitted,
    Status::InProgress,
    Status::Approved,
    Status::Completed,
    Status::Rejected,
    Status::Draft,
];

fn ts(t: OffsetDateTime) -> String {
    kabinet_store::ts::format(t)
}

/// Seeds `users` people with `per_user` applications each (of the demo catalog's
/// `appeal-question`); the first `sessions` people are signed in and have `heavy`
/// applications each (so that «Мои заявления» filtered by a status fills a page of 50);
/// writes `token application-id` lines (one per application of those people) to
/// `targets`.
pub async fn seed(
    app: &App,
    users: usize,
    per_user: usize,
    sessions: usize,
    heavy: usize,
    targets: &Path,
) -> Result<Seeded, AppError> {
    crate::catalog::import_demo(app).await?;
    let service = crate::catalog::get(app, "appeal-question").await?;
    let hash = app.hasher.hash("пароль для нагрузочного теста").await?;
    let now = app.clock.now();
    let io = |e: std::io::Error| AppError::internal(format!("targets: {e}"));
    let mut out = std::io::BufWriter::new(std::fs::File::create(targets).map_err(io)?);
    let answers = serde_json::json!({ "topic": "service", "question": "Когда будет готово решение по моему заявлению?" }).to_string();
    let mut number = 0u32;
    let batch = 1000;
    let mut done = Seeded::default();
    let mut start = 0;
    while start < users {
        let end = (start + batch).min(users);
        let mut accounts = Vec::with_capacity(end - start);
        let mut logins = Vec::with_capacity(end - start);
        let mut apps = Vec::new();
        let mut events = Vec::new();
        let mut sess = Vec::new();
        for u in start..end {
            let account = uuid::Uuid::now_v7().to_string();
            let created = now - Duration::days(400);
            accounts.push((account.clone(), hash.clone(), ts(created)));
            let email = format!("bench{u}@example.ru");
            logins.push((
                format!("email:{email}"),
                account.clone(),
                email,
                ts(created),
            ));
            let token = (u < sessions).then(crate::auth::random_token).transpose()?;
            if let Some(token) = &token {
                sess.push(vec![
                    Cell::T(Some(crate::auth::sha256_hex(token))),
                    Cell::T(Some(account.clone())),
                    Cell::T(Some(crate::auth::random_token()?)),
                    Cell::T(Some(ts(now))),
                    Cell::T(Some(ts(now))),
                    Cell::T(Some(ts(now + Duration::days(1)))),
                ]);
            }
            let count = if token.is_some() { heavy } else { per_user };
            for k in 0..count {
                let id = uuid::Uuid::now_v7().to_string();
                let status = STATUSES[(u * 7 + k * 3) % STATUSES.len()];
                let at = now
                    - Duration::minutes(
                        i64::try_from((u * 131 + k * 17) % (365 * 24 * 60)).unwrap_or(0),
                    );
                let sealed = app
                    .keys
                    .seal(&format!("applications.fields:{id}"), &answers)
                    .map_err(|e| AppError::internal(e.to_string()))?;
                let filed = status != Status::Draft;
                let num = filed.then(|| {
                    number += 1;
                    Number::new(at.year(), number).as_str().to_owned()
                });
                let event_id = uuid::Uuid::now_v7().to_string();
                let parts = kabinet_store::applications::event_parts_text(
                    &event_id,
                    &kabinet_store::applications::Event {
                        from_status: None,
                        to_status: status.as_str().to_owned(),
                        actor: format!("account:{account}"),
                        actor_kind: "applicant".into(),
                        reason: None,
                        at,
                    },
                )?;
                apps.push(vec![
                    Cell::T(Some(id.clone())),
                    Cell::T(num),
                    Cell::T(Some(account.clone())),
                    Cell::T(Some(service.def.id.clone())),
                    Cell::I(service.version),
                    Cell::T(Some(status.as_str().to_owned())),
                    Cell::T(Some(sealed)),
                    Cell::I(2),
                    Cell::T(Some(ts(at))),
                    Cell::T(Some(ts(at))),
                    Cell::T(filed.then(|| ts(at))),
                    Cell::T(filed.then(|| (at.date() + Duration::days(7)).to_string())),
                    Cell::T(Some(parts)),
                ]);
                events.push(vec![
                    Cell::T(Some(event_id)),
                    Cell::T(Some(id.clone())),
                    Cell::T(None),
                    Cell::T(Some(status.as_str().to_owned())),
                    Cell::T(Some(format!("account:{account}"))),
                    Cell::T(Some("applicant".into())),
                    Cell::T(Some(ts(at))),
                ]);
                if let Some(token) = &token {
                    writeln!(out, "{token} {id}").map_err(io)?;
                }
            }
        }
        let mut tx = app.store.begin().await?;
        seed::accounts(&mut tx, &accounts).await?;
        seed::logins(&mut tx, &logins).await?;
        seed::applications(&mut tx, &apps).await?;
        seed::events(&mut tx, &events).await?;
        seed::sessions(&mut tx, &sess).await?;
        tx.commit().await?;
        done.users += end - start;
        done.applications += apps.len();
        done.sessions += sess.len();
        start = end;
        if done.users % 10_000 == 0 {
            tracing::info!(
                users = done.users,
                applications = done.applications,
                "seeding"
            );
        }
    }
    // Real numbers continue after the seeded ones, whatever their year.
    let mut tx = app.store.begin().await?;
    for year in [now.year() - 1, now.year()] {
        seed::set_counter(&mut tx, year, i64::from(number)).await?;
    }
    tx.commit().await?;
    out.flush().map_err(io)?;
    Ok(done)
}
