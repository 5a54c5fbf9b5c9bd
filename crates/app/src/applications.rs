//! Applications (APP-1 … APP-6): a draft from a service's form, filled step by step
//! and saved at each step, checked, submitted with a number and a due date, moved
//! through the status machine of `kabinet_domain::application`, with comments,
//! attachments, the clarification loop and the result.
//!
//! The answers are sealed (they hold identifiers). Every move is recorded with its
//! time, actor and reason, in one transaction with its audit entry and its notice.

use std::collections::BTreeMap;

use kabinet_domain::access::{Action, OrgAction, StaffRole};
use kabinet_domain::application::{MoveError, Mover, Number, Status, check_move};
use kabinet_domain::form;
use kabinet_store::applications::{self as store, ApplicationRow, Comment, Event, Filter, Owner};
use kabinet_store::requests::FileRecord;
use kabinet_store::{Conn, accounts};
use serde_json::json;
use time::{Date, OffsetDateTime};

use crate::auth::{SignedIn, audit_event, notices};
use crate::catalog::{self, Service};
use crate::files::{self, Upload};
use crate::{App, AppError, Ctx, FieldError};

/// Answers by field name.
pub type Answers = BTreeMap<String, String>;

/// An application as its reader sees it.
#[derive(Clone, Debug)]
pub struct Application {
    /// Id.
    pub id: String,
    /// Number, once submitted.
    pub number: Option<String>,
    /// The applicant.
    pub account_id: String,
    /// Status.
    pub status: Status,
    /// The service, in the version filed under.
    pub service: std::sync::Arc<Service>,
    /// The answers.
    pub answers: Answers,
    /// The step a draft is on (from 1; one past the last: «Проверьте данные»).
    pub step: usize,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Submitted.
    pub submitted_at: Option<OffsetDateTime>,
    /// When the result is due.
    pub due_on: Option<Date>,
    /// Changes with every move, comment and attachment.
    pub version: i64,
    /// When an answer to the clarification request is due.
    pub clarification_due: Option<Date>,
    /// The organisation it belongs to, if filed for one (`account_id` filed it).
    pub organization_id: Option<String>,
}

/// An attached file.
#[derive(Clone, Debug)]
pub struct Attached {
    /// Its record.
    pub file: FileRecord,
    /// The document kind, or `result`.
    pub kind: String,
    /// Attached by staff.
    pub by_staff: bool,
}

/// An application with its history, comments and files.
#[derive(Clone, Debug)]
pub struct Detail {
    /// The staff account working on it.
    pub assignee: Option<String>,
    /// The application.
    pub application: Application,
    /// «История статуса», oldest first.
    pub history: Vec<Event>,
    /// Comments (staff see internal notes too).
    pub comments: Vec<Comment>,
    /// Files.
    pub files: Vec<Attached>,
}

fn corrupt(e: impl std::fmt::Display) -> AppError {
    AppError::Store(kabinet_store::StoreError::Corrupt(e.to_string()))
}

fn place(id: &str) -> String {
    format!("applications.fields:{id}")
}

fn seal(app: &App, id: &str, answers: &Answers) -> Result<String, AppError> {
    let json = serde_json::to_string(answers).map_err(corrupt)?;
    app.keys.seal(&place(id), &json).map_err(corrupt)
}

async fn decode(app: &App, conn: &mut Conn, row: &ApplicationRow) -> Result<Application, AppError> {
    let mut a = summary(app, conn, row).await?;
    a.answers = serde_json::from_str(
        &app.keys
            .open(&place(&row.id), &row.fields_sealed)
            .map_err(corrupt)?,
    )
    .map_err(corrupt)?;
    Ok(a)
}

/// An application without its answers (lists show none: the answers are not opened).
async fn summary(
    app: &App,
    conn: &mut Conn,
    row: &ApplicationRow,
) -> Result<Application, AppError> {
    let service = catalog::get_version(app, conn, &row.service_id, row.service_version).await?;
    let answers = Answers::new();
    Ok(Application {
        id: row.id.clone(),
        number: row.number.clone(),
        account_id: row.account_id.clone(),
        status: Status::parse(&row.status)
            .ok_or_else(|| corrupt(format!("status {}", row.status)))?,
        service,
        answers,
        step: usize::try_from(row.step).unwrap_or(1),
        created_at: row.created_at,
        submitted_at: row.submitted_at,
        due_on: row
            .due_on
            .as_deref()
            .and_then(|d| kabinet_domain::profile::date(d).ok()),
        version: row.version,
        clarification_due: row
            .clarification_due_on
            .as_deref()
            .and_then(|d| kabinet_domain::profile::date(d).ok()),
        organization_id: row.organization_id.clone(),
    })
}

/// The row of an application the caller may reach in the context they act in: their
/// own while acting as a private person, their organisation's while acting for it
/// (and `need` allowed to their role there). Anything else — another person's, an
/// organisation's seen as a private person or from another organisation — is "not
/// found", exactly as an unknown id (ASVS V8.4.1).
async fn own(
    conn: &mut Conn,
    who: &SignedIn,
    id: &str,
    need: OrgAction,
) -> Result<ApplicationRow, AppError> {
    let row = store::get(conn, id).await?.ok_or(AppError::NotFound)?;
    reachable(who, &row, need)?;
    Ok(row)
}

/// The rule of [`own`] for a row already read.
fn reachable(who: &SignedIn, row: &ApplicationRow, need: OrgAction) -> Result<(), AppError> {
    match (&who.acting, &row.organization_id) {
        (None, None) if row.account_id == who.account.id => Ok(()),
        (Some(acting), Some(org)) if &acting.organization_id == org => {
            who.authorize_for_org(need).map(|_| ())
        }
        _ => Err(AppError::NotFound),
    }
}

/// Whose applications the caller sees: their own, or the organisation's they act for.
fn owner(who: &SignedIn) -> Owner<'_> {
    match &who.acting {
        Some(a) => Owner::Organization(&a.organization_id),
        None => Owner::Person(&who.account.id),
    }
}

/// Tells whoever follows an application: its applicant, or — for an organisation's
/// application — every member who may read it.
async fn notify_owner(
    conn: &mut Conn,
    app: &App,
    now: OffsetDateTime,
    row_account: &str,
    organization_id: Option<&str>,
    notice: &notices::Notice<'_>,
) -> Result<(), AppError> {
    match organization_id {
        None => notices::notify(conn, app, now, row_account, notice)
            .await
            .map(|_| ()),
        Some(org) => {
            for (account, role) in kabinet_store::organizations::members(conn, org).await? {
                if kabinet_domain::organisation::Role::parse(&role)
                    .is_some_and(|r| OrgAction::ReadApplications.allows(r))
                {
                    notices::notify(conn, app, now, &account, notice).await?;
                }
            }
            Ok(())
        }
    }
}

fn level_rank(level: &str) -> u8 {
    match level {
        "confirmed" => 3,
        "standard" => 2,
        _ => 1,
    }
}

/// Whether the person — or the organisation they act for — may apply for the
/// service; the message key when not.
pub fn eligibility(who: &SignedIn, service: &Service) -> Result<(), &'static str> {
    let as_org = who.acting.is_some();
    let applicant = if as_org {
        catalog::Applicant::Organisation
    } else {
        catalog::Applicant::Individual
    };
    if !service.def.applicants.contains(&applicant) {
        return Err(if as_org {
            "application-individuals-only"
        } else {
            "application-organisations-only"
        });
    }
    if level_rank(&who.account.level) < level_rank(&service.def.level) {
        return Err(match service.def.level.as_str() {
            "confirmed" => "application-needs-confirmed",
            _ => "application-needs-standard",
        });
    }
    Ok(())
}

/// Values to open the form with: profile bindings, the person's contacts, and the
/// same fields of their latest applications.
async fn prefill(
    app: &App,
    conn: &mut Conn,
    who: &SignedIn,
    service: &Service,
    except: &str,
) -> Result<Answers, AppError> {
    // Acting for an organisation: its own data, never the person's.
    let organisation = match &who.acting {
        Some(a) => Some(crate::organisations::prefill(app, conn, &a.organization_id).await?),
        None => None,
    };
    let profile = crate::profile::load(app, conn, &who.account.id).await?;
    let contacts = accounts::contacts(conn, &who.account.id).await?;
    let mut earlier: Vec<Answers> = Vec::new();
    for row in store::latest_of(conn, owner(who), except).await? {
        if let Ok(a) = app.keys.open(&place(&row.id), &row.fields_sealed)
            && let Ok(answers) = serde_json::from_str::<Answers>(&a)
        {
            earlier.push(answers);
        }
    }
    let mut out = Answers::new();
    for f in service.def.fields() {
        let from_profile = f.prefill.as_deref().and_then(|b| match (b, &organisation) {
            (b, Some(values)) => values.iter().find(|(k, _)| *k == b).map(|(_, v)| v.clone()),
            (b, None) => match b {
                "profile.email" => contacts
                    .iter()
                    .find(|(k, _)| k == "email")
                    .map(|(_, v)| v.clone()),
                "profile.phone" => contacts
                    .iter()
                    .find(|(k, _)| k == "phone")
                    .map(|(_, v)| v.clone()),
                b if b.starts_with("profile.") => profile.prefill(b),
                _ => None,
            },
        });
        let name = f
            .prefill
            .as_deref()
            .and_then(|b| b.strip_prefix("previous."))
            .unwrap_or(&f.name);
        let from_earlier = || earlier.iter().find_map(|a| a.get(name).cloned());
        // Stored as the form would store it (a date as YYYY-MM-DD, a СНИЛС as digits);
        // a value the field would refuse is not offered.
        if let Some(v) = from_profile.or_else(from_earlier)
            && let Ok(Some(normal)) = form::validate(f, &v, app.clock.now().date())
        {
            out.insert(f.name.clone(), normal);
        }
    }
    Ok(out)
}

/// Checks the given values of the named fields; unknown names are refused. Empty
/// values clear; `full` also checks that the required ones are there.
fn check_values(
    service: &Service,
    given: &Answers,
    fields: &[&form::Field],
    today: Date,
    full: bool,
) -> Result<Answers, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut out = Answers::new();
    for name in given.keys() {
        if !service.def.fields().any(|f| &f.name == name) {
            errors.push(FieldError::new(name.clone(), "form-unknown-field"));
        }
    }
    for f in fields {
        let raw = given.get(&f.name).map(String::as_str);
        if raw.is_none() && !full {
            continue;
        }
        match form::validate(f, raw.unwrap_or(""), today) {
            Ok(Some(v)) => {
                out.insert(f.name.clone(), v);
            }
            Ok(None) => {}
            Err(key) => errors.push(FieldError::new(f.name.clone(), key)),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Starts a draft of a service's form, prefilled; `given` answers (API) are checked
/// and applied over the prefill.
pub async fn create_draft(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    service_id: &str,
    given: &Answers,
) -> Result<Application, AppError> {
    who.authorize(Action::UseOwnApplications)?;
    let organization_id = match &who.acting {
        Some(_) => Some(
            who.authorize_for_org(OrgAction::FileApplications)?
                .organization_id
                .clone(),
        ),
        None => None,
    };
    let service = catalog::get(app, service_id).await?;
    eligibility(who, &service).map_err(AppError::Refused)?;
    let today = app.clock.now().date();
    let all: Vec<&form::Field> = service.def.fields().collect();
    let checked =
        check_values(&service, given, &all, today, false).map_err(AppError::Validation)?;
    let id = uuid::Uuid::now_v7().to_string();
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let mut answers = prefill(app, &mut tx, who, &service, &id).await?;
    for name in given.keys() {
        answers.remove(name);
    }
    answers.extend(checked);
    let row = ApplicationRow {
        id: id.clone(),
        number: None,
        account_id: who.account.id.clone(),
        service_id: service.def.id.clone(),
        service_version: service.version,
        status: Status::Draft.as_str().to_owned(),
        fields_sealed: seal(app, &id, &answers)?,
        step: 1,
        assignee: None,
        created_at: now,
        updated_at: now,
        submitted_at: None,
        due_on: None,
        version: 1,
        clarification_due_on: None,
        organization_id,
    };
    store::insert(&mut tx, &row).await?;
    store::add_event(
        &mut tx,
        &id,
        &Event {
            from_status: None,
            to_status: "draft".into(),
            actor: who.actor(),
            actor_kind: "applicant".into(),
            reason: None,
            at: now,
        },
    )
    .await?;
    audit_event(
        &mut tx,
        ctx,
        now,
        &who.actor(),
        "application.created",
        &format!("application:{id}"),
        json!({ "service": service.def.id, "version": service.version, "organization": row.organization_id }),
    )
    .await?;
    let stored = store::get(&mut tx, &id).await?.ok_or(AppError::NotFound)?;
    let application = decode(app, &mut tx, &stored).await?;
    tx.commit().await?;
    Ok(application)
}

/// Saves one step of a draft: every field of the step is checked (required ones
/// too); on success the draft moves to the next step.
pub async fn save_step(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    id: &str,
    step: usize,
    given: &Answers,
) -> Result<Application, AppError> {
    who.authorize(Action::UseOwnApplications)?;
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let row = own(&mut tx, who, id, OrgAction::FileApplications).await?;
    let mut a = decode(app, &mut tx, &row).await?;
    if a.status != Status::Draft {
        return Err(AppError::Conflict("application-not-draft"));
    }
    let Some(s) = a.service.def.steps.get(step.wrapping_sub(1)) else {
        return Err(AppError::NotFound);
    };
    let fields: Vec<&form::Field> = s.fields.iter().collect();
    let only_step: Answers = given
        .iter()
        .filter(|(k, _)| fields.iter().any(|f| &f.name == *k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let checked = check_values(&a.service, &only_step, &fields, now.date(), true)
        .map_err(AppError::Validation)?;
    for f in &fields {
        a.answers.remove(&f.name);
    }
    a.answers.extend(checked);
    let next = (step + 1).max(a.step);
    store::save_fields(
        &mut tx,
        id,
        &seal(app, id, &a.answers)?,
        i64::try_from(next).unwrap_or(1),
        now,
    )
    .await?;
    audit_event(
        &mut tx,
        ctx,
        now,
        &who.actor(),
        "application.draft_saved",
        &format!("application:{id}"),
        json!({ "step": step }),
    )
    .await?;
    tx.commit().await?;
    a.step = next;
    Ok(a)
}

/// Changes answers of a draft (API): only the given fields, checked.
pub async fn update_draft(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    id: &str,
    given: &Answers,
) -> Result<Application, AppError> {
    who.authorize(Action::UseOwnApplications)?;
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let row = own(&mut tx, who, id, OrgAction::FileApplications).await?;
    let mut a = decode(app, &mut tx, &row).await?;
    if a.status != Status::Draft {
        return Err(AppError::Conflict("application-not-draft"));
    }
    let all: Vec<&form::Field> = a.service.def.fields().collect();
    let checked =
        check_values(&a.service, given, &all, now.date(), false).map_err(AppError::Validation)?;
    for name in given.keys() {
        a.answers.remove(name);
    }
    a.answers.extend(checked);
    store::save_fields(&mut tx, id, &seal(app, id, &a.answers)?, row.step, now).await?;
    audit_event(
        &mut tx,
        ctx,
        now,
        &who.actor(),
        "application.draft_saved",
        &format!("application:{id}"),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(a)
}

/// What submission gives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submitted {
    /// The number.
    pub number: String,
    /// When the result is due.
    pub due_on: Date,
}

/// Submits a draft: every answer checked, every required document attached; a
/// number and a due date from the processing time in working days.
pub async fn submit(app: &App, ctx: &Ctx, who: &SignedIn, id: &str) -> Result<Submitted, AppError> {
    who.authorize(Action::UseOwnApplications)?;
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let row = own(&mut tx, who, id, OrgAction::FileApplications).await?;
    let a = decode(app, &mut tx, &row).await?;
    if a.status != Status::Draft {
        return Err(AppError::Conflict("application-not-draft"));
    }
    eligibility(who, &a.service).map_err(AppError::Refused)?;
    let all: Vec<&form::Field> = a.service.def.fields().collect();
    let mut errors = match check_values(&a.service, &a.answers, &all, now.date(), true) {
        Ok(_) => Vec::new(),
        Err(e) => e,
    };
    let attached = store::files(&mut tx, id).await?;
    for d in &a.service.def.documents {
        if d.required && !attached.iter().any(|(_, k, _)| k == &d.kind) {
            errors.push(FieldError::new(
                format!("document_{}", d.kind),
                "application-document-required",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    check_move(Status::Draft, Status::Submitted, Mover::Applicant, None).map_err(move_error)?;
    let year = now.year();
    let number = Number::new(year, store::next_number(&mut tx, year).await?);
    let calendar = catalog::calendar(&mut tx).await?;
    let due = catalog::due_on(&a.service.def, &calendar, now.date());
    if !store::submit(&mut tx, id, number.as_str(), &due.to_string(), now).await? {
        return Err(AppError::Conflict("application-not-draft"));
    }
    store::add_event(
        &mut tx,
        id,
        &Event {
            from_status: Some("draft".into()),
            to_status: "submitted".into(),
            actor: who.actor(),
            actor_kind: "applicant".into(),
            reason: None,
            at: now,
        },
    )
    .await?;
    audit_event(
        &mut tx,
        ctx,
        now,
        &who.actor(),
        "application.submitted",
        &format!("application:{id}"),
        json!({ "number": number.as_str(), "service": a.service.def.id }),
    )
    .await?;
    let due_text = crate::format::day(due);
    notify_owner(
        &mut tx,
        app,
        now,
        &row.account_id,
        row.organization_id.as_deref(),
        &notices::Notice {
            category: kabinet_domain::notify::Category::ApplicationStatus,
            subject_key: "notice-application-submitted-subject",
            text_key: "notice-application-submitted-message",
            args: &[
                ("number", number.as_str()),
                ("title", &a.service.def.title),
                ("date", &due_text),
            ],
            link: Some(format!("/applications/{}", a.id)),
        },
    )
    .await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(Submitted {
        number: number.as_str().to_owned(),
        due_on: due,
    })
}

fn move_error(e: MoveError) -> AppError {
    match e {
        MoveError::NotFromHere => AppError::Conflict(e.message_key()),
        MoveError::NotYours => AppError::Refused(e.message_key()),
        MoveError::ReasonRequired => {
            AppError::Validation(vec![FieldError::new("reason", e.message_key())])
        }
    }
}

async fn detail(
    app: &App,
    conn: &mut Conn,
    row: &ApplicationRow,
    internal: bool,
) -> Result<Detail, AppError> {
    let application = decode(app, conn, row).await?;
    // History, comments and files in one round trip.
    let (history, comments, files) = store::parts(conn, &row.id, internal).await?;
    let attached = files
        .into_iter()
        .map(|(file, kind, by_staff)| Attached {
            file,
            kind,
            by_staff,
        })
        .collect();
    Ok(Detail {
        application,
        assignee: row.assignee.clone(),
        history,
        comments,
        files: attached,
    })
}

/// One of the caller's applications with its history, public comments and files.
pub async fn get(app: &App, who: &SignedIn, id: &str) -> Result<Detail, AppError> {
    who.authorize(Action::UseOwnApplications)?;
    // The row and its parts, one row by its key (ADR 0008); the access rule on the row
    // read.
    let (found, mut conn) = app
        .store
        .read(&|conn| {
            let id = id.to_owned();
            Box::pin(async move { store::get_with_parts(conn, &id).await })
        })
        .await?;
    let (row, (history, comments, files)) = found.ok_or(AppError::NotFound)?;
    reachable(who, &row, OrgAction::ReadApplications)?;
    Ok(Detail {
        application: decode(app, &mut conn, &row).await?,
        assignee: row.assignee.clone(),
        history,
        comments,
        files: files
            .into_iter()
            .map(|(file, kind, by_staff)| Attached {
                file,
                kind,
                by_staff,
            })
            .collect(),
    })
}

/// A page of «Мои заявления» and the total that match (without the answers).
pub async fn list(
    app: &App,
    who: &SignedIn,
    filter: &Filter,
    page: i64,
    per_page: i64,
) -> Result<(Vec<Application>, i64), AppError> {
    who.authorize(Action::UseOwnApplications)?;
    let per_page = per_page.clamp(1, 100);
    let mut conn = app
        .store
        .pool()
        .acquire()
        .await
        .map_err(kabinet_store::StoreError::from)?;
    let (rows, total) = store::list(
        &mut conn,
        owner(who),
        filter,
        per_page,
        (page.max(1) - 1) * per_page,
    )
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        out.push(summary(app, &mut conn, row).await?);
    }
    Ok((out, total))
}

#[allow(clippy::too_many_arguments)]
async fn record_move(
    app: &App,
    conn: &mut Conn,
    ctx: &Ctx,
    row: &ApplicationRow,
    from: Status,
    to: Status,
    actor: &str,
    actor_kind: &str,
    reason: Option<&str>,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    if !store::set_status(conn, &row.id, from.as_str(), to.as_str(), now).await? {
        return Err(AppError::Conflict("application-changed-meanwhile"));
    }
    if to == Status::NeedsClarification {
        let calendar = catalog::calendar(conn).await?;
        let due = calendar.add_working_days(now.date(), CLARIFICATION_WORKING_DAYS);
        store::set_clarification_due(conn, &row.id, Some(&due.to_string())).await?;
    } else if from == Status::NeedsClarification {
        store::set_clarification_due(conn, &row.id, None).await?;
    }
    let reason = reason
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| r.chars().take(2000).collect::<String>());
    store::add_event(
        conn,
        &row.id,
        &Event {
            from_status: Some(from.as_str().into()),
            to_status: to.as_str().into(),
            actor: actor.into(),
            actor_kind: actor_kind.into(),
            reason: reason.clone(),
            at: now,
        },
    )
    .await?;
    audit_event(
        conn,
        ctx,
        now,
        actor,
        "application.moved",
        &format!("application:{}", row.id),
        json!({ "from": from.as_str(), "to": to.as_str() }),
    )
    .await?;
    let number = row.number.clone().unwrap_or_default();
    let status = app.i18n.t(&format!("status-{}", to.as_str()));
    let reason_text = reason
        .map(|r| {
            app.i18n
                .t_with("notice-application-reason", &[("reason", &r)])
        })
        .unwrap_or_default();
    notify_owner(
        conn,
        app,
        now,
        &row.account_id,
        row.organization_id.as_deref(),
        &notices::Notice {
            category: kabinet_domain::notify::Category::ApplicationStatus,
            subject_key: "notice-application-moved-subject",
            text_key: "notice-application-moved-message",
            args: &[
                ("number", &number),
                ("status", &status),
                ("reason", &reason_text),
            ],
            link: Some(format!("/applications/{}", row.id)),
        },
    )
    .await?;
    Ok(())
}

/// The applicant withdraws an application (until a decision).
pub async fn withdraw(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    id: &str,
    reason: &str,
) -> Result<(), AppError> {
    who.authorize(Action::UseOwnApplications)?;
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let row = own(&mut tx, who, id, OrgAction::FileApplications).await?;
    let from = Status::parse(&row.status).ok_or_else(|| corrupt("status"))?;
    check_move(from, Status::Withdrawn, Mover::Applicant, Some(reason)).map_err(move_error)?;
    record_move(
        app,
        &mut tx,
        ctx,
        &row,
        from,
        Status::Withdrawn,
        &who.actor(),
        "applicant",
        Some(reason),
        now,
    )
    .await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(())
}

/// An answer in a clarification returns the application to work by itself (APP-3).
async fn answered(
    app: &App,
    conn: &mut Conn,
    ctx: &Ctx,
    row: &ApplicationRow,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    if row.status == Status::NeedsClarification.as_str() {
        check_move(
            Status::NeedsClarification,
            Status::InProgress,
            Mover::System,
            None,
        )
        .map_err(move_error)?;
        let reason = app.i18n.t("application-answered");
        record_move(
            app,
            conn,
            ctx,
            row,
            Status::NeedsClarification,
            Status::InProgress,
            "system",
            "system",
            Some(&reason),
            now,
        )
        .await?;
    } else {
        store::touch(conn, &row.id, now).await?;
    }
    Ok(())
}

/// The applicant comments on a filed application; during a clarification this is the
/// answer and the application returns to work.
pub async fn comment(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    id: &str,
    text: &str,
) -> Result<(), AppError> {
    who.authorize(Action::UseOwnApplications)?;
    let text = text.trim();
    if text.is_empty() {
        return Err(AppError::Validation(vec![FieldError::new(
            "text",
            "form-required",
        )]));
    }
    if text.chars().count() > 4000 {
        return Err(AppError::Validation(vec![FieldError::new(
            "text",
            "form-too-long",
        )]));
    }
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let row = own(&mut tx, who, id, OrgAction::FileApplications).await?;
    let status = Status::parse(&row.status).ok_or_else(|| corrupt("status"))?;
    if status == Status::Draft || status.is_final() {
        return Err(AppError::Conflict("application-no-comments"));
    }
    store::add_comment(
        &mut tx,
        id,
        &Comment {
            author: who.actor(),
            author_kind: "applicant".into(),
            internal: false,
            text: text.to_owned(),
            at: now,
        },
    )
    .await?;
    audit_event(
        &mut tx,
        ctx,
        now,
        &who.actor(),
        "application.commented",
        &format!("application:{id}"),
        json!({}),
    )
    .await?;
    answered(app, &mut tx, ctx, &row, now).await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(())
}

/// The limits of a document kind: allowed content types and bytes.
fn limits(service: &Service, kind: &str) -> (Vec<&'static str>, usize) {
    let spec = service.def.documents.iter().find(|d| d.kind == kind);
    let formats: Vec<&'static str> = spec
        .map_or_else(
            || vec!["pdf", "jpeg", "png"],
            |d| d.formats.iter().map(String::as_str).collect(),
        )
        .into_iter()
        .filter_map(|f| match f {
            "pdf" => Some("application/pdf"),
            "jpeg" => Some("image/jpeg"),
            "png" => Some("image/png"),
            _ => None,
        })
        .collect();
    let mb = spec.map_or(5, |d| d.max_mb);
    (formats, usize::try_from(mb).unwrap_or(5) * 1024 * 1024)
}

/// The largest attachment any service allows (the request body limit).
pub const MAX_ATTACHMENT: usize = 20 * 1024 * 1024;

/// The applicant attaches a document to a draft, or to an application waiting for a
/// clarification (which answers it). The type is decided by the content.
pub async fn attach(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    id: &str,
    kind: &str,
    upload: &Upload,
) -> Result<FileRecord, AppError> {
    who.authorize(Action::UseOwnApplications)?;
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let row = own(&mut tx, who, id, OrgAction::FileApplications).await?;
    let a = decode(app, &mut tx, &row).await?;
    if !matches!(a.status, Status::Draft | Status::NeedsClarification) {
        return Err(AppError::Conflict("application-no-attachments"));
    }
    let kind = if kind.trim().is_empty() {
        "other"
    } else {
        kind.trim()
    };
    if kind != "other" && !a.service.def.documents.iter().any(|d| d.kind == kind) {
        return Err(AppError::Validation(vec![FieldError::new(
            "kind",
            "application-document-kind",
        )]));
    }
    let (types, max) = limits(&a.service, kind);
    if upload.bytes.len() > max {
        return Err(AppError::TooLarge("application-file-too-large"));
    }
    match files::sniff(&upload.bytes) {
        Some(t) if types.contains(&t) => {}
        _ => return Err(AppError::UnsupportedType("application-file-type")),
    }
    // The limits per application (issue 15 F10), counted with the row locked.
    let limits = &app.settings.files;
    let (count, bytes) = store::lock_attachments(&mut tx, id).await?;
    if count >= i64::from(limits.max_per_application) {
        return Err(AppError::Validation(vec![
            FieldError::new("file", "application-files-too-many")
                .with("limit", limits.max_per_application),
        ]));
    }
    let adding = i64::try_from(upload.bytes.len()).unwrap_or(i64::MAX);
    if bytes.saturating_add(adding) > files::mib(limits.max_total_mb_per_application) {
        return Err(AppError::Validation(vec![
            FieldError::new("file", "application-files-too-big")
                .with("limit", limits.max_total_mb_per_application),
        ]));
    }
    let stored =
        files::store_own(app, &mut tx, &who.account.id, "application", upload, "file").await?;
    let result = async {
        store::add_file(&mut tx, id, &stored.record.id, kind, false, now).await?;
        audit_event(
            &mut tx,
            ctx,
            now,
            &who.actor(),
            "application.file_attached",
            &format!("application:{id}"),
            json!({ "kind": kind, "size": stored.record.size }),
        )
        .await?;
        if a.status == Status::NeedsClarification {
            answered(app, &mut tx, ctx, &row, now).await?;
        } else {
            store::touch(&mut tx, id, now).await?;
        }
        Ok::<(), AppError>(())
    }
    .await;
    if let Err(e) = result {
        stored.discard().await;
        return Err(e);
    }
    let record = stored.record.clone();
    files::commit_or_discard(tx, Some(stored)).await?;
    app.outbox_wake.notify_one();
    Ok(record)
}

/// A file of an application, for whoever may see the application: its applicant, or
/// staff who process applications.
pub async fn file(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    application_id: &str,
    file_id: &str,
) -> Result<(FileRecord, Vec<u8>), AppError> {
    let mut conn = app
        .store
        .pool()
        .acquire()
        .await
        .map_err(kabinet_store::StoreError::from)?;
    let staff = who.authorize(Action::ProcessApplications).is_ok();
    if !staff {
        own(&mut conn, who, application_id, OrgAction::ReadApplications).await?;
    }
    if store::application_of_file(&mut conn, file_id)
        .await?
        .as_deref()
        != Some(application_id)
    {
        return Err(AppError::NotFound);
    }
    let record = kabinet_store::requests::get_file(&mut conn, file_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if staff {
        // Staff opening an applicant's document: recorded (AUD-2).
        audit_event(
            &mut conn,
            ctx,
            app.clock.now(),
            &who.actor(),
            "application.file_viewed",
            &format!("application:{application_id}"),
            json!({ "file": file_id }),
        )
        .await?;
    }
    drop(conn);
    let bytes = files::read(app, &record).await?;
    Ok((record, bytes))
}

/// Working days an applicant has to answer a clarification request.
pub const CLARIFICATION_WORKING_DAYS: u32 = 10;

/// Reminds applicants of clarification requests (NTF-4): three days before the answer
/// is due and once it is overdue, each once (several processes claim them with a
/// conditional update). Returns how many were sent.
pub async fn send_clarification_reminders(app: &App) -> Result<usize, AppError> {
    let now = app.clock.now();
    let today = now.date();
    let mut sent = 0;
    for (kind, until, subject, text) in [
        (
            "soon",
            today + time::Duration::days(3),
            "notice-clarification-soon-subject",
            "notice-clarification-soon-message",
        ),
        (
            "overdue",
            today,
            "notice-clarification-overdue-subject",
            "notice-clarification-overdue-message",
        ),
    ] {
        let mut tx = app.store.begin().await?;
        let due =
            store::claim_clarification_reminders(&mut tx, kind, &until.to_string(), 500).await?;
        for (id, number, account, due_on, organization) in &due {
            let date = kabinet_domain::profile::date(due_on)
                .map(crate::format::day)
                .unwrap_or_else(|_| due_on.clone());
            notify_owner(
                &mut tx,
                app,
                now,
                account,
                organization.as_deref(),
                &notices::Notice {
                    category: kabinet_domain::notify::Category::Deadlines,
                    subject_key: subject,
                    text_key: text,
                    args: &[("number", number.as_str()), ("date", date.as_str())],
                    link: Some(format!("/applications/{id}")),
                },
            )
            .await?;
        }
        tx.commit().await?;
        sent += due.len();
    }
    if sent > 0 {
        app.outbox_wake.notify_one();
    }
    Ok(sent)
}

// ---- staff ----

fn staff_role(who: &SignedIn) -> Result<StaffRole, AppError> {
    who.authorize(Action::ProcessApplications)?;
    who.account
        .staff_role
        .as_deref()
        .and_then(StaffRole::parse)
        .ok_or(AppError::Forbidden)
}

/// Staff move an application (BO-2): the moves their role allows, with a reason
/// where one is required; the applicant is told.
pub async fn transition(
    app: &App,
    ctx: &Ctx,
    staff: &SignedIn,
    id: &str,
    to: &str,
    reason: &str,
) -> Result<(), AppError> {
    let role = staff_role(staff)?;
    let to = Status::parse(to).ok_or_else(|| {
        AppError::Validation(vec![FieldError::new("to", "application-status-unknown")])
    })?;
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let row = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let from = Status::parse(&row.status).ok_or_else(|| corrupt("status"))?;
    check_move(from, to, Mover::Staff(role), Some(reason)).map_err(move_error)?;
    // An operator works on what is theirs; what nobody has yet becomes theirs by the
    // move. A supervisor may move anything.
    match row.assignee.as_deref() {
        Some(a) if a != staff.account.id && role == StaffRole::Operator => {
            return Err(AppError::Conflict("application-assigned-to-other"));
        }
        None if !store::assign(&mut tx, id, &staff.account.id, true, now).await? => {
            return Err(AppError::Conflict("application-taken"));
        }
        _ => {}
    }
    if to == Status::Completed
        && !store::files(&mut tx, id)
            .await?
            .iter()
            .any(|(_, k, _)| k == "result")
    {
        return Err(AppError::Conflict("application-result-missing"));
    }
    record_move(
        app,
        &mut tx,
        ctx,
        &row,
        from,
        to,
        &staff.actor(),
        "staff",
        Some(reason),
        now,
    )
    .await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(())
}

/// Staff attach the result document of an approved application (APP-6).
pub async fn attach_result(
    app: &App,
    ctx: &Ctx,
    staff: &SignedIn,
    id: &str,
    upload: &Upload,
) -> Result<FileRecord, AppError> {
    staff_role(staff)?;
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let row = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if row.status != Status::Approved.as_str() {
        return Err(AppError::Conflict("application-result-not-now"));
    }
    if files::sniff(&upload.bytes).is_none() {
        return Err(AppError::UnsupportedType("application-file-type"));
    }
    let stored = files::store(app, &mut tx, &row.account_id, "result", upload, "file").await?;
    let result = async {
        store::add_file(&mut tx, id, &stored.record.id, "result", true, now).await?;
        store::touch(&mut tx, id, now).await?;
        audit_event(
            &mut tx,
            ctx,
            now,
            &staff.actor(),
            "application.result_attached",
            &format!("application:{id}"),
            json!({ "size": stored.record.size }),
        )
        .await
    }
    .await;
    if let Err(e) = result {
        stored.discard().await;
        return Err(e);
    }
    let record = stored.record.clone();
    files::commit_or_discard(tx, Some(stored)).await?;
    Ok(record)
}

/// Staff comment: public (the applicant sees it and is told) or an internal note.
pub async fn staff_comment(
    app: &App,
    ctx: &Ctx,
    staff: &SignedIn,
    id: &str,
    text: &str,
    internal: bool,
) -> Result<(), AppError> {
    staff_role(staff)?;
    let text = text.trim();
    if text.is_empty() {
        return Err(AppError::Validation(vec![FieldError::new(
            "text",
            "form-required",
        )]));
    }
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let row = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    store::add_comment(
        &mut tx,
        id,
        &Comment {
            author: staff.actor(),
            author_kind: "staff".into(),
            internal,
            text: text.chars().take(4000).collect(),
            at: now,
        },
    )
    .await?;
    store::touch(&mut tx, id, now).await?;
    audit_event(
        &mut tx,
        ctx,
        now,
        &staff.actor(),
        "application.staff_commented",
        &format!("application:{id}"),
        json!({ "internal": internal }),
    )
    .await?;
    if !internal {
        let number = row.number.clone().unwrap_or_default();
        notify_owner(
            &mut tx,
            app,
            now,
            &row.account_id,
            row.organization_id.as_deref(),
            &notices::Notice {
                category: kabinet_domain::notify::Category::ApplicationStatus,
                subject_key: "notice-application-comment-subject",
                text_key: "notice-application-comment-message",
                args: &[("number", &number)],
                link: Some(format!("/applications/{}", row.id)),
            },
        )
        .await?;
    }
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(())
}

/// Staff read an application, internal notes included.
pub async fn get_for_staff(
    app: &App,
    ctx: &Ctx,
    staff: &SignedIn,
    id: &str,
) -> Result<Detail, AppError> {
    staff_role(staff)?;
    let mut conn = app
        .store
        .pool()
        .acquire()
        .await
        .map_err(kabinet_store::StoreError::from)?;
    let row = store::get(&mut conn, id)
        .await?
        .filter(|r| r.status != Status::Draft.as_str())
        .ok_or(AppError::NotFound)?;
    let detail = detail(app, &mut conn, &row, true).await?;
    // Staff reading an application read personal data: recorded (AUD-2).
    audit_event(
        &mut conn,
        ctx,
        app.clock.now(),
        &staff.actor(),
        "application.viewed",
        &format!("application:{id}"),
        json!({}),
    )
    .await?;
    Ok(detail)
}

/// `(id, version, status)` of the caller's filed applications, for live status.
pub async fn versions(app: &App, who: &SignedIn) -> Result<Vec<(String, i64, String)>, AppError> {
    who.authorize(Action::UseOwnApplications)?;
    let mut conn = app
        .store
        .pool()
        .acquire()
        .await
        .map_err(kabinet_store::StoreError::from)?;
    // A long-lived stream asks again and again: a session that ended, an account
    // blocked, a member who left stop hearing.
    if !kabinet_store::sessions::alive(&mut conn, &who.session_id).await? {
        return Err(AppError::Unauthorized("auth-required"));
    }
    if let Some(a) = &who.acting
        && kabinet_store::organizations::role_of(&mut conn, &a.organization_id, &who.account.id)
            .await?
            .is_none()
    {
        return Err(AppError::NotFound);
    }
    Ok(store::versions(&mut conn, owner(who)).await?)
}

/// Every message key this module may use in an answer.
pub const MESSAGE_KEYS: &[&str] = &[
    "form-unknown-field",
    "application-organisations-only",
    "application-individuals-only",
    "application-needs-confirmed",
    "application-needs-standard",
    "application-not-draft",
    "application-document-required",
    "application-document-kind",
    "application-changed-meanwhile",
    "application-no-comments",
    "application-no-attachments",
    "application-file-too-large",
    "application-file-type",
    "application-files-too-many",
    "application-files-too-big",
    "application-status-unknown",
    "application-result-missing",
    "application-result-not-now",
    "application-move-not-allowed",
    "application-move-forbidden",
    "application-reason-required",
    "application-answered",
];

/// The largest file any document of the application's service accepts: the limit to
/// stop reading an upload at, before its kind is known.
pub async fn attachment_limit(app: &App, who: &SignedIn, id: &str) -> Result<usize, AppError> {
    who.authorize(Action::UseOwnApplications)?;
    let mut conn = app
        .store
        .pool()
        .acquire()
        .await
        .map_err(kabinet_store::StoreError::from)?;
    let row = own(&mut conn, who, id, OrgAction::FileApplications).await?;
    let service =
        catalog::get_version(app, &mut conn, &row.service_id, row.service_version).await?;
    let mb = service
        .def
        .documents
        .iter()
        .map(|d| d.max_mb)
        .max()
        .unwrap_or(5)
        .max(5);
    Ok(usize::try_from(mb).unwrap_or(5) * 1024 * 1024)
}

/// Every application of the signed-in person with its history, public comments and
/// files, for the data archive.
pub async fn all_for_export(
    app: &App,
    conn: &mut Conn,
    account_id: &str,
) -> Result<Vec<Detail>, AppError> {
    let mut out = Vec::new();
    for row in store::all_of(conn, account_id).await? {
        out.push(detail(app, conn, &row, false).await?);
    }
    Ok(out)
}

/// What `kabinet applications verify-parts` found.
#[derive(Debug, Default)]
pub struct PartsReport {
    /// Applications looked at.
    pub checked: u64,
    /// Those whose view in the row differed from the tables (rewritten with `repair`).
    pub differing: Vec<String>,
}

/// Compares the applicant's view kept in every application's row with the tables that
/// are the record (ADR 0008); with `repair`, rewrites each one that differs from the
/// tables, in its own transaction with its audit entry.
pub async fn verify_parts(app: &App, ctx: &Ctx, repair: bool) -> Result<PartsReport, AppError> {
    let mut report = PartsReport::default();
    let mut after = String::new();
    loop {
        let ids = {
            let mut conn = app.store.acquire().await?;
            store::ids_after(&mut conn, &after, 500).await?
        };
        let Some(last) = ids.last() else {
            return Ok(report);
        };
        after = last.clone();
        for id in ids {
            let mut tx = app.store.begin().await?;
            if !store::check_parts(&mut tx, &id, repair).await? {
                if repair {
                    audit_event(
                        &mut tx,
                        ctx,
                        app.clock.now(),
                        &ctx.actor,
                        "application.parts_repaired",
                        &format!("application:{id}"),
                        json!({}),
                    )
                    .await?;
                }
                report.differing.push(id);
            }
            tx.commit().await?;
            report.checked += 1;
        }
    }
}
