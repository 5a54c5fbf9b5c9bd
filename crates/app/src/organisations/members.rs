//! Members: invitations, roles, leaving, and acting on behalf of an organisation.

use crate::audit::audit_event;
use crate::auth::{Acting, SignedIn, notices};
use crate::{App, AppError, Ctx, FieldError};
use kabinet_domain::access::{Action, OrgAction};
use kabinet_domain::organisation::{self as rules, Role};
use kabinet_store::organizations::{self as store};
use serde_json::json;
use uuid::Uuid;

use super::*;

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

/// How long an invitation's code is valid.
pub const INVITATION_DAYS: i64 = 7;

pub(super) fn invitation_code() -> Result<String, AppError> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0_u8; 10];
    getrandom::fill(&mut bytes).map_err(corrupt)?;
    Ok(bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect())
}

/// An administrator invites a person by e-mail or phone with a role; the code goes to
/// that contact and is valid for [`INVITATION_DAYS`] days. Answers the invitation's id.
pub async fn invite(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    id: &str,
    contact: &str,
    role: &str,
) -> Result<String, AppError> {
    who.authorize(Action::UseOwnApplications)?;
    let mut errors = Vec::new();
    let contact = kabinet_domain::login::Contact::parse(contact.trim())
        .map_err(|e| errors.push(FieldError::new("contact", e.message_key())))
        .ok();
    let role = Role::parse(role.trim());
    if role.is_none() {
        errors.push(FieldError::new("role", "org-role-unknown"));
    }
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let mine = member_role(&mut tx, who, id).await?;
    require(mine, OrgAction::ManageMembers)?;
    let (Some(contact), Some(role)) = (contact, role) else {
        return Err(AppError::Validation(errors));
    };
    let org = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if org.status != "active" {
        return Err(AppError::Conflict("org-not-active"));
    }
    let code = invitation_code()?;
    let invitation = store::Invitation {
        id: Uuid::now_v7().to_string(),
        organization_id: id.to_owned(),
        contact_key: contact.login().key(),
        role: role.as_str().to_owned(),
        status: "pending".into(),
        expires_at: now + time::Duration::days(INVITATION_DAYS),
    };
    store::insert_invitation(
        &mut tx,
        &invitation,
        &crate::auth::sha256_hex(&code),
        &who.actor(),
        now,
    )
    .await?;
    record(
        &mut tx,
        ctx,
        now,
        &who.actor(),
        "member",
        id,
        "organization.invited",
        json!({ "invitation": invitation.id, "role": role.as_str(), "contact_kind": contact.kind() }),
    )
    .await?;
    let role_name = app.i18n.t(&format!("org-role-{}", role.as_str()));
    let expires = crate::format::day(invitation.expires_at.date());
    let text = app.i18n.t_with(
        "org-invitation-message",
        &[
            ("name", org.full_name.as_str()),
            ("role", role_name.as_str()),
            ("code", code.as_str()),
            ("date", expires.as_str()),
        ],
    );
    let message = notices::text_message(
        contact.kind(),
        contact.as_str(),
        app.i18n.t("org-invitation-subject"),
        text,
    );
    notices::send(&mut tx, app, now, &message).await?;
    tell_administrators(
        &mut tx,
        app,
        now,
        &org,
        "notice-org-invited-subject",
        "notice-org-invited-message",
    )
    .await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(invitation.id)
}

/// The invitee accepts (`accept`) or declines an invitation by its code: only while it
/// is pending and valid, and only the person who has the invited contact confirmed.
/// Answers the organisation and the role.
pub async fn answer_invitation(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    code: &str,
    accept: bool,
) -> Result<(String, Role), AppError> {
    who.authorize(Action::UseOwnApplications)?;
    let code = code.trim().to_uppercase();
    if code.is_empty() {
        return Err(AppError::Validation(vec![FieldError::new(
            "code",
            "form-required",
        )]));
    }
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let inv = store::invitation_by_code(&mut tx, &crate::auth::sha256_hex(&code))
        .await?
        .ok_or_else(|| {
            AppError::Validation(vec![FieldError::new("code", "org-invitation-invalid")])
        })?;
    if inv.status != "pending" {
        return Err(AppError::Conflict("org-invitation-used"));
    }
    if inv.expires_at <= now {
        return Err(AppError::Conflict("org-invitation-expired"));
    }
    let mine = kabinet_store::accounts::contacts(&mut tx, &who.account.id)
        .await?
        .into_iter()
        .filter_map(|(_, value)| kabinet_domain::login::Contact::parse(&value).ok())
        .any(|c| c.login().key() == inv.contact_key);
    if !mine {
        return Err(AppError::Refused("org-invitation-not-yours"));
    }
    let role = Role::parse(&inv.role).ok_or_else(|| corrupt("invitation role"))?;
    if !store::close_invitation(
        &mut tx,
        &inv.id,
        if accept { "accepted" } else { "declined" },
    )
    .await?
    {
        return Err(AppError::Conflict("org-invitation-used"));
    }
    let org = store::get(&mut tx, &inv.organization_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if accept {
        store::put_member(&mut tx, &org.id, &who.account.id, role.as_str(), now).await?;
    }
    record(
        &mut tx,
        ctx,
        now,
        &who.actor(),
        "member",
        &org.id,
        if accept {
            "organization.invitation_accepted"
        } else {
            "organization.invitation_declined"
        },
        json!({ "invitation": inv.id, "role": role.as_str() }),
    )
    .await?;
    let (subject, text) = if accept {
        ("notice-org-joined-subject", "notice-org-joined-message")
    } else {
        ("notice-org-declined-subject", "notice-org-declined-message")
    };
    tell_administrators(&mut tx, app, now, &org, subject, text).await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok((org.id, role))
}

/// An administrator changes a member's role, or removes them (`role` = `None`); a
/// member may remove themselves (leave). The last administrator can neither leave nor
/// be demoted.
pub async fn change_member(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    id: &str,
    account_id: &str,
    role: Option<&str>,
) -> Result<(), AppError> {
    who.authorize(Action::UseOwnApplications)?;
    let next = match role {
        Some(r) => Some(Role::parse(r).ok_or_else(|| {
            AppError::Validation(vec![FieldError::new("role", "org-role-unknown")])
        })?),
        None => None,
    };
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    store::lock_members(&mut tx, id).await?;
    let mine = member_role(&mut tx, who, id).await?;
    let leaving = next.is_none() && account_id == who.account.id;
    if !leaving {
        require(mine, OrgAction::ManageMembers)?;
    }
    let members = store::members(&mut tx, id).await?;
    let current = members
        .iter()
        .find(|(a, _)| a == account_id)
        .and_then(|(_, r)| Role::parse(r))
        .ok_or(AppError::NotFound)?;
    let administrators = members
        .iter()
        .filter(|(_, r)| r == Role::Administrator.as_str())
        .count();
    if rules::leaves_no_administrator(current, next, administrators) {
        return Err(AppError::Conflict("org-last-administrator"));
    }
    match next {
        Some(r) => store::put_member(&mut tx, id, account_id, r.as_str(), now).await?,
        None => {
            store::remove_member(&mut tx, id, account_id).await?;
        }
    }
    record(
        &mut tx,
        ctx,
        now,
        &who.actor(),
        "member",
        id,
        if next.is_some() {
            "organization.role_changed"
        } else {
            "organization.member_removed"
        },
        json!({ "member": format!("account:{account_id}"), "from": current.as_str(), "to": next.map(Role::as_str) }),
    )
    .await?;
    let org = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    tell_administrators(
        &mut tx,
        app,
        now,
        &org,
        "notice-org-members-subject",
        "notice-org-members-message",
    )
    .await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(())
}

// ---- acting for an organisation (ORG-2) ----

/// The organisation a member may act for now: a member of it, and it is `active`.
/// Anyone else gets "not found" (the id tells them nothing); a member of an
/// organisation still waiting for verification (or refused) gets a conflict.
pub async fn acting(app: &App, who: &SignedIn, id: &str) -> Result<Acting, AppError> {
    who.authorize(Action::UseOwnApplications)?;
    let mut conn = app.store.acquire().await?;
    let role = member_role(&mut conn, who, id).await?;
    let org = store::get(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    if org.status != "active" {
        return Err(AppError::Conflict("org-not-active"));
    }
    Ok(Acting {
        organization_id: org.id,
        role,
        name: org.short_name.unwrap_or(org.full_name),
    })
}

/// Pages: the session starts acting for an organisation (`Some`) or as the private
/// person again (`None`). Recorded in the audit log.
pub async fn switch(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    id: Option<&str>,
) -> Result<Option<Acting>, AppError> {
    let acting = match id {
        Some(id) => Some(self::acting(app, who, id).await?),
        None => None,
    };
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    kabinet_store::sessions::set_organization(
        &mut tx,
        &who.session_id,
        acting.as_ref().map(|a| a.organization_id.as_str()),
    )
    .await?;
    let (action, object) = match (&acting, &who.acting) {
        (Some(a), _) => ("organization.acting_started", a.organization_id.clone()),
        (None, Some(was)) => ("organization.acting_ended", was.organization_id.clone()),
        (None, None) => {
            tx.commit().await?;
            return Ok(None);
        }
    };
    audit_event(
        &mut tx,
        ctx,
        now,
        &who.actor(),
        action,
        &format!("organization:{object}"),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(acting)
}

// ---- the card: data, documents, history, identifier changes (ORG-1) ----

/// The members with their names from «Мои данные» (colleagues see each other's
/// names; nothing else of the profile): `(account_id, role, name)`; a member without a
/// name is shown by the start of their id.
pub async fn members_named(
    app: &App,
    who: &SignedIn,
    id: &str,
) -> Result<Vec<(String, String, String)>, AppError> {
    who.authorize(Action::UseOwnApplications)?;
    let mut conn = app.store.acquire().await?;
    member_role(&mut conn, who, id).await?;
    let mut out = Vec::new();
    for (account, role) in store::members(&mut conn, id).await? {
        let p = crate::profile::load(app, &mut conn, &account).await?;
        let name = [p.last_name, p.first_name, p.middle_name]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        let name = if name.is_empty() {
            account.chars().take(8).collect()
        } else {
            name
        };
        out.push((account, role, name));
    }
    Ok(out)
}

/// Closing an account: the person leaves every organisation (recorded in each one's
/// history). Refused while they are the only administrator of an organisation that
/// has other members — they hand it over first.
pub(crate) async fn leave_all(
    conn: &mut kabinet_store::Conn,
    ctx: &Ctx,
    now: time::OffsetDateTime,
    who: &SignedIn,
) -> Result<(), AppError> {
    let mine = store::of_account(conn, &who.account.id).await?;
    for (org, _) in &mine {
        store::lock_members(conn, &org.id).await?;
    }
    for (org, role) in &mine {
        let members = store::members(conn, &org.id).await?;
        let administrators = members
            .iter()
            .filter(|(_, r)| r == Role::Administrator.as_str())
            .count();
        if role == Role::Administrator.as_str() && administrators <= 1 && members.len() > 1 {
            return Err(AppError::Conflict("org-last-administrator"));
        }
    }
    for (org, role) in mine {
        store::remove_member(conn, &org.id, &who.account.id).await?;
        record(
            conn,
            ctx,
            now,
            &who.actor(),
            "member",
            &org.id,
            "organization.member_removed",
            json!({ "member": who.actor(), "from": role, "to": null, "account_closed": true }),
        )
        .await?;
    }
    Ok(())
}
