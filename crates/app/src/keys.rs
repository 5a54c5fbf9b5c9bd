//! Key rotation for every aggregate (`kabinet keys rotate`): re-sealing profiles,
//! change requests, applications, organisations and files under the current key.

use crate::audit::audit_event;
use crate::{App, AppError, Ctx};
use kabinet_store::accounts;
use kabinet_store::profiles::{self};
use kabinet_store::requests::{self};
use serde_json::json;

use crate::profile::{open_row, to_row};

/// What `kabinet keys rotate` re-sealed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rotated {
    /// Profiles (passport, СНИЛС, ИНН).
    pub profiles: usize,
    /// Change requests (their new values).
    pub change_requests: usize,
    /// Applications (their answers).
    pub applications: usize,
    /// Uploaded files.
    pub files: usize,
    /// Organisations' identifiers and identifier change requests.
    pub organizations: usize,
}

/// Re-seals everything sealed under an older key with the current one, in batches:
/// profiles, change requests and uploaded files (`kabinet keys rotate`). Safe to run
/// again; an interrupted run continues where it stopped.
pub async fn rotate_keys(app: &App) -> Result<Rotated, AppError> {
    let current = app.keys.current_id().to_owned();
    let corrupt = |e: crate::crypto::CryptoError| {
        AppError::Store(kabinet_store::StoreError::Corrupt(e.to_string()))
    };
    let mut done = Rotated::default();
    let mut after = String::new();
    loop {
        let mut tx = app.store.begin().await?;
        let batch = profiles::stale_sealed(&mut tx, &current, &after, 200).await?;
        let Some(last) = batch.last() else {
            tx.commit().await?;
            break;
        };
        after = last.account_id.clone();
        let now = app.clock.now();
        for row in &batch {
            let account = accounts::get(&mut tx, &row.account_id)
                .await?
                .ok_or(AppError::NotFound)?;
            let profile = open_row(app, row, account.level)?;
            let mut fresh = to_row(app, &row.account_id, &profile)?;
            fresh.level_note = row.level_note.clone();
            profiles::put(&mut tx, &fresh, now).await?;
            done.profiles += 1;
        }
        tx.commit().await?;
    }
    let mut after = String::new();
    loop {
        let mut tx = app.store.begin().await?;
        let batch = requests::stale_change_requests(&mut tx, &current, &after, 200).await?;
        let Some((last, _)) = batch.last() else {
            tx.commit().await?;
            break;
        };
        after = last.clone();
        for (id, sealed) in &batch {
            let place = format!("change_requests:{id}");
            let plain = app.keys.open(&place, sealed).map_err(corrupt)?;
            requests::set_change_sealed(
                &mut tx,
                id,
                &app.keys.seal(&place, &plain).map_err(corrupt)?,
            )
            .await?;
            done.change_requests += 1;
        }
        tx.commit().await?;
    }
    let mut after = String::new();
    loop {
        let mut tx = app.store.begin().await?;
        let batch =
            kabinet_store::applications::stale_sealed(&mut tx, &current, &after, 500).await?;
        let Some((last, _)) = batch.last() else {
            tx.commit().await?;
            break;
        };
        after = last.clone();
        for (id, sealed) in &batch {
            let place = format!("applications.fields:{id}");
            let plain = app.keys.open(&place, sealed).map_err(corrupt)?;
            kabinet_store::applications::set_sealed(
                &mut tx,
                id,
                &app.keys.seal(&place, &plain).map_err(corrupt)?,
            )
            .await?;
            done.applications += 1;
        }
        tx.commit().await?;
    }
    for which in [
        kabinet_store::organizations::Sealed::Identifiers,
        kabinet_store::organizations::Sealed::Proposals,
    ] {
        let mut after = String::new();
        loop {
            let mut tx = app.store.begin().await?;
            let batch =
                kabinet_store::organizations::stale_sealed(&mut tx, which, &current, &after, 200)
                    .await?;
            let Some((last, _)) = batch.last() else {
                tx.commit().await?;
                break;
            };
            after = last.clone();
            for (id, sealed) in &batch {
                let place = match which {
                    kabinet_store::organizations::Sealed::Identifiers => {
                        format!("organizations:{id}")
                    }
                    kabinet_store::organizations::Sealed::Proposals => {
                        format!("organization_change_requests:{id}")
                    }
                };
                let plain = app.keys.open(&place, sealed).map_err(corrupt)?;
                kabinet_store::organizations::set_sealed(
                    &mut tx,
                    which,
                    id,
                    &app.keys.seal(&place, &plain).map_err(corrupt)?,
                )
                .await?;
                done.organizations += 1;
            }
            tx.commit().await?;
        }
    }
    let mut after = String::new();
    loop {
        let mut conn = app
            .store
            .pool()
            .acquire()
            .await
            .map_err(kabinet_store::StoreError::from)?;
        let batch = requests::files_after(&mut conn, &after, 200).await?;
        drop(conn);
        let Some(last) = batch.last() else { break };
        after = last.id.clone();
        for record in &batch {
            if crate::files::reseal(app, record).await? {
                done.files += 1;
            }
        }
    }
    let mut tx = app.store.begin().await?;
    audit_event(
        &mut tx,
        &Ctx::system(),
        app.clock.now(),
        "cli",
        "keys.rotated",
        "keys",
        json!({ "key": current, "profiles": done.profiles, "change_requests": done.change_requests, "applications": done.applications, "files": done.files, "organizations": done.organizations }),
    )
    .await?;
    tx.commit().await?;
    Ok(done)
}
