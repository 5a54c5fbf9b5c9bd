//! Registering an organisation: the data checked locally and against the registry.

use crate::auth::{SignedIn, notices};
use crate::{App, AppError, Ctx, FieldError};
use kabinet_domain::access::Action;
use kabinet_domain::account::AccountLevel;
use kabinet_domain::organisation::{self as rules, Kind, Role};
use kabinet_store::organizations::{self as store, Card, Organization};
use serde_json::json;
use uuid::Uuid;

use super::*;

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
pub(super) fn check_data(
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
    if who.account.level < AccountLevel::Confirmed {
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
