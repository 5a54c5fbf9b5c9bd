//! Confirming a person's identity (by staff or an office).

use crate::audit::audit_event;
use crate::auth::SignedIn;
use crate::auth::notices;
use crate::{App, AppError, Ctx};
use kabinet_domain::access::Action;
use kabinet_domain::account::AccountLevel;
use kabinet_store::accounts;
use kabinet_store::requests::{self, Kind};
use serde::Deserialize;
use serde_json::json;

use super::*;

/// How staff confirmed a person's identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfirmMethod {
    /// The person came with the passport.
    InPerson,
    /// A video meeting.
    Video,
}

impl ConfirmMethod {
    /// The API name.
    pub fn as_str(self) -> &'static str {
        match self {
            ConfirmMethod::InPerson => "in_person",
            ConfirmMethod::Video => "video",
        }
    }
}

/// Staff confirm a person's identity (ID-11): `standard` → `confirmed`.
pub async fn confirm_identity(
    app: &App,
    ctx: &Ctx,
    staff: &SignedIn,
    account_id: &str,
    method: ConfirmMethod,
    comment: &str,
) -> Result<(), AppError> {
    staff.authorize(Action::ConfirmIdentity)?;
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let account = accounts::get(&mut tx, account_id)
        .await?
        .filter(|a| a.kind == "person")
        .ok_or(AppError::NotFound)?;
    match account.level {
        AccountLevel::Standard => {}
        AccountLevel::Confirmed => return Err(AppError::Conflict("identity-already-confirmed")),
        AccountLevel::Simplified => return Err(AppError::Conflict("identity-needs-standard")),
    }
    let comment: String = comment.trim().chars().take(1000).collect();
    accounts::set_level(&mut tx, account_id, AccountLevel::Confirmed).await?;
    for pending in requests::of_account(&mut tx, Kind::Identity, account_id).await? {
        if pending.status == "pending" {
            let note = (!comment.is_empty()).then_some(comment.as_str());
            requests::decide(
                &mut tx,
                Kind::Identity,
                &pending.id,
                "confirmed",
                &staff.account.id,
                note,
                now,
            )
            .await?;
        }
    }
    record(
        &mut tx,
        account_id,
        "level",
        Some(AccountLevel::Standard.as_str().to_owned()),
        Some(AccountLevel::Confirmed.as_str().to_owned()),
        "staff",
        Some(staff.account.id.clone()),
        now,
    )
    .await?;
    audit_event(
        &mut tx,
        ctx,
        now,
        &staff.actor(),
        "profile.identity_confirmed",
        &format!("account:{account_id}"),
        json!({ "method": method.as_str(), "comment": comment }),
    )
    .await?;
    notices::notify(
        &mut tx,
        app,
        now,
        account_id,
        &notices::Notice {
            category: kabinet_domain::notify::Category::PersonalData,
            subject_key: "notice-identity-confirmed-subject",
            text_key: "notice-identity-confirmed-message",
            args: &[],
            link: Some("/profile/identity".to_owned()),
        },
    )
    .await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(())
}
