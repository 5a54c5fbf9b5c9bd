//! The organisation's founding documents.

use crate::audit::audit_event;
use crate::auth::SignedIn;
use crate::{App, AppError, Ctx, FieldError};
use kabinet_domain::access::{Action, OrgAction};
use kabinet_store::organizations::{self as store};
use serde_json::json;

use super::*;

/// The kinds of statutory documents.
pub const DOCUMENT_KINDS: [&str; 4] = ["charter", "decision", "registration", "other"];

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
