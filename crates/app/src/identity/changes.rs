//! Requests to change confirmed data and their review by staff.

use crate::audit::audit_event;
use crate::auth::{SignedIn, notices};
use crate::files::{self, Upload};
use crate::profile::Profile;
use crate::profile::{self, PassportData, ProfileInput};
use crate::{App, AppError, Ctx, FieldError};
use kabinet_domain::access::Action;
use kabinet_domain::account::AccountLevel;
use kabinet_domain::ids::Snils;
use kabinet_domain::login::LoginId;
use kabinet_store::profiles::{self, IndexColumn};
use kabinet_store::requests::{self, Kind, Request};
use serde_json::json;

use super::*;

/// The person's own change requests, newest first (sealed values left out).
pub async fn my_change_requests(app: &App, who: &SignedIn) -> Result<Vec<Request>, AppError> {
    who.authorize(Action::ManageOwnProfile)?;
    let mut conn = app
        .store
        .pool()
        .acquire()
        .await
        .map_err(kabinet_store::StoreError::from)?;
    let mut list = requests::of_account(&mut conn, Kind::Change, &who.account.id).await?;
    for r in &mut list {
        r.sealed.clear();
    }
    Ok(list)
}

/// A confirmed person asks to change confirmed data (ФИО, birth date, passport,
/// СНИЛС) with a reason and a supporting document. Other fields are edited directly.
pub async fn request_change(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    input: &ProfileInput,
    reason: &str,
    document: Option<&Upload>,
) -> Result<String, AppError> {
    who.authorize(Action::ManageOwnProfile)?;
    let today = app.clock.now().date();
    let current = {
        let mut conn = app
            .store
            .pool()
            .acquire()
            .await
            .map_err(kabinet_store::StoreError::from)?;
        profile::load(app, &mut conn, &who.account.id).await?
    };
    if current.level < AccountLevel::Confirmed {
        return Err(AppError::Conflict("change-request-not-needed"));
    }
    let mut errors = Vec::new();
    let next = match profile::merge(&current, input, today) {
        Ok(n) => Some(n),
        Err(mut e) => {
            errors.append(&mut e);
            None
        }
    };
    let reason = reason.trim();
    if reason.is_empty() {
        errors.push(FieldError::new("reason", "request-reason-required"));
    }
    match document {
        None => errors.push(FieldError::new("document", "change-request-document")),
        Some(d) => {
            if let Err(AppError::Validation(mut e)) = files::check(d, "document") {
                errors.append(&mut e);
            }
        }
    }
    let changed: Vec<&str> = next
        .as_ref()
        .map(|n| {
            profile::IDENTITY_FIELDS
                .iter()
                .copied()
                .filter(|f| profile::field_changed(&current, n, f))
                .collect()
        })
        .unwrap_or_default();
    if next.is_some() && changed.is_empty() {
        errors.insert(0, FieldError::new("last_name", "change-request-nothing"));
    }
    let (Some(next), Some(document), true) = (next, document, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let values = json!({
        "last_name": next.last_name, "first_name": next.first_name, "middle_name": next.middle_name,
        "birth_date": next.birth_date.map(|d| d.to_string()), "snils": next.snils, "passport": next.passport,
    });
    let id = uuid::Uuid::now_v7().to_string();
    let sealed = app
        .keys
        .seal(&format!("change_requests:{id}"), &values.to_string())
        .map_err(|e| AppError::internal(e.to_string()))?;
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let stored = files::store_own(
        app,
        &mut tx,
        &who.account.id,
        "change_request",
        document,
        "document",
    )
    .await?;
    let result = async {
        requests::insert(
            &mut tx,
            Kind::Change,
            &Request {
                id: id.clone(),
                account_id: who.account.id.clone(),
                what: changed.join(","),
                sealed,
                text: Some(reason.chars().take(2000).collect()),
                file_id: Some(stored.record.id.clone()),
                status: "pending".to_owned(),
                created_at: now,
                decided_at: None,
                decided_by: None,
                decision: None,
            },
        )
        .await?;
        audit_event(
            &mut tx,
            ctx,
            now,
            &who.actor(),
            "profile.change_requested",
            &format!("change_request:{id}"),
            json!({ "fields": changed }),
        )
        .await?;
        notices::notify(
            &mut tx,
            app,
            now,
            &who.account.id,
            &notices::Notice {
                category: kabinet_domain::notify::Category::PersonalData,
                subject_key: "notice-change-requested-subject",
                text_key: "notice-change-requested-message",
                args: &[],
                link: Some("/profile/change-request".to_owned()),
            },
        )
        .await
    }
    .await;
    if let Err(e) = result {
        stored.discard().await;
        return Err(e);
    }
    files::commit_or_discard(tx, Some(stored)).await?;
    app.outbox_wake.notify_one();
    Ok(id)
}

/// The profile as a change request would make it.
pub(super) fn proposed(
    app: &App,
    current: &Profile,
    request: &Request,
) -> Result<Profile, AppError> {
    let corrupt = |e: String| AppError::Store(kabinet_store::StoreError::Corrupt(e));
    let values: serde_json::Value = app
        .keys
        .open(&format!("change_requests:{}", request.id), &request.sealed)
        .map_err(|e| corrupt(e.to_string()))
        .and_then(|t| serde_json::from_str(&t).map_err(|e| corrupt(e.to_string())))?;
    let text = |k: &str| values[k].as_str().map(str::to_owned);
    let mut next = current.clone();
    next.last_name = text("last_name");
    next.first_name = text("first_name");
    next.middle_name = text("middle_name");
    next.birth_date = text("birth_date").and_then(|d| kabinet_domain::profile::date(&d).ok());
    next.snils = text("snils");
    next.passport = serde_json::from_value::<Option<PassportData>>(values["passport"].clone())
        .map_err(|e| corrupt(e.to_string()))?;
    Ok(next)
}

/// A request as staff review it: the person's data now and, for a change request, as
/// it would become. Reading it is recorded (AUD-2).
#[derive(Clone, Debug)]
pub struct Review {
    /// The request (sealed part removed).
    pub request: Request,
    /// The person's data now.
    pub person: Profile,
    /// A change request's proposed data.
    pub proposed: Option<Profile>,
}

/// Opens a request for review (staff who decide requests).
pub async fn review(
    app: &App,
    ctx: &Ctx,
    staff: &SignedIn,
    kind: Kind,
    id: &str,
) -> Result<Review, AppError> {
    staff.authorize(Action::ConfirmIdentity)?;
    let mut conn = app.store.acquire().await?;
    let mut request = requests::get(&mut conn, kind, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let person = profile::load(app, &mut conn, &request.account_id).await?;
    let proposed = match kind {
        Kind::Change => Some(proposed(app, &person, &request)?),
        Kind::Identity => None,
    };
    request.sealed.clear();
    audit_event(
        &mut conn,
        ctx,
        app.clock.now(),
        &staff.actor(),
        match kind {
            Kind::Identity => "identity.request_viewed",
            Kind::Change => "profile.change_request_viewed",
        },
        &format!("account:{}", request.account_id),
        json!({ "request": id }),
    )
    .await?;
    Ok(Review {
        request,
        person,
        proposed,
    })
}

/// Staff approve a change request: the new values are written, with the history
/// naming staff; the account stays confirmed.
pub async fn approve_change(
    app: &App,
    ctx: &Ctx,
    staff: &SignedIn,
    id: &str,
) -> Result<(), AppError> {
    staff.authorize(Action::ConfirmIdentity)?;
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let request = requests::get(&mut tx, Kind::Change, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if request.status != "pending" {
        return Err(AppError::Conflict("request-already-decided"));
    }
    let current = profile::load(app, &mut tx, &request.account_id).await?;
    let next = proposed(app, &current, &request)?;
    if next.snils != current.snils
        && let Some(s) = &next.snils
        && profiles::holder_of(&mut tx, IndexColumn::Snils, &app.keys.index("snils", s))
            .await?
            .is_some_and(|holder| holder != request.account_id)
    {
        return Err(AppError::Conflict("change-request-snils-taken"));
    }
    profiles::put(
        &mut tx,
        &profile::to_row(app, &request.account_id, &next)?,
        now,
    )
    .await?;
    let login = next
        .snils
        .as_deref()
        .and_then(|s| Snils::parse(s).ok())
        .map(|s| app.login_key(&LoginId::Snils(s)));
    profiles::replace_login(&mut tx, &request.account_id, "snils", login.as_deref(), now).await?;
    let changed: Vec<&str> = profile::IDENTITY_FIELDS
        .iter()
        .copied()
        .filter(|f| profile::field_changed(&current, &next, f))
        .collect();
    for field in &changed {
        profile::record(
            &mut tx,
            &request.account_id,
            field,
            profile::shown(&current, field),
            profile::shown(&next, field),
            "staff",
            Some(staff.account.id.clone()),
            now,
        )
        .await?;
    }
    requests::decide(
        &mut tx,
        Kind::Change,
        id,
        "approved",
        &staff.account.id,
        None,
        now,
    )
    .await?;
    audit_event(
        &mut tx,
        ctx,
        now,
        &staff.actor(),
        "profile.change_approved",
        &format!("change_request:{id}"),
        json!({ "fields": changed }),
    )
    .await?;
    notices::notify(
        &mut tx,
        app,
        now,
        &request.account_id,
        &notices::Notice {
            category: kabinet_domain::notify::Category::PersonalData,
            subject_key: "notice-change-approved-subject",
            text_key: "notice-change-approved-message",
            args: &[],
            link: Some("/profile/history".to_owned()),
        },
    )
    .await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(())
}

/// Staff refuse a change request with a reason; the person is told.
pub async fn refuse_change(
    app: &App,
    ctx: &Ctx,
    staff: &SignedIn,
    id: &str,
    reason: &str,
) -> Result<(), AppError> {
    staff.authorize(Action::ConfirmIdentity)?;
    let reason = reason_required(reason)?;
    decide(app, ctx, staff, Kind::Change, id, "refused", &reason).await
}
