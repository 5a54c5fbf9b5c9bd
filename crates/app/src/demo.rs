//! Demo data for the embedded default (`demo = true`): the demo services catalog and an
//! applicant account to sign in with at once. Loading is idempotent; the banner on every page says the data is not real.

use kabinet_domain::account::AccountLevel;
use kabinet_domain::ids::Email;
use kabinet_domain::login::LoginId;
use kabinet_store::accounts::{self, NewAccount};
use serde_json::json;
use uuid::Uuid;

use crate::audit::audit_event;
use crate::{App, AppError, Ctx};

/// The demo applicant's login.
pub const DEMO_LOGIN: &str = "demo@example.ru";
/// The demo applicant's password (public: demo mode only).
pub const DEMO_PASSWORD: &str = "демонстрационный вход";

/// Creates the demo accounts that do not exist yet; returns how many were created.
pub async fn load(app: &App) -> Result<u32, AppError> {
    crate::catalog::import_demo(app).await?;
    let email = Email::parse(DEMO_LOGIN).map_err(|e| AppError::internal(e.to_string()))?;
    let login = LoginId::Email(email.clone()).key();
    {
        let mut conn = app
            .store
            .pool()
            .acquire()
            .await
            .map_err(kabinet_store::StoreError::from)?;
        if accounts::login_taken(&mut conn, &login).await? {
            return Ok(0);
        }
    }
    let hash = app.hasher.hash(DEMO_PASSWORD).await?;
    let now = app.clock.now();
    let id = Uuid::now_v7().to_string();
    let mut tx = app.store.begin().await?;
    if accounts::login_taken(&mut tx, &login).await? {
        return Ok(0);
    }
    accounts::insert(
        &mut tx,
        &NewAccount {
            id: &id,
            kind: "person",
            staff_role: None,
            level: AccountLevel::Simplified,
            password_hash: &hash,
            must_change_password: false,
            now,
        },
    )
    .await?;
    accounts::insert_login(&mut tx, &login, &id, "email", email.as_str(), true, now).await?;
    let object = format!("account:{id}");
    audit_event(
        &mut tx,
        &Ctx::system(),
        now,
        "system",
        "demo.account_created",
        &object,
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(1)
}
