//! Requests to confirm one's identity and their decision by staff.

use crate::audit::audit_event;
use crate::auth::{SignedIn, notices};
use crate::files::{self, Upload};
use crate::profile::ConfirmMethod;
use crate::{App, AppError, Ctx, FieldError};
use kabinet_domain::access::Action;
use kabinet_domain::account::AccountLevel;
use kabinet_store::accounts;
use kabinet_store::requests::{self, Kind, Request};
use serde_json::json;

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
    match account.level {
        AccountLevel::Standard => {}
        AccountLevel::Confirmed => return Err(AppError::Conflict("identity-already-confirmed")),
        AccountLevel::Simplified => {
            return Err(AppError::Conflict("identity-request-needs-standard"));
        }
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

pub(super) fn reason_required(reason: &str) -> Result<String, AppError> {
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

pub(super) async fn decide(
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
