//! Attachments of an application.

use crate::audit::audit_event;
use crate::auth::SignedIn;
use crate::catalog::Service;
use crate::files::{self, Upload};
use crate::{App, AppError, Ctx, FieldError};
use kabinet_domain::access::{Action, OrgAction};
use kabinet_domain::application::Status;
use kabinet_store::applications::{self as store};
use kabinet_store::requests::FileRecord;
use serde_json::json;

use super::*;

/// The limits of a document kind: allowed content types and bytes.
pub(super) fn limits(service: &Service, kind: &str) -> (Vec<&'static str>, usize) {
    let spec = service.def.documents.iter().find(|d| d.kind == kind);
    let formats: Vec<&'static str> = spec
        .map_or_else(
            || vec!["pdf", "jpeg", "png"],
            |d| d.formats.iter().map(String::as_str).collect(),
        )
        .into_iter()
        .filter_map(|f| match f {
            "pdf" => Some("application/pdf"),
            "jpeg" => Some("image/jpeg"),
            "png" => Some("image/png"),
            _ => None,
        })
        .collect();
    let mb = spec.map_or(5, |d| d.max_mb);
    (formats, usize::try_from(mb).unwrap_or(5) * 1024 * 1024)
}

/// The largest attachment any service allows (the request body limit).
pub const MAX_ATTACHMENT: usize = 20 * 1024 * 1024;

/// The applicant attaches a document to a draft, or to an application waiting for a
/// clarification (which answers it). The type is decided by the content.
pub async fn attach(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    id: &str,
    kind: &str,
    upload: &Upload,
) -> Result<FileRecord, AppError> {
    who.authorize(Action::UseOwnApplications)?;
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let row = own(&mut tx, who, id, OrgAction::FileApplications).await?;
    let a = decode(app, &mut tx, &row).await?;
    if !matches!(a.status, Status::Draft | Status::NeedsClarification) {
        return Err(AppError::Conflict("application-no-attachments"));
    }
    let kind = if kind.trim().is_empty() {
        "other"
    } else {
        kind.trim()
    };
    if kind != "other" && !a.service.def.documents.iter().any(|d| d.kind == kind) {
        return Err(AppError::Validation(vec![FieldError::new(
            "kind",
            "application-document-kind",
        )]));
    }
    let (types, max) = limits(&a.service, kind);
    if upload.bytes.len() > max {
        return Err(AppError::TooLarge("application-file-too-large"));
    }
    match files::sniff(&upload.bytes) {
        Some(t) if types.contains(&t) => {}
        _ => return Err(AppError::UnsupportedType("application-file-type")),
    }
    // The limits per application (issue 15 F10), counted with the row locked.
    let limits = &app.settings.files;
    let (count, bytes) = store::lock_attachments(&mut tx, id).await?;
    if count >= i64::from(limits.max_per_application) {
        return Err(AppError::Validation(vec![
            FieldError::new("file", "application-files-too-many")
                .with("limit", limits.max_per_application),
        ]));
    }
    let adding = i64::try_from(upload.bytes.len()).unwrap_or(i64::MAX);
    if bytes.saturating_add(adding) > files::mib(limits.max_total_mb_per_application) {
        return Err(AppError::Validation(vec![
            FieldError::new("file", "application-files-too-big")
                .with("limit", limits.max_total_mb_per_application),
        ]));
    }
    let stored =
        files::store_own(app, &mut tx, &who.account.id, "application", upload, "file").await?;
    let result = async {
        store::add_file(&mut tx, id, &stored.record.id, kind, false, now).await?;
        audit_event(
            &mut tx,
            ctx,
            now,
            &who.actor(),
            "application.file_attached",
            &format!("application:{id}"),
            json!({ "kind": kind, "size": stored.record.size }),
        )
        .await?;
        if a.status == Status::NeedsClarification {
            answered(app, &mut tx, ctx, &row, now).await?;
        } else {
            store::touch(&mut tx, id, now).await?;
        }
        Ok::<(), AppError>(())
    }
    .await;
    if let Err(e) = result {
        stored.discard().await;
        return Err(e);
    }
    let record = stored.record.clone();
    files::commit_or_discard(tx, Some(stored)).await?;
    app.outbox_wake.notify_one();
    Ok(record)
}

/// A file of an application, for whoever may see the application: its applicant, or
/// staff who process applications.
pub async fn file(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    application_id: &str,
    file_id: &str,
) -> Result<(FileRecord, Vec<u8>), AppError> {
    let mut conn = app
        .store
        .pool()
        .acquire()
        .await
        .map_err(kabinet_store::StoreError::from)?;
    let staff = who.authorize(Action::ProcessApplications).is_ok();
    if !staff {
        own(&mut conn, who, application_id, OrgAction::ReadApplications).await?;
    }
    if store::application_of_file(&mut conn, file_id)
        .await?
        .as_deref()
        != Some(application_id)
    {
        return Err(AppError::NotFound);
    }
    let record = kabinet_store::requests::get_file(&mut conn, file_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if staff {
        // Staff opening an applicant's document: recorded (AUD-2).
        audit_event(
            &mut conn,
            ctx,
            app.clock.now(),
            &who.actor(),
            "application.file_viewed",
            &format!("application:{application_id}"),
            json!({ "file": file_id }),
        )
        .await?;
    }
    drop(conn);
    let bytes = files::read(app, &record).await?;
    Ok((record, bytes))
}
