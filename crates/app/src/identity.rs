//! «Подтвердить личность» and changes of confirmed data (ID-11, PR-3): the person
//! files a request — a way to confirm (in person, a video meeting) with a passport
//! scan, or new values with a reason and a document — and staff decide it. Approved
//! changes are written by staff, bypassing the lock on confirmed data.
//!
//! The staff queue pages come with the back office; the use cases and the API are here.

use crate::profile::Profile;
use kabinet_domain::access::Action;
use kabinet_domain::ids::Snils;
use kabinet_domain::login::LoginId;
use kabinet_store::accounts;
use kabinet_store::profiles::{self, IndexColumn};
use kabinet_store::requests::{self, Kind, Request};
use serde_json::json;

use crate::auth::{SignedIn, audit_event, notices};
use crate::files::{self, Upload};
use crate::profile::{self, ConfirmMethod, PassportData, ProfileInput};
use crate::{App, AppError, Ctx, FieldError};

/// A person asks for their identity to be confirmed. A video meeting needs a passport
/// scan; in person the passport is shown at the office.
pub async fn request_confirmation(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    method: ConfirmMethod,
    comment: &str,
    scan: Option<&Upload>,
) -> Result<String, AppError> {
    who.authorize(Action::ManageOwnProfile)?;
    if method == ConfirmMethod::Video && scan.is_none() {
        return Err(AppError::Validation(vec![FieldError::new(
            "scan",
            "identity-scan-required",
        )]));
    }
    if let Some(scan) = scan {
        files::check(scan, "scan")?;
    }
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let account = accounts::get(&mut tx, &who.account.id)
        .await?
        .ok_or(AppError::NotFound)?;
    match account.level.as_str() {
        "standard" => {}
        "confirmed" => return Err(AppError::Conflict("identity-already-confirmed")),
        _ => return Err(AppError::Conflict("identity-request-needs-standard")),
    }
    let pending = requests::of_account(&mut tx, Kind::Identity, &who.account.id).await?;
    if pending.iter().any(|r| r.status == "pending") {
        return Err(AppError::Conflict("identity-request-pending"));
    }
    let stored = match scan {
        Some(s) => {
            Some(files::store_own(app, &mut tx, &who.account.id, "identity", s, "scan").await?)
        }
        None => None,
    };
    let id = uuid::Uuid::now_v7().to_string();
    let comment: String = comment.trim().chars().take(1000).collect();
    let result = async {
        requests::insert(
            &mut tx,
            Kind::Identity,
            &Request {
                id: id.clone(),
                account_id: who.account.id.clone(),
                what: method.as_str().to_owned(),
                sealed: String::new(),
                text: (!comment.is_empty()).then_some(comment),
                file_id: stored.as_ref().map(|s| s.record.id.clone()),
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
            "identity.requested",
            &format!("identity_request:{id}"),
            json!({ "method": method.as_str(), "scan": stored.is_some() }),
        )
        .await?;
        notices::notify(
            &mut tx,
            app,
            now,
            &who.account.id,
            &notices::Notice {
                category: kabinet_domain::notify::Category::PersonalData,
                subject_key: "notice-identity-requested-subject",
                text_key: "notice-identity-requested-message",
                args: &[],
                link: Some("/profile/identity".to_owned()),
            },
        )
        .await
    }
    .await;
    if let Err(e) = result {
        if let Some(s) = stored {
            s.discard().await;
        }
        return Err(e);
    }
    files::commit_or_discard(tx, stored).await?;
    app.outbox_wake.notify_one();
    Ok(id)
}

/// The person's own identity requests, newest first.
pub async fn my_identity_requests(app: &App, who: &SignedIn) -> Result<Vec<Request>, AppError> {
    who.authorize(Action::ManageOwnProfile)?;
    let mut conn = app
        .store
        .pool()
        .acquire()
        .await
        .map_err(kabinet_store::StoreError::from)?;
    Ok(requests::of_account(&mut conn, Kind::Identity, &who.account.id).await?)
}

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

/// Pending requests for staff, oldest first.
pub async fn queue(app: &App, staff: &SignedIn, kind: Kind) -> Result<Vec<Request>, AppError> {
    staff.authorize(Action::ConfirmIdentity)?;
    let mut conn = app
        .store
        .pool()
        .acquire()
        .await
        .map_err(kabinet_store::StoreError::from)?;
    let mut list = requests::with_status(&mut conn, kind, "pending", 200).await?;
    for r in &mut list {
        r.sealed.clear();
    }
    Ok(list)
}

fn reason_required(reason: &str) -> Result<String, AppError> {
    let reason: String = reason.trim().chars().take(2000).collect();
    if reason.is_empty() {
        return Err(AppError::Validation(vec![FieldError::new(
            "reason",
            "request-reason-required",
        )]));
    }
    Ok(reason)
}

/// Staff refuse an identity request with a reason; the person is told.
pub async fn refuse_identity(
    app: &App,
    ctx: &Ctx,
    staff: &SignedIn,
    id: &str,
    reason: &str,
) -> Result<(), AppError> {
    staff.authorize(Action::ConfirmIdentity)?;
    let reason = reason_required(reason)?;
    decide(app, ctx, staff, Kind::Identity, id, "refused", &reason).await
}

async fn decide(
    app: &App,
    ctx: &Ctx,
    staff: &SignedIn,
    kind: Kind,
    id: &str,
    status: &str,
    reason: &str,
) -> Result<(), AppError> {
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let request = requests::get(&mut tx, kind, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !requests::decide(
        &mut tx,
        kind,
        id,
        status,
        &staff.account.id,
        Some(reason),
        now,
    )
    .await?
    {
        return Err(AppError::Conflict("request-already-decided"));
    }
    let (object, action, subject, message) = match kind {
        Kind::Identity => (
            "identity_request",
            "identity.refused",
            "notice-identity-refused-subject",
            "notice-identity-refused-message",
        ),
        Kind::Change => (
            "change_request",
            "profile.change_refused",
            "notice-change-refused-subject",
            "notice-change-refused-message",
        ),
    };
    audit_event(
        &mut tx,
        ctx,
        now,
        &staff.actor(),
        action,
        &format!("{object}:{id}"),
        json!({ "reason": reason }),
    )
    .await?;
    notices::notify(
        &mut tx,
        app,
        now,
        &request.account_id,
        &notices::Notice {
            category: kabinet_domain::notify::Category::PersonalData,
            subject_key: subject,
            text_key: message,
            args: &[("reason", reason)],
            link: Some(
                match kind {
                    Kind::Identity => "/profile/identity",
                    Kind::Change => "/profile/change-request",
                }
                .to_owned(),
            ),
        },
    )
    .await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(())
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
    if current.level != "confirmed" {
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
        .map_err(|e| AppError::Store(kabinet_store::StoreError::Corrupt(e.to_string())))?;
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
fn proposed(app: &App, current: &Profile, request: &Request) -> Result<Profile, AppError> {
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

/// A request's attached file, for its owner or for staff who decide requests
/// (a staff view of a document is itself audited).
pub async fn attachment(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    file_id: &str,
) -> Result<(kabinet_store::requests::FileRecord, Vec<u8>), AppError> {
    let mut conn = app
        .store
        .pool()
        .acquire()
        .await
        .map_err(kabinet_store::StoreError::from)?;
    let record = requests::get_file(&mut conn, file_id)
        .await?
        .ok_or(AppError::NotFound)?;
    // An organisation's file is reached through the organisation (by its members in
    // its context), not as the uploader's own.
    let mine = record.account_id == who.account.id
        && !requests::is_organizations(&mut conn, file_id).await?;
    drop(conn);
    if !mine {
        // Not the owner: staff only, and never a 403 that confirms the file exists.
        who.authorize(Action::ConfirmIdentity)
            .map_err(|_| AppError::NotFound)?;
        let now = app.clock.now();
        let mut tx = app.store.begin().await?;
        audit_event(
            &mut tx,
            ctx,
            now,
            &who.actor(),
            "files.viewed_by_staff",
            &format!("file:{file_id}"),
            json!({ "account": record.account_id }),
        )
        .await?;
        tx.commit().await?;
    }
    let bytes = files::read(app, &record).await?;
    Ok((record, bytes))
}
