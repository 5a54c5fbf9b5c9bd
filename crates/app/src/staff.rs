//! Staff accounts (BO-1), created from the command line for now.

use kabinet_domain::access::StaffRole;
use kabinet_domain::account::AccountLevel;
use kabinet_domain::ids::Email;
use kabinet_domain::login::LoginId;
use kabinet_store::accounts::{self, NewAccount};
use serde_json::json;
use uuid::Uuid;

use crate::audit::audit_event;
use crate::{App, AppError, Ctx, FieldError};

/// A staff account just made.
#[derive(Debug)]
pub struct NewStaff {
    /// Its id.
    pub account_id: String,
    /// The one-time password (shown once; the first sign-in must replace it).
    pub one_time_password: String,
}

/// 20 characters from an alphabet without look-alikes: about 100 bits.
fn one_time_password() -> Result<String, AppError> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0_u8; 20];
    getrandom::fill(&mut bytes).map_err(|e| AppError::internal(format!("no randomness: {e}")))?;
    let chars: String = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    Ok(format!(
        "{}-{}-{}-{}",
        &chars[..5],
        &chars[5..10],
        &chars[10..15],
        &chars[15..]
    ))
}

/// Creates a staff account with a role and a one-time password.
pub async fn create_staff(
    app: &App,
    ctx: &Ctx,
    email: &str,
    role: &str,
) -> Result<NewStaff, AppError> {
    let mut errors = Vec::new();
    let email = Email::parse(email)
        .map_err(|e| errors.push(FieldError::new("email", e.message_key())))
        .ok();
    let role = StaffRole::parse(role);
    if role.is_none() {
        errors.push(FieldError::new("role", "staff-role-unknown"));
    }
    let (Some(email), Some(role)) = (email, role) else {
        return Err(AppError::Validation(errors));
    };
    let password = one_time_password()?;
    let hash = app.hasher.hash(&password).await?;
    let now = app.clock.now();
    let account_id = Uuid::now_v7().to_string();
    let login = LoginId::Email(email.clone()).key();
    let mut tx = app.store.begin().await?;
    if accounts::login_taken(&mut tx, &login).await? {
        return Err(AppError::Conflict("auth-contact-taken"));
    }
    accounts::insert(
        &mut tx,
        &NewAccount {
            id: &account_id,
            kind: "staff",
            staff_role: Some(role.as_str()),
            level: AccountLevel::Confirmed,
            password_hash: &hash,
            must_change_password: true,
            now,
        },
    )
    .await?;
    accounts::insert_login(
        &mut tx,
        &login,
        &account_id,
        "email",
        email.as_str(),
        true,
        now,
    )
    .await?;
    let object = format!("account:{account_id}");
    audit_event(
        &mut tx,
        ctx,
        now,
        &ctx.actor,
        "staff.created",
        &object,
        json!({ "role": role.as_str() }),
    )
    .await?;
    tx.commit().await?;
    Ok(NewStaff {
        account_id,
        one_time_password: password,
    })
}
