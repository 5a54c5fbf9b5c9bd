//! Changing one's profile: checks against the registry, taken identifiers, history.

use crate::audit::audit_event;
use crate::auth::SignedIn;
use crate::auth::notices;
use crate::registry::{PassportCheck, PersonCheck, Verdict};
use crate::{App, AppError, Ctx, FieldError};
use kabinet_domain::access::Action;
use kabinet_domain::account::AccountLevel;
use kabinet_domain::ids::{Inn, Snils};
use kabinet_domain::login::LoginId;
use kabinet_store::profiles::{self, Change, IndexColumn};
use kabinet_store::{Conn, accounts};
use serde_json::json;
use time::OffsetDateTime;

use super::*;

pub(super) fn person_check(p: &Profile) -> Option<PersonCheck> {
    let passport = p.passport.as_ref()?;
    Some(PersonCheck {
        last_name: p.last_name.clone()?,
        first_name: p.first_name.clone()?,
        middle_name: p.middle_name.clone(),
        birth_date: p.birth_date?.to_string(),
        snils: p.snils.clone()?,
        passport: PassportCheck {
            series: passport.series.clone(),
            number: passport.number.clone(),
            issued_on: passport.issued_on.to_string(),
            issuer_code: passport.issuer_code.clone(),
        },
    })
}

// ---- use cases ----

/// What [`update`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Updated {
    /// The data after the change.
    pub profile: Profile,
    /// The fields that changed.
    pub changed: Vec<&'static str>,
}

/// Changes the signed-in person's data (PATCH semantics, see [`ProfileInput`]).
/// Checks the identity with the registry when it became complete or changed.
pub async fn update(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    input: &ProfileInput,
) -> Result<Updated, AppError> {
    who.authorize(Action::ManageOwnProfile)?;
    let account_id = who.account.id.clone();
    let today = app.clock.now().date();
    let current = {
        let mut conn = app
            .store
            .pool()
            .acquire()
            .await
            .map_err(kabinet_store::StoreError::from)?;
        load(app, &mut conn, &account_id).await?
    };
    let next = merge(&current, input, today).map_err(AppError::Validation)?;
    let changed: Vec<&'static str> = FIELDS
        .iter()
        .copied()
        .filter(|f| field_changed(&current, &next, f))
        .collect();
    if current.level == AccountLevel::Confirmed {
        let locked: Vec<FieldError> = changed
            .iter()
            .filter(|f| IDENTITY_FIELDS.contains(f))
            .map(|f| FieldError::new(*f, "profile-locked"))
            .collect();
        if !locked.is_empty() {
            return Err(AppError::Validation(locked));
        }
    }
    // A СНИЛС or ИНН of another account is refused before anything leaves for the
    // registry (checked again inside the transaction).
    {
        let mut conn = app
            .store
            .pool()
            .acquire()
            .await
            .map_err(kabinet_store::StoreError::from)?;
        let taken = taken_identifiers(app, &mut conn, &account_id, &current, &next).await?;
        if !taken.is_empty() {
            return Err(AppError::Validation(taken));
        }
    }
    // The registry is asked when the identity changed, or when a simplified account
    // has it complete (saving again retries a check the registry could not answer);
    // outside the transaction: no lock is held over the network.
    let identity_changed = changed.iter().any(|f| IDENTITY_FIELDS.contains(f));
    let needs_check = identity_changed || current.level == AccountLevel::Simplified;
    let verdict = match person_check(&next) {
        Some(check) if needs_check => Some(app.registry.check(&check).await),
        _ => None,
    };
    if changed.is_empty() && verdict.is_none() {
        return Ok(Updated {
            profile: current,
            changed,
        });
    }

    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let fresh = load(app, &mut tx, &account_id).await?;
    if fresh != current {
        // Someone else changed it meanwhile: apply the input to what is there now.
        tx.rollback()
            .await
            .map_err(kabinet_store::StoreError::from)?;
        return Err(AppError::Conflict("profile-changed-meanwhile"));
    }
    let mut next = next;
    let errors = taken_identifiers(app, &mut tx, &account_id, &current, &next).await?;
    if !errors.is_empty() {
        tx.rollback()
            .await
            .map_err(kabinet_store::StoreError::from)?;
        return Err(AppError::Validation(errors));
    }

    // The level (ID-11).
    let old_level = current.level;
    let mut level = old_level;
    match &verdict {
        Some(Verdict::Match) => {
            if level == AccountLevel::Simplified {
                level = AccountLevel::Standard;
            }
            next.level_note = None;
        }
        Some(Verdict::Mismatch(reason)) => {
            if level == AccountLevel::Standard {
                level = AccountLevel::Simplified;
            }
            next.level_note = Some(
                app.i18n
                    .t_with("profile-registry-mismatch", &[("reason", reason)]),
            );
        }
        Some(Verdict::Unavailable(why)) => {
            tracing::warn!(registry = app.registry.name(), reason = %why, "identity registry unavailable");
            if level == AccountLevel::Standard && identity_changed {
                level = AccountLevel::Simplified;
            }
            next.level_note = Some(app.i18n.t("profile-registry-unavailable"));
        }
        None => {
            if level == AccountLevel::Standard && person_check(&next).is_none() {
                level = AccountLevel::Simplified;
            }
        }
    }
    next.level = level;
    profiles::put(&mut tx, &to_row(app, &account_id, &next)?, now).await?;

    // Sign-in by СНИЛС and ИНН once the registry has checked the person.
    let checked = level > AccountLevel::Simplified;
    let snils_login = next
        .snils
        .as_deref()
        .and_then(|s| Snils::parse(s).ok())
        .filter(|_| checked)
        .map(|s| app.login_key(&LoginId::Snils(s)));
    profiles::replace_login(&mut tx, &account_id, "snils", snils_login.as_deref(), now).await?;
    let inn_login = next
        .inn
        .as_deref()
        .and_then(|s| Inn::parse_person(s).ok())
        .filter(|_| checked)
        .map(|i| app.login_key(&LoginId::Inn(i)));
    profiles::replace_login(&mut tx, &account_id, "inn", inn_login.as_deref(), now).await?;

    let actor = who.actor();
    for field in &changed {
        record(
            &mut tx,
            &account_id,
            field,
            shown(&current, field),
            shown(&next, field),
            "user",
            None,
            now,
        )
        .await?;
    }
    if level != old_level {
        accounts::set_level(&mut tx, &account_id, level).await?;
        record(
            &mut tx,
            &account_id,
            "level",
            Some(old_level.as_str().to_owned()),
            Some(level.as_str().to_owned()),
            // Only a registry answer is the registry's doing; a level lost because data
            // was removed is kabinet's rule.
            if verdict.is_some() {
                "registry"
            } else {
                "system"
            },
            None,
            now,
        )
        .await?;
        audit_event(
            &mut tx,
            ctx,
            now,
            "system",
            "profile.level_changed",
            &actor,
            json!({ "from": old_level.as_str(), "to": level.as_str(), "registry": app.registry.name() }),
        )
        .await?;
    }
    if changed.is_empty() {
        tx.commit().await?;
        return Ok(Updated {
            profile: next,
            changed,
        });
    }
    audit_event(
        &mut tx,
        ctx,
        now,
        &actor,
        "profile.updated",
        &actor,
        json!({ "fields": changed }),
    )
    .await?;
    notices::notify(
        &mut tx,
        app,
        now,
        &account_id,
        &notices::Notice {
            category: kabinet_domain::notify::Category::PersonalData,
            subject_key: "notice-profile-changed-subject",
            text_key: "notice-profile-changed-message",
            args: &[],
            link: Some("/profile/history".to_owned()),
        },
    )
    .await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(Updated {
        profile: next,
        changed,
    })
}

/// Field errors for a СНИЛС or ИНН that changed and belongs to another account.
pub(super) async fn taken_identifiers(
    app: &App,
    conn: &mut Conn,
    account_id: &str,
    current: &Profile,
    next: &Profile,
) -> Result<Vec<FieldError>, AppError> {
    let mut errors = Vec::new();
    for (column, kind, before, after, key) in [
        (
            IndexColumn::Snils,
            "snils",
            &current.snils,
            &next.snils,
            "profile-snils-taken",
        ),
        (
            IndexColumn::Inn,
            "inn",
            &current.inn,
            &next.inn,
            "profile-inn-taken",
        ),
    ] {
        if before != after
            && let Some(v) = after
            && profiles::holder_of(conn, column, &app.keys.index(kind, v))
                .await?
                .is_some_and(|holder| holder != account_id)
        {
            errors.push(FieldError::new(kind, key));
        }
    }
    Ok(errors)
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn record(
    conn: &mut Conn,
    account_id: &str,
    field: &str,
    old_value: Option<String>,
    new_value: Option<String>,
    actor_kind: &str,
    actor_id: Option<String>,
    at: OffsetDateTime,
) -> Result<(), AppError> {
    profiles::add_change(
        conn,
        &Change {
            id: uuid::Uuid::now_v7().to_string(),
            account_id: account_id.to_owned(),
            field: field.to_owned(),
            old_value,
            new_value,
            actor_kind: actor_kind.to_owned(),
            actor_id,
            at,
        },
    )
    .await?;
    Ok(())
}

/// «История изменений» of the signed-in person, newest first.
pub async fn history(app: &App, who: &SignedIn, limit: i64) -> Result<Vec<Change>, AppError> {
    who.authorize(Action::ManageOwnProfile)?;
    let mut conn = app
        .store
        .pool()
        .acquire()
        .await
        .map_err(kabinet_store::StoreError::from)?;
    Ok(profiles::changes(&mut conn, &who.account.id, limit.clamp(1, 500)).await?)
}
