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

fn require(role: Role, act: rules::Act) -> Result<(), AppError> {
    if rules::may(role, act) {
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

/// Tells the organisation's administrators about a change.
async fn tell_administrators(
    conn: &mut kabinet_store::Conn,
    app: &App,
    now: time::OffsetDateTime,
    org: &Organization,
    subject_key: &str,
    text_key: &str,
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
                    args: &[("name", org.full_name.as_str())],
                    link: Some(format!("/organizations/{}", org.id)),
                },
            )
            .await?;
        }
    }
    Ok(())
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
    require(mine, rules::Act::ManageMembers)?;
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
    audit_event(
        &mut tx,
        ctx,
        now,
        &who.actor(),
        "organization.invited",
        &format!("organization:{id}"),
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
    audit_event(
        &mut tx,
        ctx,
        now,
        &who.actor(),
        if accept {
            "organization.invitation_accepted"
        } else {
            "organization.invitation_declined"
        },
        &format!("organization:{}", org.id),
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
    let mine = member_role(&mut tx, who, id).await?;
    let leaving = next.is_none() && account_id == who.account.id;
    if !leaving {
        require(mine, rules::Act::ManageMembers)?;
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
    audit_event(
        &mut tx,
        ctx,
        now,
        &who.actor(),
        if next.is_some() {
            "organization.role_changed"
        } else {
            "organization.member_removed"
        },
        &format!("organization:{id}"),
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
