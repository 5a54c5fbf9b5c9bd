//! Changes to an organisation's data: made directly or requested and decided by staff.

use crate::auth::SignedIn;
use crate::{App, AppError, Ctx, FieldError};
use kabinet_domain::access::{Action, OrgAction};
use kabinet_domain::organisation::{self as rules, Kind};
use kabinet_store::organizations::{self as store, Organization};
use serde_json::json;
use uuid::Uuid;

use super::*;

/// An administrator changes the names, address and card data (the identifiers change
/// only by a request to staff). Every changed field is named in «История изменений»;
/// the administrators are told.
pub async fn update_data(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    id: &str,
    input: &NewOrganisation,
) -> Result<View, AppError> {
    who.authorize(Action::UseOwnApplications)?;
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let role = member_role(&mut tx, who, id).await?;
    require(role, OrgAction::ManageData)?;
    let mut errors = Vec::new();
    let (full_name, short_name, legal_address, card) = check_data(input, now.date(), &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let before = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let after = Organization {
        full_name,
        short_name,
        legal_address,
        card,
        updated_at: now,
        ..before.clone()
    };
    let changed: Vec<&str> = [
        ("full_name", before.full_name != after.full_name),
        ("short_name", before.short_name != after.short_name),
        ("legal_address", before.legal_address != after.legal_address),
        (
            "registered_on",
            before.card.registered_on != after.card.registered_on,
        ),
        (
            "responsible",
            before.card.responsible != after.card.responsible,
        ),
        (
            "contact_email",
            before.card.contact_email != after.card.contact_email,
        ),
        (
            "contact_phone",
            before.card.contact_phone != after.card.contact_phone,
        ),
    ]
    .into_iter()
    .filter_map(|(f, c)| c.then_some(f))
    .collect();
    if changed.is_empty() {
        return open(app, before, Some(role));
    }
    store::update_data(&mut tx, &after, now).await?;
    record(
        &mut tx,
        ctx,
        now,
        &who.actor(),
        "member",
        id,
        "organization.data_changed",
        json!({ "fields": changed }),
    )
    .await?;
    tell_administrators(
        &mut tx,
        app,
        now,
        &after,
        "notice-org-changed-subject",
        "notice-org-changed-message",
    )
    .await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    open(app, after, Some(role))
}

/// «История изменений», newest first (members; staff who verify organisations).
pub async fn history(
    app: &App,
    who: &SignedIn,
    id: &str,
) -> Result<Vec<store::HistoryEntry>, AppError> {
    let mut conn = app.store.acquire().await?;
    if who.authorize(Action::ConfirmIdentity).is_err() {
        who.authorize(Action::UseOwnApplications)?;
        member_role(&mut conn, who, id).await?;
    }
    Ok(store::history(&mut conn, id, 200).await?)
}

/// A change request as shown, the proposed identifiers opened.
#[derive(Clone, Debug)]
pub struct ChangeView {
    /// The row.
    pub request: store::ChangeRequest,
    /// Proposed ИНН.
    pub inn: String,
    /// Proposed ОГРН or ОГРНИП.
    pub ogrn: String,
    /// Proposed КПП.
    pub kpp: Option<String>,
}

pub(super) fn change_place(id: &str) -> String {
    format!("organization_change_requests:{id}")
}

pub(super) fn open_change(
    app: &App,
    request: store::ChangeRequest,
) -> Result<ChangeView, AppError> {
    let ids: serde_json::Value = serde_json::from_str(
        &app.keys
            .open(&change_place(&request.id), &request.proposed_sealed)
            .map_err(corrupt)?,
    )
    .map_err(corrupt)?;
    let text = |k: &str| ids[k].as_str().map(str::to_owned);
    Ok(ChangeView {
        inn: text("inn").unwrap_or_default(),
        ogrn: text("ogrn").unwrap_or_default(),
        kpp: text("kpp"),
        request,
    })
}

/// An administrator asks staff to change identifiers: the empty ones stay as they are;
/// the result is checked as a whole (a sole proprietor's ИНН is the person's and cannot
/// change); a reason is required; one pending request at a time.
pub async fn request_change(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    id: &str,
    input: &NewOrganisation,
    reason: &str,
) -> Result<ChangeView, AppError> {
    who.authorize(Action::UseOwnApplications)?;
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let role = member_role(&mut tx, who, id).await?;
    require(role, OrgAction::ManageData)?;
    let org = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let current = open(app, org.clone(), Some(role))?;
    let kind = Kind::parse(&org.kind).ok_or_else(|| corrupt("organisation kind"))?;
    let pick = |given: &str, now: &str| {
        if given.trim().is_empty() {
            now.to_owned()
        } else {
            given.trim().to_owned()
        }
    };
    let inn = pick(&input.inn, &current.inn);
    let ogrn = pick(&input.ogrn, &current.ogrn);
    let kpp = pick(&input.kpp, current.kpp.as_deref().unwrap_or(""));
    let mut errors = Vec::new();
    let reason: String = reason.trim().chars().take(2000).collect();
    if reason.is_empty() {
        errors.push(FieldError::new("reason", "request-reason-required"));
    }
    // A sole proprietor's ИНН is the person's own: it stays the current one.
    let own_inn = (kind == Kind::SoleProprietor).then_some(current.inn.as_str());
    let ids = match rules::check(kind, &inn, &ogrn, &kpp, own_inn) {
        Ok(ids) => Some(ids),
        Err(problems) => {
            errors.extend(problems.into_iter().map(|(f, key)| FieldError::new(f, key)));
            None
        }
    };
    let Some(ids) = ids.filter(|_| errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let fields: Vec<&str> = [
        ("inn", ids.inn != current.inn),
        ("ogrn", ids.ogrn != current.ogrn),
        ("kpp", ids.kpp != current.kpp),
    ]
    .into_iter()
    .filter_map(|(f, c)| c.then_some(f))
    .collect();
    if fields.is_empty() {
        return Err(AppError::Validation(vec![FieldError::new(
            "inn",
            "org-change-nothing",
        )]));
    }
    if store::change_requests(&mut tx, Some(id))
        .await?
        .iter()
        .any(|r| r.status == "pending")
    {
        return Err(AppError::Conflict("org-change-pending"));
    }
    let request_id = Uuid::now_v7().to_string();
    let request = store::ChangeRequest {
        id: request_id.clone(),
        organization_id: id.to_owned(),
        proposed_sealed: app
            .keys
            .seal(
                &change_place(&request_id),
                &json!({ "inn": ids.inn, "ogrn": ids.ogrn, "kpp": ids.kpp }).to_string(),
            )
            .map_err(corrupt)?,
        fields: fields.join(","),
        reason,
        status: "pending".into(),
        decision: None,
        created_by: who.actor(),
        created_at: now,
    };
    // The index allows one pending request: of two at the same moment, one is refused.
    store::insert_change_request(&mut tx, &request)
        .await
        .map_err(|e| {
            if e.is_unique_violation() {
                AppError::Conflict("org-change-pending")
            } else {
                e.into()
            }
        })?;
    record(
        &mut tx,
        ctx,
        now,
        &who.actor(),
        "member",
        id,
        "organization.change_requested",
        json!({ "request": request_id, "fields": fields }),
    )
    .await?;
    tell_administrators(
        &mut tx,
        app,
        now,
        &org,
        "notice-org-change-sent-subject",
        "notice-org-change-sent-message",
    )
    .await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    open_change(app, request)
}

/// The organisation's change requests, newest first (members).
pub async fn change_requests(
    app: &App,
    who: &SignedIn,
    id: &str,
) -> Result<Vec<ChangeView>, AppError> {
    who.authorize(Action::UseOwnApplications)?;
    let mut conn = app.store.acquire().await?;
    member_role(&mut conn, who, id).await?;
    store::change_requests(&mut conn, Some(id))
        .await?
        .into_iter()
        .map(|r| open_change(app, r))
        .collect()
}

/// Pending change requests with their organisation, oldest first (staff).
pub async fn pending_changes(
    app: &App,
    staff: &SignedIn,
) -> Result<Vec<(ChangeView, View)>, AppError> {
    staff.authorize(Action::ConfirmIdentity)?;
    let mut conn = app.store.acquire().await?;
    let mut out = Vec::new();
    for r in store::change_requests(&mut conn, None).await? {
        let org = store::get(&mut conn, &r.organization_id)
            .await?
            .ok_or(AppError::NotFound)?;
        out.push((open_change(app, r)?, open(app, org, None)?));
    }
    Ok(out)
}

/// Staff approve (the identifiers change; a new ИНН must not belong to another
/// organisation) or refuse (with a reason) a change request; the administrators are
/// told, «История изменений» records it.
pub async fn decide_change(
    app: &App,
    ctx: &Ctx,
    staff: &SignedIn,
    request_id: &str,
    approve: bool,
    comment: &str,
) -> Result<(), AppError> {
    staff.authorize(Action::ConfirmIdentity)?;
    let comment = staff_comment(comment, !approve)?;
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let request = store::change_request_by_id(&mut tx, request_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let org = store::get(&mut tx, &request.organization_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let view = open_change(app, request.clone())?;
    let note = (!comment.is_empty()).then_some(comment.as_str());
    if !store::decide_change_request(
        &mut tx,
        request_id,
        if approve { "approved" } else { "refused" },
        note,
        &staff.actor(),
        now,
    )
    .await?
    {
        return Err(AppError::Conflict("org-already-decided"));
    }
    if approve {
        let inn_index = app.keys.index("org-inn", &view.inn);
        if inn_index != org.inn_index && store::inn_taken(&mut tx, &inn_index).await? {
            return Err(AppError::Conflict("org-inn-taken"));
        }
        let sealed = app
            .keys
            .seal(
                &place(&org.id),
                &json!({ "inn": view.inn, "ogrn": view.ogrn, "kpp": view.kpp }).to_string(),
            )
            .map_err(corrupt)?;
        store::set_identifiers(&mut tx, &org.id, &inn_index, &sealed, now).await?;
    }
    let fields: Vec<&str> = request.fields.split(',').collect();
    record(
        &mut tx,
        ctx,
        now,
        &staff.actor(),
        "staff",
        &org.id,
        if approve {
            "organization.identifiers_changed"
        } else {
            "organization.change_refused"
        },
        json!({ "request": request_id, "fields": fields, "comment": note }),
    )
    .await?;
    let (subject, text) = if approve {
        (
            "notice-org-change-approved-subject",
            "notice-org-change-approved-message",
        )
    } else {
        (
            "notice-org-change-refused-subject",
            "notice-org-change-refused-message",
        )
    };
    tell_administrators_why(&mut tx, app, now, &org, subject, text, &comment).await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(())
}
