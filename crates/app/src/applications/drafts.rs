//! Drafts: who may apply, prefilled answers, saving steps.

use crate::audit::audit_event;
use crate::auth::SignedIn;
use crate::catalog::{self, Service};
use crate::{App, AppError, Ctx, FieldError};
use kabinet_domain::access::{Action, OrgAction};
use kabinet_domain::account::AccountLevel;
use kabinet_domain::application::Status;
use kabinet_domain::form;
use kabinet_store::applications::{self as store, ApplicationRow, Event};
use kabinet_store::{Conn, accounts};
use serde_json::json;
use time::Date;

use super::*;

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
    // A definition passed `catalog::parse`, so its level is known; were it not, the
    // service asks for the highest level rather than the lowest.
    let needed = service
        .def
        .required_level()
        .unwrap_or(AccountLevel::Confirmed);
    if who.account.level < needed {
        return Err(match needed {
            AccountLevel::Confirmed => "application-needs-confirmed",
            AccountLevel::Standard | AccountLevel::Simplified => "application-needs-standard",
        });
    }
    Ok(())
}

/// Values to open the form with: profile bindings, the person's contacts, and the
/// same fields of their latest applications.
pub(super) async fn prefill(
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
pub(super) fn check_values(
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
