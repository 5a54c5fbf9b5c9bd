//! Applications in the API (APP-1 … APP-8): the shapes shared by the applicant's and the
//! staff's calls, and the area's routes. The applicant's calls are in `own`, the staff's
//! in `staff`; the live status stream is shared with the pages (`crate::live`).

mod own;
mod staff;

use std::collections::BTreeMap;

use kabinet_app::applications::{Application, Detail};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use own::*;
pub use staff::*;

/// `POST /api/v1/applications`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApplication {
    /// The service.
    pub service_id: String,
    /// Answers by field name (strings as typed); the rest is prefilled.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

/// `PATCH /api/v1/applications/{id}`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftChange {
    /// Answers to change; an empty string clears.
    pub fields: BTreeMap<String, String>,
}

/// An application in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationItem {
    /// Id.
    pub id: String,
    /// `YY-NNNNNNN-C`, once submitted.
    pub number: Option<String>,
    /// Status.
    pub status: String,
    /// The service.
    pub service_id: String,
    /// Its title.
    pub service_title: String,
    /// The version filed under.
    pub service_version: i64,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Submitted (RFC 3339).
    pub submitted_at: Option<String>,
    /// When the result is due (`YYYY-MM-DD`).
    pub due_on: Option<String>,
    /// The step a draft is on.
    pub step: usize,
    /// Changes with every move (live status).
    pub version: i64,
    /// The organisation it belongs to (filed while acting for it), if any.
    pub organization_id: Option<String>,
}

fn item(a: &Application) -> ApplicationItem {
    ApplicationItem {
        id: a.id.clone(),
        number: a.number.clone(),
        status: a.status.as_str().to_owned(),
        service_id: a.service.def.id.clone(),
        service_title: a.service.def.title.clone(),
        service_version: a.service.version,
        created_at: kabinet_store::ts::format(a.created_at),
        submitted_at: a.submitted_at.map(kabinet_store::ts::format),
        due_on: a.due_on.map(|d| d.to_string()),
        step: a.step,
        version: a.version,
        organization_id: a.organization_id.clone(),
    }
}

/// A move in the history.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ApplicationHistoryItem)]
pub struct HistoryItem {
    /// The status reached.
    pub status: String,
    /// The status before.
    pub from: Option<String>,
    /// When (RFC 3339).
    pub at: String,
    /// `applicant`, `staff` or `system`.
    pub actor: String,
    /// Why.
    pub reason: Option<String>,
}

/// A comment.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentItem {
    /// `applicant` or `staff`.
    pub author: String,
    /// Staff-only (only staff see these).
    pub internal: bool,
    /// Text.
    pub text: String,
    /// When.
    pub at: String,
}

/// A file of an application.
#[derive(Debug, Serialize, ToSchema)]
pub struct FileItem {
    /// Id (`GET /api/v1/applications/{id}/files/{file_id}`).
    pub id: String,
    /// Document kind, `other`, or `result`.
    pub kind: String,
    /// Name.
    pub file_name: String,
    /// Type decided by the content.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// Attached by staff.
    pub by_staff: bool,
}

/// One application.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationDetail {
    /// The list fields.
    #[serde(flatten)]
    pub item: ApplicationItem,
    /// The answers.
    pub fields: BTreeMap<String, String>,
    /// «История статуса», oldest first.
    pub history: Vec<HistoryItem>,
    /// Comments, oldest first.
    pub comments: Vec<CommentItem>,
    /// Attachments and the result.
    pub files: Vec<FileItem>,
}

/// The API form of a detail.
pub fn detail(d: &Detail) -> ApplicationDetail {
    ApplicationDetail {
        item: item(&d.application),
        fields: d.application.answers.clone(),
        history: d
            .history
            .iter()
            .map(|e| HistoryItem {
                status: e.to_status.clone(),
                from: e.from_status.clone(),
                at: kabinet_store::ts::format(e.at),
                actor: e.actor_kind.clone(),
                reason: e.reason.clone(),
            })
            .collect(),
        comments: d
            .comments
            .iter()
            .map(|c| CommentItem {
                author: c.author_kind.clone(),
                internal: c.internal,
                text: c.text.clone(),
                at: kabinet_store::ts::format(c.at),
            })
            .collect(),
        files: d
            .files
            .iter()
            .map(|f| FileItem {
                id: f.file.id.clone(),
                kind: f.kind.clone(),
                file_name: f.file.file_name.clone(),
                content_type: f.file.content_type.clone(),
                size: f.file.size,
                by_staff: f.by_staff,
            })
            .collect(),
    }
}

/// The routes of this area, each declared once by its `#[utoipa::path]`.
pub(crate) fn router() -> utoipa_axum::router::OpenApiRouter<crate::AppState> {
    use utoipa_axum::router::UtoipaMethodRouterExt;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(own::list, own::create))
        .routes(utoipa_axum::routes!(crate::live::events))
        .routes(utoipa_axum::routes!(own::get, own::update))
        .routes(utoipa_axum::routes!(own::submit))
        .routes(
            utoipa_axum::routes!(own::attach).layer(axum::extract::DefaultBodyLimit::max(
                kabinet_app::applications::MAX_ATTACHMENT + 256 * 1024,
            )),
        )
        .routes(utoipa_axum::routes!(own::download))
        .routes(utoipa_axum::routes!(own::comment))
        .routes(utoipa_axum::routes!(own::withdraw))
        .routes(utoipa_axum::routes!(staff::staff_get))
        .routes(utoipa_axum::routes!(staff::transition))
        .routes(
            utoipa_axum::routes!(staff::result).layer(axum::extract::DefaultBodyLimit::max(
                kabinet_app::applications::MAX_ATTACHMENT + 256 * 1024,
            )),
        )
        .routes(utoipa_axum::routes!(staff::staff_comment))
}
