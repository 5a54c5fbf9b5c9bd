//! «Подтвердить личность» and changes of confirmed data (ID-11, PR-3): the person
//! files a request — a way to confirm (in person, a video meeting) with a passport
//! scan, or new values with a reason and a document — and staff decide it. Approved
//! changes are written by staff, bypassing the lock on confirmed data.
//!
//! The staff queue pages come with the back office; the use cases and the API are here.

mod changes;
mod confirmation;

pub use changes::{
    Review, approve_change, my_change_requests, refuse_change, request_change, review,
};
use confirmation::{decide, reason_required};
pub use confirmation::{my_identity_requests, queue, refuse_identity, request_confirmation};

use crate::audit::audit_event;
use crate::auth::SignedIn;
use crate::files::{self};
use crate::{App, AppError, Ctx};
use kabinet_domain::access::Action;
use kabinet_store::requests::{self};
use serde_json::json;

/// A request's attached file, for its owner or for staff who decide requests
/// (a staff view of a document is itself audited).
pub async fn attachment(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    file_id: &str,
) -> Result<(kabinet_store::requests::FileRecord, Vec<u8>), AppError> {
    let mut conn = app
        .store
        .pool()
        .acquire()
        .await
        .map_err(kabinet_store::StoreError::from)?;
    let record = requests::get_file(&mut conn, file_id)
        .await?
        .ok_or(AppError::NotFound)?;
    // An organisation's file is reached through the organisation (by its members in
    // its context), not as the uploader's own.
    let mine = record.account_id == who.account.id
        && !requests::is_organizations(&mut conn, file_id).await?;
    drop(conn);
    if !mine {
        // Not the owner: staff only, and never a 403 that confirms the file exists.
        who.authorize(Action::ConfirmIdentity)
            .map_err(|_| AppError::NotFound)?;
        let now = app.clock.now();
        let mut tx = app.store.begin().await?;
        audit_event(
            &mut tx,
            ctx,
            now,
            &who.actor(),
            "files.viewed_by_staff",
            &format!("file:{file_id}"),
            json!({ "account": record.account_id }),
        )
        .await?;
        tx.commit().await?;
    }
    let bytes = files::read(app, &record).await?;
    Ok((record, bytes))
}
