//! The JSON API v1 and the operations endpoints, described by one OpenAPI document.

pub mod applications;
pub mod auth;
pub mod health;
pub mod identity;
pub mod json;
pub mod mfa;
pub mod notifications;
mod openapi_fixes;
pub mod organizations;
pub mod profile;
pub mod services;
pub mod sessions;
pub mod staff;
pub mod support;

use std::sync::OnceLock;

use axum::Json;
use axum::Router;
use axum::routing::{delete, get, post};

use serde_json::Value;
use utoipa::OpenApi;

use crate::AppState;
use crate::error::{Problem, ProblemField};

/// The OpenAPI document of kabinet.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "kabinet API",
        version = "1",
        description = "JSON API личного кабинета. Ошибки — RFC 9457 (application/problem+json)."
    ),
    paths(
        health::healthz,
        health::readyz,
        health::metrics,
        openapi,
        auth::register,
        auth::confirm_registration,
        auth::sign_in,
        auth::current,
        auth::sign_out,
        auth::start_recovery,
        auth::confirm_recovery,
        auth::change_password,
        auth::start_unlock,
        auth::confirm_unlock,
        mfa::complete,
        mfa::send_code,
        mfa::reauth,
        sessions::list,
        sessions::end,
        sessions::end_others,
        mfa::start,
        mfa::confirm,
        mfa::disable,
        mfa::enable_codes,
        mfa::disable_codes,
        profile::get_me,
        profile::patch_me,
        profile::history,
        profile::confirm_identity,
        profile::contacts,
        profile::add_contact,
        profile::confirm_contact,
        profile::remove_contact,
        identity::file_identity_request,
        identity::my_identity_requests,
        identity::file_change_request,
        identity::my_change_requests,
        identity::download,
        identity::identity_queue,
        identity::change_queue,
        identity::refuse_identity,
        identity::approve_change,
        identity::refuse_change,
        profile::export,
        profile::close,
        services::list,
        services::get,
        applications::create,
        applications::update,
        applications::submit,
        applications::list,
        applications::get,
        applications::attach,
        applications::download,
        applications::comment,
        applications::withdraw,
        applications::events,
        applications::transition,
        applications::result,
        applications::staff_comment,
        applications::staff_get,
        staff::queue,
        staff::assign,
        staff::overview,
        staff::staff_list,
        staff::create_staff,
        staff::set_role,
        staff::block,
        staff::unblock,
        staff::audit,
        support::create,
        support::mine,
        support::get,
        support::reply,
        support::attach,
        support::close,
        support::download,
        support::staff_queue,
        support::staff_get,
        support::staff_answer,
        support::staff_attach,
        support::staff_escalate,
        notifications::list,
        notifications::get,
        notifications::read,
        notifications::read_all,
        notifications::get_settings,
        notifications::put_settings,
        notifications::put_webhook,
        notifications::staff_list,
        organizations::create,
        organizations::mine,
        organizations::get,
        organizations::members,
        organizations::pending,
        organizations::verify,
        organizations::refuse,
        organizations::invite,
        organizations::accept,
        organizations::decline,
        organizations::set_role,
        organizations::remove,
        organizations::update,
        organizations::history,
        organizations::documents,
        organizations::add_document,
        organizations::document,
        organizations::request_change,
        organizations::change_requests,
        organizations::pending_changes,
        organizations::decide_change,
        notifications::delete_webhook,
        staff::create_broadcast,
        staff::broadcasts,
        staff::broadcast
    ),
    components(schemas(Problem, ProblemField, health::Health))
)]
pub struct ApiDoc;

/// The document as JSON (built once).
pub fn openapi_json() -> Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or(Value::Null);
        with_organization_header(&mut doc);
        openapi_fixes::with_common_responses(&mut doc);
        openapi_fixes::unique_operation_ids(&mut doc);
        openapi_fixes::with_input_rules(&mut doc);
        doc
    })
    .clone()
}

/// Every application operation may act for an organisation (ORG-2): the optional
/// `X-Kabinet-Organization` header is declared on each of them.
fn with_organization_header(doc: &mut Value) {
    let header = serde_json::json!({
        "name": "X-Kabinet-Organization",
        "in": "header",
        "required": false,
        "description": "Act for this organisation (its id): the caller must be a member of a verified organisation; its applications are then the caller's, by the member's role. Not a member: 404; not verified yet: 409.",
        "schema": { "type": "string" }
    });
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        if !path.starts_with("/api/v1/applications") {
            continue;
        }
        let Some(operations) = item.as_object_mut() else {
            continue;
        };
        for operation in operations.values_mut() {
            if let Some(op) = operation.as_object_mut() {
                let params = op
                    .entry("parameters")
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Some(list) = params.as_array_mut() {
                    list.push(header.clone());
                }
            }
        }
    }
}

/// The OpenAPI document of this API.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "meta",
    summary = "Описание API в формате OpenAPI 3.1",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json"))
)]
pub async fn openapi() -> Json<Value> {
    Json(openapi_json())
}

/// Routes of the API and the operations endpoints.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/registrations", post(auth::register))
        .route(
            "/api/v1/registrations/{id}/confirm",
            post(auth::confirm_registration),
        )
        .route(
            "/api/v1/session",
            post(auth::sign_in)
                .get(auth::current)
                .delete(auth::sign_out),
        )
        .route("/api/v1/session/mfa", post(mfa::complete))
        .route("/api/v1/session/mfa/code", post(mfa::send_code))
        .route(
            "/api/v1/me/mfa/codes",
            post(mfa::enable_codes).delete(mfa::disable_codes),
        )
        .route("/api/v1/me/password", post(auth::change_password))
        .route("/api/v1/session/reauth", post(mfa::reauth))
        .route(
            "/api/v1/me/sessions",
            get(sessions::list).delete(sessions::end_others),
        )
        .route("/api/v1/me/sessions/{id}", delete(sessions::end))
        .route("/api/v1/me/mfa/totp", post(mfa::start).delete(mfa::disable))
        .route("/api/v1/me/mfa/totp/confirm", post(mfa::confirm))
        .route(
            "/api/v1/me",
            get(profile::get_me)
                .patch(profile::patch_me)
                .delete(profile::close),
        )
        .route("/api/v1/me/export", get(profile::export))
        .route(
            "/api/v1/applications",
            get(applications::list).post(applications::create),
        )
        .route("/api/v1/applications/events", get(applications::events))
        .route(
            "/api/v1/applications/{id}",
            get(applications::get).patch(applications::update),
        )
        .route(
            "/api/v1/applications/{id}/submit",
            post(applications::submit),
        )
        .route(
            "/api/v1/applications/{id}/attachments",
            post(applications::attach).layer(axum::extract::DefaultBodyLimit::max(
                kabinet_app::applications::MAX_ATTACHMENT + 256 * 1024,
            )),
        )
        .route(
            "/api/v1/applications/{id}/files/{file_id}",
            get(applications::download),
        )
        .route(
            "/api/v1/applications/{id}/comments",
            post(applications::comment),
        )
        .route(
            "/api/v1/applications/{id}/withdraw",
            post(applications::withdraw),
        )
        .route("/api/v1/staff/applications", get(staff::queue))
        .route(
            "/api/v1/staff/applications/{id}",
            get(applications::staff_get),
        )
        .route(
            "/api/v1/staff/applications/{id}/assign",
            post(staff::assign),
        )
        .route("/api/v1/staff/overview", get(staff::overview))
        .route(
            "/api/v1/staff/accounts",
            get(staff::staff_list).post(staff::create_staff),
        )
        .route("/api/v1/staff/accounts/{id}/role", post(staff::set_role))
        .route(
            "/api/v1/staff/accounts/{id}/notifications",
            get(notifications::staff_list),
        )
        .route("/api/v1/staff/accounts/{id}/block", post(staff::block))
        .route("/api/v1/staff/accounts/{id}/unblock", post(staff::unblock))
        .route("/api/v1/staff/audit", get(staff::audit))
        .route(
            "/api/v1/staff/broadcasts",
            get(staff::broadcasts).post(staff::create_broadcast),
        )
        .route("/api/v1/staff/broadcasts/{id}", get(staff::broadcast))
        .route(
            "/api/v1/organizations",
            get(organizations::mine).post(organizations::create),
        )
        .route(
            "/api/v1/organizations/{id}",
            get(organizations::get).put(organizations::update),
        )
        .route(
            "/api/v1/organizations/{id}/history",
            get(organizations::history),
        )
        .route(
            "/api/v1/organizations/{id}/documents",
            get(organizations::documents)
                .post(organizations::add_document)
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::upload::BODY_LIMIT,
                )),
        )
        .route(
            "/api/v1/organizations/{id}/documents/{file_id}",
            get(organizations::document),
        )
        .route(
            "/api/v1/organizations/{id}/change-requests",
            get(organizations::change_requests).post(organizations::request_change),
        )
        .route(
            "/api/v1/staff/organization-changes",
            get(organizations::pending_changes),
        )
        .route(
            "/api/v1/staff/organization-changes/{id}/{decision}",
            post(organizations::decide_change),
        )
        .route(
            "/api/v1/organizations/{id}/members",
            get(organizations::members),
        )
        .route(
            "/api/v1/organizations/{id}/invitations",
            post(organizations::invite),
        )
        .route("/api/v1/invitations/accept", post(organizations::accept))
        .route("/api/v1/invitations/decline", post(organizations::decline))
        .route(
            "/api/v1/organizations/{id}/members/{account_id}/role",
            post(organizations::set_role),
        )
        .route(
            "/api/v1/organizations/{id}/members/{account_id}",
            axum::routing::delete(organizations::remove),
        )
        .route("/api/v1/staff/organizations", get(organizations::pending))
        .route(
            "/api/v1/staff/organizations/{id}/verify",
            post(organizations::verify),
        )
        .route(
            "/api/v1/staff/organizations/{id}/refuse",
            post(organizations::refuse),
        )
        .route("/api/v1/notifications", get(notifications::list))
        .route(
            "/api/v1/notifications/read-all",
            post(notifications::read_all),
        )
        .route("/api/v1/notifications/{id}", get(notifications::get))
        .route("/api/v1/notifications/{id}/read", post(notifications::read))
        .route(
            "/api/v1/me/notification-webhook",
            axum::routing::put(notifications::put_webhook).delete(notifications::delete_webhook),
        )
        .route(
            "/api/v1/me/notification-settings",
            get(notifications::get_settings).put(notifications::put_settings),
        )
        .route(
            "/api/v1/support/tickets",
            get(support::mine).post(support::create),
        )
        .route("/api/v1/support/tickets/{id}", get(support::get))
        .route(
            "/api/v1/support/tickets/{id}/messages",
            post(support::reply),
        )
        .route(
            "/api/v1/support/tickets/{id}/attachments",
            post(support::attach).layer(axum::extract::DefaultBodyLimit::max(
                crate::upload::BODY_LIMIT,
            )),
        )
        .route("/api/v1/support/tickets/{id}/close", post(support::close))
        .route(
            "/api/v1/support/tickets/{id}/files/{file_id}",
            get(support::download),
        )
        .route("/api/v1/staff/support/tickets", get(support::staff_queue))
        .route(
            "/api/v1/staff/support/tickets/{id}",
            get(support::staff_get),
        )
        .route(
            "/api/v1/staff/support/tickets/{id}/messages",
            post(support::staff_answer),
        )
        .route(
            "/api/v1/staff/support/tickets/{id}/attachments",
            post(support::staff_attach).layer(axum::extract::DefaultBodyLimit::max(
                crate::upload::BODY_LIMIT,
            )),
        )
        .route(
            "/api/v1/staff/support/tickets/{id}/escalate",
            post(support::staff_escalate),
        )
        .route(
            "/api/v1/staff/applications/{id}/transition",
            post(applications::transition),
        )
        .route(
            "/api/v1/staff/applications/{id}/result",
            post(applications::result).layer(axum::extract::DefaultBodyLimit::max(
                kabinet_app::applications::MAX_ATTACHMENT + 256 * 1024,
            )),
        )
        .route(
            "/api/v1/staff/applications/{id}/comments",
            post(applications::staff_comment),
        )
        .route("/api/v1/services", get(services::list))
        .route("/api/v1/services/{id}", get(services::get))
        .route("/api/v1/me/history", get(profile::history))
        .route(
            "/api/v1/me/contacts",
            get(profile::contacts).post(profile::add_contact),
        )
        .route(
            "/api/v1/me/contacts/confirm",
            post(profile::confirm_contact),
        )
        .route(
            "/api/v1/me/identity-requests",
            get(identity::my_identity_requests)
                .post(identity::file_identity_request)
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::upload::BODY_LIMIT,
                )),
        )
        .route(
            "/api/v1/me/change-requests",
            get(identity::my_change_requests)
                .post(identity::file_change_request)
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::upload::BODY_LIMIT,
                )),
        )
        .route("/api/v1/files/{id}", get(identity::download))
        .route(
            "/api/v1/staff/identity-requests",
            get(identity::identity_queue),
        )
        .route(
            "/api/v1/staff/identity-requests/{id}/refuse",
            post(identity::refuse_identity),
        )
        .route("/api/v1/staff/change-requests", get(identity::change_queue))
        .route(
            "/api/v1/staff/change-requests/{id}/approve",
            post(identity::approve_change),
        )
        .route(
            "/api/v1/staff/change-requests/{id}/refuse",
            post(identity::refuse_change),
        )
        .route(
            "/api/v1/me/contacts/{id}",
            axum::routing::delete(profile::remove_contact),
        )
        .route(
            "/api/v1/staff/accounts/{id}/confirm-identity",
            post(profile::confirm_identity),
        )
        .route("/api/v1/unlock", post(auth::start_unlock))
        .route("/api/v1/unlock/confirm", post(auth::confirm_unlock))
        .route("/api/v1/password-recovery", post(auth::start_recovery))
        .route(
            "/api/v1/password-recovery/confirm",
            post(auth::confirm_recovery),
        )
}
