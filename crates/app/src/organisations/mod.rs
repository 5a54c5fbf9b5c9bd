//! Organisations (ORG-1, ORG-2): a confirmed person registers a legal entity or a sole
//! proprietorship; staff verify it; members see it according to their role.

mod changes;
mod create;
mod documents;
mod members;
mod staff;

pub use changes::{
    ChangeView, change_requests, decide_change, history, pending_changes, request_change,
    update_data,
};
use create::check_data;
pub(crate) use create::registry_check;
pub use create::{NewOrganisation, create};
pub use documents::{DOCUMENT_KINDS, Document, add_document, document, documents};
pub(crate) use members::leave_all;
pub use members::{
    INVITATION_DAYS, acting, answer_invitation, change_member, invite, members, members_named,
    switch,
};
use staff::staff_comment;
pub use staff::{decide, label_for_staff, pending};

use crate::audit::audit_event;
use crate::auth::{SignedIn, notices};
use crate::{App, AppError, Ctx, FieldError};
use kabinet_domain::access::{Action, OrgAction};
use kabinet_domain::organisation::Role;
use kabinet_store::organizations::{self as store, Organization};

/// Every message key this module may use in an answer.
pub const MESSAGE_KEYS: &[&str] = &[
    "org-needs-confirmed",
    "org-kind",
    "org-too-long",
    "org-inn-taken",
    "org-already-decided",
    "org-role-denied",
    "org-role-unknown",
    "org-not-active",
    "org-not-acting",
    "org-invitation-invalid",
    "org-invitation-used",
    "org-invitation-expired",
    "org-invitation-not-yours",
    "org-last-administrator",
    "org-date-future",
    "org-document-kind",
    "org-change-nothing",
    "org-change-pending",
];

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

/// Records a change: the audit entry (`action`) and its line in «История изменений»
/// (`what` = the action without `organization.`), in the caller's transaction.
#[allow(clippy::too_many_arguments)]
async fn record(
    conn: &mut kabinet_store::Conn,
    ctx: &Ctx,
    now: time::OffsetDateTime,
    actor: &str,
    actor_kind: &str,
    organization_id: &str,
    action: &str,
    details: serde_json::Value,
) -> Result<(), AppError> {
    audit_event(
        conn,
        ctx,
        now,
        actor,
        action,
        &format!("organization:{organization_id}"),
        details.clone(),
    )
    .await?;
    store::add_history(
        conn,
        organization_id,
        &store::HistoryEntry {
            at: now,
            actor: actor.to_owned(),
            actor_kind: actor_kind.to_owned(),
            what: action
                .strip_prefix("organization.")
                .unwrap_or(action)
                .to_owned(),
            details: details.to_string(),
        },
    )
    .await?;
    Ok(())
}

// ---- members and invitations (ORG-2) ----

/// The caller's role in an organisation; "not found" to anyone who is not a member.
async fn member_role(
    conn: &mut kabinet_store::Conn,
    who: &SignedIn,
    id: &str,
) -> Result<Role, AppError> {
    store::role_of(conn, id, &who.account.id)
        .await?
        .and_then(|r| Role::parse(&r))
        .ok_or(AppError::NotFound)
}

fn require(role: Role, act: OrgAction) -> Result<(), AppError> {
    if act.allows(role) {
        Ok(())
    } else {
        Err(AppError::Refused("org-role-denied"))
    }
}

/// Tells the organisation's administrators about a change (`reason`: staff's comment
/// where the message has one).
#[allow(clippy::too_many_arguments)]
async fn tell_administrators_why(
    conn: &mut kabinet_store::Conn,
    app: &App,
    now: time::OffsetDateTime,
    org: &Organization,
    subject_key: &str,
    text_key: &str,
    reason: &str,
) -> Result<(), AppError> {
    for (account, role) in store::members(conn, &org.id).await? {
        if role == Role::Administrator.as_str() {
            notices::notify(
                conn,
                app,
                now,
                &account,
                &notices::Notice {
                    category: kabinet_domain::notify::Category::PersonalData,
                    subject_key,
                    text_key,
                    args: &[("name", org.full_name.as_str()), ("reason", reason)],
                    link: Some(format!("/organizations/{}", org.id)),
                },
            )
            .await?;
        }
    }
    Ok(())
}

/// Tells the organisation's administrators about a change.
async fn tell_administrators(
    conn: &mut kabinet_store::Conn,
    app: &App,
    now: time::OffsetDateTime,
    org: &Organization,
    subject_key: &str,
    text_key: &str,
) -> Result<(), AppError> {
    tell_administrators_why(conn, app, now, org, subject_key, text_key, "").await
}

/// What an organisation's application form is prefilled with, by binding: its name,
/// ИНН, legal address and contacts (never the acting person's own data).
pub(crate) async fn prefill(
    app: &App,
    conn: &mut kabinet_store::Conn,
    id: &str,
) -> Result<Vec<(&'static str, String)>, AppError> {
    let org = store::get(conn, id).await?.ok_or(AppError::NotFound)?;
    let v = open(app, org, None)?;
    let mut out = vec![
        ("profile.full_name", v.org.full_name.clone()),
        ("profile.inn", v.inn.clone()),
        ("profile.address.registration", v.org.legal_address.clone()),
    ];
    if let Some(e) = v.org.card.contact_email {
        out.push(("profile.email", e));
    }
    if let Some(p) = v.org.card.contact_phone {
        out.push(("profile.phone", p));
    }
    Ok(out)
}
