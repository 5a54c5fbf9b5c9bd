//! Organisations (ORG-1, ORG-2): a confirmed person registers a legal entity or a sole
//! proprietorship; staff verify it; members see it according to their role.

use kabinet_domain::access::Action;
use kabinet_domain::organisation::{self as rules, Kind, Role};
use kabinet_store::organizations::{self as store, Organization};
use serde_json::json;
use uuid::Uuid;

use crate::auth::{SignedIn, audit_event, notices};
use crate::{App, AppError, Ctx, FieldError};

/// What the person registers.
#[derive(Clone, Debug, Default)]
pub struct NewOrganisation {
    /// `legal_entity` or `sole_proprietor`.
    pub kind: String,
    /// ИНН.
    pub inn: String,
    /// ОГРН or ОГРНИП.
    pub ogrn: String,
    /// КПП (legal entities).
    pub kpp: String,
    /// Full name.
    pub full_name: String,
    /// Short name.
    pub short_name: String,
    /// Legal address.
    pub legal_address: String,
}

/// An organisation as its members (and staff) see it, identifiers opened.
#[derive(Clone, Debug)]
pub struct View {
    /// The row.
    pub org: Organization,
    /// ИНН.
    pub inn: String,
    /// ОГРН or ОГРНИП.
    pub ogrn: String,
    /// КПП.
    pub kpp: Option<String>,
    /// The viewer's role (`None` for staff).
    pub role: Option<Role>,
}

fn place(id: &str) -> String {
    format!("organizations:{id}")
}

fn corrupt(e: impl std::fmt::Display) -> AppError {
    AppError::Store(kabinet_store::StoreError::Corrupt(e.to_string()))
}

fn open(app: &App, org: Organization, role: Option<Role>) -> Result<View, AppError> {
    let ids: serde_json::Value = serde_json::from_str(
        &app.keys
            .open(&place(&org.id), &org.identifiers_sealed)
            .map_err(corrupt)?,
    )
    .map_err(corrupt)?;
    let text = |k: &str| ids[k].as_str().map(str::to_owned);
    Ok(View {
        inn: text("inn").unwrap_or_default(),
        ogrn: text("ogrn").unwrap_or_default(),
        kpp: text("kpp"),
        org,
        role,
    })
}

fn required(field: &'static str, value: &str, max: usize, errors: &mut Vec<FieldError>) -> String {
    let v = value.trim();
    if v.is_empty() {
        errors.push(FieldError::new(field, "form-required"));
    } else if v.chars().count() > max {
        errors.push(FieldError::new(field, "org-too-long"));
    }
    v.to_owned()
}

/// Registers an organisation: the person must be `confirmed`; the identifiers are
/// checked on their own and together; one organisation per ИНН. The person becomes its
/// administrator; the status is `pending_verification` until staff verify it.
pub async fn create(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    input: &NewOrganisation,
) -> Result<View, AppError> {
    who.authorize(Action::UseOwnApplications)?;
    if who.account.level != "confirmed" {
        return Err(AppError::Refused("org-needs-confirmed"));
    }
    let mut errors = Vec::new();
    let kind = Kind::parse(input.kind.trim());
    if kind.is_none() {
        errors.push(FieldError::new("kind", "org-kind"));
    }
    let full_name = required("full_name", &input.full_name, 500, &mut errors);
    let legal_address = required("legal_address", &input.legal_address, 500, &mut errors);
    let short_name: String = input.short_name.trim().chars().take(200).collect();
    let person = crate::profile::get(app, who).await?;
    let ids = match kind {
        Some(k) => match rules::check(
            k,
            &input.inn,
            &input.ogrn,
            &input.kpp,
            person.inn.as_deref(),
        ) {
            Ok(ids) => Some(ids),
            Err(problems) => {
                errors.extend(problems.into_iter().map(|(f, key)| FieldError::new(f, key)));
                None
            }
        },
        None => None,
    };
    let (Some(kind), Some(ids)) = (kind, ids) else {
        return Err(AppError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let now = app.clock.now();
    let id = Uuid::now_v7().to_string();
    let inn_index = app.keys.index("org-inn", &ids.inn);
    let sealed = app
        .keys
        .seal(
            &place(&id),
            &json!({ "inn": ids.inn, "ogrn": ids.ogrn, "kpp": ids.kpp }).to_string(),
        )
        .map_err(corrupt)?;
    let mut tx = app.store.begin().await?;
    if store::inn_taken(&mut tx, &inn_index).await? {
        return Err(AppError::Conflict("org-inn-taken"));
    }
    let org = Organization {
        id: id.clone(),
        kind: kind.as_str().to_owned(),
        inn_index,
        identifiers_sealed: sealed,
        full_name,
        short_name: (!short_name.is_empty()).then_some(short_name),
        legal_address,
        status: "pending_verification".into(),
        decision: None,
        created_by: who.actor(),
        created_at: now,
        updated_at: now,
    };
    store::insert(&mut tx, &org).await?;
    store::put_member(
        &mut tx,
        &id,
        &who.account.id,
        Role::Administrator.as_str(),
        now,
    )
    .await?;
    audit_event(
        &mut tx,
        ctx,
        now,
        &who.actor(),
        "organization.created",
        &format!("organization:{id}"),
        json!({ "kind": kind.as_str() }),
    )
    .await?;
    notices::notify(
        &mut tx,
        app,
        now,
        &who.account.id,
        &notices::Notice {
            category: kabinet_domain::notify::Category::PersonalData,
            subject_key: "notice-org-created-subject",
            text_key: "notice-org-created-message",
            args: &[("name", org.full_name.as_str())],
            link: Some(format!("/organizations/{id}")),
        },
    )
    .await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    open(app, org, Some(Role::Administrator))
}

/// An organisation the caller is a member of (anyone else gets "not found").
pub async fn get(app: &App, who: &SignedIn, id: &str) -> Result<View, AppError> {
    who.authorize(Action::UseOwnApplications)?;
    let mut conn = app.store.acquire().await?;
    let role = store::role_of(&mut conn, id, &who.account.id)
        .await?
        .and_then(|r| Role::parse(&r))
        .ok_or(AppError::NotFound)?;
    let org = store::get(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    open(app, org, Some(role))
}

/// The caller's organisations with their role.
pub async fn mine(app: &App, who: &SignedIn) -> Result<Vec<(Organization, String)>, AppError> {
    who.authorize(Action::UseOwnApplications)?;
    let mut conn = app.store.acquire().await?;
    Ok(store::of_account(&mut conn, &who.account.id).await?)
}

/// The members of an organisation the caller belongs to: `(account_id, role)`.
pub async fn members(
    app: &App,
    who: &SignedIn,
    id: &str,
) -> Result<Vec<(String, String)>, AppError> {
    who.authorize(Action::UseOwnApplications)?;
    let mut conn = app.store.acquire().await?;
    if store::role_of(&mut conn, id, &who.account.id)
        .await?
        .is_none()
    {
        return Err(AppError::NotFound);
    }
    Ok(store::members(&mut conn, id).await?)
}

/// Organisations waiting for verification, oldest first (staff who decide requests).
pub async fn pending(app: &App, staff: &SignedIn) -> Result<Vec<View>, AppError> {
    staff.authorize(Action::ConfirmIdentity)?;
    let mut conn = app.store.acquire().await?;
    store::with_status(&mut conn, "pending_verification", 200)
        .await?
        .into_iter()
        .map(|o| open(app, o, None))
        .collect()
}

/// Staff verify (`active`) or refuse (with a reason) an organisation; its
/// administrators are told.
pub async fn decide(
    app: &App,
    ctx: &Ctx,
    staff: &SignedIn,
    id: &str,
    verify: bool,
    comment: &str,
) -> Result<(), AppError> {
    staff.authorize(Action::ConfirmIdentity)?;
    let comment: String = comment.trim().chars().take(1000).collect();
    if !verify && comment.is_empty() {
        return Err(AppError::Validation(vec![FieldError::new(
            "comment",
            "request-reason-required",
        )]));
    }
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let org = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let to = if verify { "active" } else { "refused" };
    let note = (!comment.is_empty()).then_some(comment.as_str());
    if !store::decide(&mut tx, id, "pending_verification", to, note, now).await? {
        return Err(AppError::Conflict("org-already-decided"));
    }
    audit_event(
        &mut tx,
        ctx,
        now,
        &staff.actor(),
        if verify {
            "organization.verified"
        } else {
            "organization.refused"
        },
        &format!("organization:{id}"),
        json!({ "comment": note }),
    )
    .await?;
    let (subject, text) = if verify {
        ("notice-org-verified-subject", "notice-org-verified-message")
    } else {
        ("notice-org-refused-subject", "notice-org-refused-message")
    };
    for (account, role) in store::members(&mut tx, id).await? {
        if role == Role::Administrator.as_str() {
            notices::notify(
                &mut tx,
                app,
                now,
                &account,
                &notices::Notice {
                    category: kabinet_domain::notify::Category::PersonalData,
                    subject_key: subject,
                    text_key: text,
                    args: &[
                        ("name", org.full_name.as_str()),
                        ("reason", comment.as_str()),
                    ],
                    link: Some(format!("/organizations/{id}")),
                },
            )
            .await?;
        }
    }
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(())
}
