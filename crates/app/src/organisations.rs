//! Organisations (ORG-1, ORG-2): a confirmed person registers a legal entity or a sole
//! proprietorship; staff verify it; members see it according to their role.

use kabinet_domain::access::{Action, OrgAction};
use kabinet_domain::organisation::{self as rules, Kind, Role};
use kabinet_store::organizations::{self as store, Card, Organization};
use serde_json::json;
use uuid::Uuid;

use crate::auth::{Acting, SignedIn, audit_event, notices};
use crate::{App, AppError, Ctx, FieldError};

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
    /// State registration date (ДД.ММ.ГГГГ or ГГГГ-ММ-ДД), optional.
    pub registered_on: String,
    /// The responsible employee (name and position), optional.
    pub responsible: String,
    /// The organisation's e-mail, optional.
    pub contact_email: String,
    /// The organisation's phone, optional.
    pub contact_phone: String,
}

/// The names, address and card data of an input, checked; every problem on its field.
fn check_data(
    input: &NewOrganisation,
    today: time::Date,
    errors: &mut Vec<FieldError>,
) -> (String, Option<String>, String, Card) {
    let full_name = required("full_name", &input.full_name, 500, errors);
    let legal_address = required("legal_address", &input.legal_address, 500, errors);
    let optional = |field: &'static str, value: &str, max: usize, errors: &mut Vec<FieldError>| {
        let v = value.trim();
        if v.chars().count() > max {
            errors.push(FieldError::new(field, "org-too-long"));
        }
        (!v.is_empty()).then(|| v.to_owned())
    };
    let short_name = optional("short_name", &input.short_name, 200, errors);
    let responsible = optional("responsible", &input.responsible, 200, errors);
    let registered_on = match input.registered_on.trim() {
        "" => None,
        text => match kabinet_domain::profile::date(text) {
            Ok(d) if d <= today => Some(d.to_string()),
            Ok(_) => {
                errors.push(FieldError::new("registered_on", "org-date-future"));
                None
            }
            Err(e) => {
                errors.push(FieldError::new("registered_on", e.message_key()));
                None
            }
        },
    };
    let contact = |field: &'static str, value: &str, errors: &mut Vec<FieldError>| {
        let v = value.trim();
        if v.is_empty() {
            return None;
        }
        let parsed = if field == "contact_email" {
            kabinet_domain::ids::Email::parse(v).map(|e| e.as_str().to_owned())
        } else {
            kabinet_domain::ids::Phone::parse(v).map(|p| p.as_str().to_owned())
        };
        parsed
            .map_err(|e| errors.push(FieldError::new(field, e.message_key())))
            .ok()
    };
    let card = Card {
        registered_on,
        responsible,
        contact_email: contact("contact_email", &input.contact_email, errors),
        contact_phone: contact("contact_phone", &input.contact_phone, errors),
    };
    (full_name, short_name, legal_address, card)
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
    let (full_name, short_name, legal_address, card) =
        check_data(input, app.clock.now().date(), &mut errors);
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
        short_name,
        legal_address,
        card,
        status: "pending_verification".into(),
        decision: None,
        created_by: who.actor(),
        created_at: now,
        updated_at: now,
    };
    store::insert(&mut tx, &org).await?;
    if matches!(app.registry, crate::registry::Registry::Http { .. }) {
        // The registry is asked by the worker, after this commits (retried when it
        // does not answer).
        kabinet_store::outbox::enqueue(
            &mut tx,
            now,
            "organization_check",
            &serde_json::to_value(crate::notify::Message::OrganizationCheck {
                organization_id: id.clone(),
            })
            .map_err(corrupt)?,
            app.settings.outbox_max_attempts,
        )
        .await?;
    }
    store::put_member(
        &mut tx,
        &id,
        &who.account.id,
        Role::Administrator.as_str(),
        now,
    )
    .await?;
    record(
        &mut tx,
        ctx,
        now,
        &who.actor(),
        "member",
        &id,
        "organization.created",
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

/// Staff's comment on a decision, trimmed and bounded; required to refuse.
fn staff_comment(comment: &str, refusing: bool) -> Result<String, AppError> {
    let comment: String = comment.trim().chars().take(1000).collect();
    if refusing && comment.is_empty() {
        return Err(AppError::Validation(vec![FieldError::new(
            "comment",
            "request-reason-required",
        )]));
    }
    Ok(comment)
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
    let comment = staff_comment(comment, !verify)?;
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let org = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let to = if verify { "active" } else { "refused" };
    let note = (!comment.is_empty()).then_some(comment.as_str());
    if !store::decide(&mut tx, id, "pending_verification", to, note, now).await? {
        return Err(AppError::Conflict("org-already-decided"));
    }
    record(
        &mut tx,
        ctx,
        now,
        &staff.actor(),
        "staff",
        id,
        if verify {
            "organization.verified"
        } else {
            "organization.refused"
        },
        json!({ "comment": note }),
    )
    .await?;
    let (subject, text) = if verify {
        ("notice-org-verified-subject", "notice-org-verified-message")
    } else {
        ("notice-org-refused-subject", "notice-org-refused-message")
    };
    tell_administrators_why(&mut tx, app, now, &org, subject, text, &comment).await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(())
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

/// How long an invitation's code is valid.
pub const INVITATION_DAYS: i64 = 7;

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

fn invitation_code() -> Result<String, AppError> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0_u8; 10];
    getrandom::fill(&mut bytes).map_err(corrupt)?;
    Ok(bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect())
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
    store::lock(&mut tx, id, app.store.backend()).await?;
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

/// The kinds of statutory documents.
pub const DOCUMENT_KINDS: [&str; 4] = ["charter", "decision", "registration", "other"];

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

/// A statutory document as listed.
#[derive(Clone, Debug)]
pub struct Document {
    /// The file's id.
    pub file_id: String,
    /// One of [`DOCUMENT_KINDS`].
    pub kind: String,
    /// The file name.
    pub file_name: String,
    /// Bytes.
    pub size: i64,
    /// Attached.
    pub at: time::OffsetDateTime,
}

/// The statutory documents (every member may read them; so may staff who verify
/// organisations).
pub async fn documents(app: &App, who: &SignedIn, id: &str) -> Result<Vec<Document>, AppError> {
    let mut conn = app.store.acquire().await?;
    if who.authorize(Action::ConfirmIdentity).is_err() {
        who.authorize(Action::UseOwnApplications)?;
        member_role(&mut conn, who, id).await?;
    }
    Ok(store::documents(&mut conn, id)
        .await?
        .into_iter()
        .map(|(file_id, kind, file_name, size, at)| Document {
            file_id,
            kind,
            file_name,
            size,
            at,
        })
        .collect())
}

/// An administrator attaches a statutory document (PDF, JPEG or PNG by content).
pub async fn add_document(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    id: &str,
    kind: &str,
    upload: &crate::files::Upload,
) -> Result<Document, AppError> {
    who.authorize(Action::UseOwnApplications)?;
    let kind = kind.trim();
    if !DOCUMENT_KINDS.contains(&kind) {
        return Err(AppError::Validation(vec![FieldError::new(
            "kind",
            "org-document-kind",
        )]));
    }
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let role = member_role(&mut tx, who, id).await?;
    require(role, OrgAction::ManageData)?;
    let org = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let stored = crate::files::store_own(
        app,
        &mut tx,
        &who.account.id,
        "organization",
        upload,
        "file",
    )
    .await?;
    let result = async {
        store::add_document(&mut tx, id, &stored.record.id, kind, now).await?;
        record(
            &mut tx,
            ctx,
            now,
            &who.actor(),
            "member",
            id,
            "organization.document_added",
            json!({ "kind": kind, "file": stored.record.id, "size": stored.record.size }),
        )
        .await?;
        tell_administrators(
            &mut tx,
            app,
            now,
            &org,
            "notice-org-changed-subject",
            "notice-org-changed-message",
        )
        .await
    }
    .await;
    if let Err(e) = result {
        stored.discard().await;
        return Err(e);
    }
    let document = Document {
        file_id: stored.record.id.clone(),
        kind: kind.to_owned(),
        file_name: stored.record.file_name.clone(),
        size: stored.record.size,
        at: now,
    };
    crate::files::commit_or_discard(tx, Some(stored)).await?;
    app.outbox_wake.notify_one();
    Ok(document)
}

/// A statutory document's content, for members (and staff who verify organisations,
/// recorded in the audit log).
pub async fn document(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    id: &str,
    file_id: &str,
) -> Result<(kabinet_store::requests::FileRecord, Vec<u8>), AppError> {
    let staff = who.authorize(Action::ConfirmIdentity).is_ok();
    let mut conn = app.store.acquire().await?;
    if !staff {
        who.authorize(Action::UseOwnApplications)?;
        member_role(&mut conn, who, id).await?;
    }
    if !store::documents(&mut conn, id)
        .await?
        .iter()
        .any(|d| d.0 == file_id)
    {
        return Err(AppError::NotFound);
    }
    let record = kabinet_store::requests::get_file(&mut conn, file_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if staff {
        audit_event(
            &mut conn,
            ctx,
            app.clock.now(),
            &who.actor(),
            "organization.document_viewed",
            &format!("organization:{id}"),
            json!({ "file": file_id }),
        )
        .await?;
    }
    drop(conn);
    let bytes = crate::files::read(app, &record).await?;
    Ok((record, bytes))
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

fn change_place(id: &str) -> String {
    format!("organization_change_requests:{id}")
}

fn open_change(app: &App, request: store::ChangeRequest) -> Result<ChangeView, AppError> {
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

/// Closing an account: the person leaves every organisation (recorded in each one's
/// history). Refused while they are the only administrator of an organisation that
/// has other members — they hand it over first.
pub(crate) async fn leave_all(
    conn: &mut kabinet_store::Conn,
    app: &App,
    ctx: &Ctx,
    now: time::OffsetDateTime,
    who: &SignedIn,
) -> Result<(), AppError> {
    let mine = store::of_account(conn, &who.account.id).await?;
    for (org, _) in &mine {
        store::lock(conn, &org.id, app.store.backend()).await?;
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

/// How staff see the organisation an application belongs to: its name and ИНН
/// (staff who process applications or verify organisations).
pub async fn label_for_staff(app: &App, staff: &SignedIn, id: &str) -> Result<String, AppError> {
    if staff.authorize(Action::ProcessApplications).is_err() {
        staff.authorize(Action::ConfirmIdentity)?;
    }
    let mut conn = app.store.acquire().await?;
    let org = store::get(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let v = open(app, org, None)?;
    Ok(format!(
        "{} ({} {})",
        v.org.full_name,
        app.i18n.t("org-inn"),
        v.inn
    ))
}

/// The outbox job of a new organisation with an external registry (ORG-1): a match
/// verifies it at once (by the system, told to its administrators); a mismatch leaves
/// it to staff with the registry's reason; no answer is retried with back-off (and,
/// after the last attempt, staff verify it as without a registry).
pub(crate) async fn registry_check(
    app: &App,
    id: &str,
) -> Result<(), crate::notify::DeliveryError> {
    use crate::notify::DeliveryError;
    use crate::registry::{OrganizationCheck, Verdict};
    let failed = |e: AppError| DeliveryError::Transient(e.to_string());
    let org = async {
        let mut conn = app.store.acquire().await?;
        Ok::<_, AppError>(store::get(&mut conn, id).await?)
    }
    .await
    .map_err(failed)?;
    let Some(org) = org.filter(|o| o.status == "pending_verification") else {
        return Ok(()); // gone, or staff decided meanwhile
    };
    let v = open(app, org.clone(), None).map_err(failed)?;
    let check = OrganizationCheck {
        kind: org.kind.clone(),
        inn: v.inn,
        ogrn: v.ogrn,
        kpp: v.kpp,
        full_name: org.full_name.clone(),
    };
    let verdict = match app.registry.check_organization(&check).await {
        None => return Ok(()),
        Some(Verdict::Unavailable(why)) => return Err(DeliveryError::Transient(why)),
        Some(v) => v,
    };
    let now = app.clock.now();
    let ctx = Ctx::system();
    let write = async {
        let mut tx = app.store.begin().await?;
        match &verdict {
            Verdict::Match => {
                let note = app.i18n.t("org-registry-confirmed");
                if !store::decide(
                    &mut tx,
                    id,
                    "pending_verification",
                    "active",
                    Some(&note),
                    now,
                )
                .await?
                {
                    return Ok(());
                }
                record(
                    &mut tx,
                    &ctx,
                    now,
                    "system:registry",
                    "system",
                    id,
                    "organization.verified",
                    json!({ "by": "registry" }),
                )
                .await?;
                tell_administrators(
                    &mut tx,
                    app,
                    now,
                    &org,
                    "notice-org-verified-subject",
                    "notice-org-verified-message",
                )
                .await?;
            }
            Verdict::Mismatch(reason) | Verdict::Unavailable(reason) => {
                let note = app
                    .i18n
                    .t_with("org-registry-mismatch", &[("reason", reason.as_str())]);
                if !store::note(&mut tx, id, &note).await? {
                    return Ok(()); // staff decided meanwhile
                }
                record(
                    &mut tx,
                    &ctx,
                    now,
                    "system:registry",
                    "system",
                    id,
                    "organization.registry_mismatch",
                    json!({ "reason": reason }),
                )
                .await?;
                tell_administrators_why(
                    &mut tx,
                    app,
                    now,
                    &org,
                    "notice-org-registry-mismatch-subject",
                    "notice-org-registry-mismatch-message",
                    reason,
                )
                .await?;
            }
        }
        tx.commit().await?;
        app.outbox_wake.notify_one();
        Ok::<(), AppError>(())
    }
    .await;
    write.map_err(failed)
}
