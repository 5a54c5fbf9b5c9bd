//! Reading applications: one, a list, the versions of services used, export.

use crate::auth::SignedIn;
use crate::catalog::{self};
use crate::{App, AppError};
use kabinet_domain::access::{Action, OrgAction};
use kabinet_store::Conn;
use kabinet_store::applications::{self as store, ApplicationRow, Filter};

use super::*;

pub(super) async fn detail(
    app: &App,
    conn: &mut Conn,
    row: &ApplicationRow,
    internal: bool,
) -> Result<Detail, AppError> {
    let application = decode(app, conn, row).await?;
    // History, comments and files in one round trip.
    let (history, comments, files) = store::parts(conn, &row.id, internal).await?;
    let attached = files
        .into_iter()
        .map(|(file, kind, by_staff)| Attached {
            file,
            kind,
            by_staff,
        })
        .collect();
    Ok(Detail {
        application,
        assignee: row.assignee.clone(),
        history,
        comments,
        files: attached,
    })
}

/// One of the caller's applications with its history, public comments and files.
pub async fn get(app: &App, who: &SignedIn, id: &str) -> Result<Detail, AppError> {
    who.authorize(Action::UseOwnApplications)?;
    // The row and its parts, one row by its key (ADR 0008); the access rule on the row
    // read.
    let (found, mut conn) = app
        .store
        .read(&|conn| {
            let id = id.to_owned();
            Box::pin(async move { store::get_with_parts(conn, &id).await })
        })
        .await?;
    let (row, (history, comments, files)) = found.ok_or(AppError::NotFound)?;
    reachable(who, &row, OrgAction::ReadApplications)?;
    Ok(Detail {
        application: decode(app, &mut conn, &row).await?,
        assignee: row.assignee.clone(),
        history,
        comments,
        files: files
            .into_iter()
            .map(|(file, kind, by_staff)| Attached {
                file,
                kind,
                by_staff,
            })
            .collect(),
    })
}

/// A page of «Мои заявления» and the total that match (without the answers).
pub async fn list(
    app: &App,
    who: &SignedIn,
    filter: &Filter,
    page: i64,
    per_page: i64,
) -> Result<(Vec<Application>, i64), AppError> {
    who.authorize(Action::UseOwnApplications)?;
    let per_page = per_page.clamp(1, 100);
    let mut conn = app
        .store
        .pool()
        .acquire()
        .await
        .map_err(kabinet_store::StoreError::from)?;
    let (rows, total) = store::list(
        &mut conn,
        owner(who),
        filter,
        per_page,
        (page.max(1) - 1) * per_page,
    )
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        out.push(summary(app, &mut conn, row).await?);
    }
    Ok((out, total))
}

/// `(id, version, status)` of the caller's filed applications, for live status.
pub async fn versions(app: &App, who: &SignedIn) -> Result<Vec<(String, i64, String)>, AppError> {
    who.authorize(Action::UseOwnApplications)?;
    let mut conn = app
        .store
        .pool()
        .acquire()
        .await
        .map_err(kabinet_store::StoreError::from)?;
    // A long-lived stream asks again and again: a session that ended, an account
    // blocked, a member who left stop hearing.
    if !kabinet_store::sessions::alive(&mut conn, &who.session_id).await? {
        return Err(AppError::Unauthorized("auth-required"));
    }
    if let Some(a) = &who.acting
        && kabinet_store::organizations::role_of(&mut conn, &a.organization_id, &who.account.id)
            .await?
            .is_none()
    {
        return Err(AppError::NotFound);
    }
    Ok(store::versions(&mut conn, owner(who)).await?)
}

/// The largest file any document of the application's service accepts: the limit to
/// stop reading an upload at, before its kind is known.
pub async fn attachment_limit(app: &App, who: &SignedIn, id: &str) -> Result<usize, AppError> {
    who.authorize(Action::UseOwnApplications)?;
    let mut conn = app
        .store
        .pool()
        .acquire()
        .await
        .map_err(kabinet_store::StoreError::from)?;
    let row = own(&mut conn, who, id, OrgAction::FileApplications).await?;
    let service =
        catalog::get_version(app, &mut conn, &row.service_id, row.service_version).await?;
    let mb = service
        .def
        .documents
        .iter()
        .map(|d| d.max_mb)
        .max()
        .unwrap_or(5)
        .max(5);
    Ok(usize::try_from(mb).unwrap_or(5) * 1024 * 1024)
}

/// Every application of the signed-in person with its history, public comments and
/// files, for the data archive.
pub async fn all_for_export(
    app: &App,
    conn: &mut Conn,
    account_id: &str,
) -> Result<Vec<Detail>, AppError> {
    let mut out = Vec::new();
    for row in store::all_of(conn, account_id).await? {
        out.push(detail(app, conn, &row, false).await?);
    }
    Ok(out)
}
