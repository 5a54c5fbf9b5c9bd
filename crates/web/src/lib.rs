//! The web layer: HTML pages (askama templates, Russian, no JavaScript needed) and the
//! JSON API v1 (OpenAPI by utoipa), on one axum router.
#![forbid(unsafe_code)]

pub mod api;
pub mod error;
pub mod format;
pub mod input;
pub mod metrics;
pub mod middleware;
pub mod pages;
pub mod redirect;
pub mod session;
pub mod upload;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use kabinet_app::App;

pub use error::WebError;
pub use kabinet_app::i18n::I18n;
pub use metrics::Metrics;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    /// The use cases.
    pub app: App,
    /// The message catalog.
    pub i18n: Arc<I18n>,
    /// Request counters.
    pub metrics: Arc<Metrics>,
}

impl AppState {
    /// Builds the state; fails when the message catalog is broken.
    pub fn new(app: App) -> Result<AppState, String> {
        Ok(AppState {
            app,
            i18n: Arc::new(I18n::russian()?),
            metrics: Arc::new(Metrics::new()),
        })
    }
}

/// Only `GET /metrics`, without a token: for the separate `metrics.listen` address.
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(api::health::scrape))
        .with_state(state)
}

/// The whole application: pages, API, operations endpoints, middleware.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::home::show))
        .route("/api/docs", get(pages::api_docs::show))
        .route(
            "/registration",
            get(pages::auth::registration::register_page)
                .post(pages::auth::registration::register_submit),
        )
        .route(
            "/registration/{id}",
            get(pages::auth::registration::code_page).post(pages::auth::registration::code_submit),
        )
        .route(
            "/login",
            get(pages::auth::login::login_page).post(pages::auth::login::login_submit),
        )
        .route("/logout", post(pages::auth::login::logout))
        .route(
            "/login/mfa",
            get(pages::auth::mfa::login_mfa_page).post(pages::auth::mfa::login_mfa_submit),
        )
        .route(
            "/security/password",
            get(pages::auth::password::password_page).post(pages::auth::password::password_submit),
        )
        .route("/login/mfa/send", post(pages::auth::mfa::login_mfa_send))
        .route(
            "/security/mfa/codes/enable",
            post(pages::auth::mfa::enable_codes),
        )
        .route(
            "/security/mfa/codes/disable",
            post(pages::auth::mfa::disable_codes),
        )
        .route("/security/mfa", get(pages::auth::mfa::settings))
        .route("/security/mfa/start", post(pages::auth::mfa::start))
        .route("/security/mfa/confirm", post(pages::auth::mfa::confirm))
        .route("/security/mfa/disable", post(pages::auth::mfa::disable))
        .route(
            "/password-recovery",
            get(pages::auth::recovery::recovery_page).post(pages::auth::recovery::recovery_submit),
        )
        .route(
            "/password-recovery/confirm",
            post(pages::auth::recovery::recovery_confirm),
        )
        .route(
            "/unlock",
            get(pages::auth::unlock::unlock_page).post(pages::auth::unlock::unlock_submit),
        )
        .route("/unlock/confirm", post(pages::auth::unlock::unlock_confirm))
        .route("/security", get(pages::auth::security::security_page))
        .route(
            "/security/sessions/end",
            post(pages::auth::security::end_session),
        )
        .route(
            "/security/sessions/end-others",
            post(pages::auth::security::end_others),
        )
        .route("/services", get(pages::services::catalog_page))
        .route("/services/{id}", get(pages::services::service_page))
        .route("/services/{id}/apply", post(pages::applications::apply))
        .route("/staff", get(pages::staff::home))
        .route("/staff/applications", get(pages::staff::queue::queue))
        .route(
            "/staff/applications/{id}",
            get(pages::staff::application::application),
        )
        .route(
            "/staff/applications/{id}/assign",
            post(pages::staff::application::assign),
        )
        .route(
            "/staff/applications/{id}/transition",
            post(pages::staff::application::transition),
        )
        .route(
            "/staff/applications/{id}/comment",
            post(pages::staff::application::comment),
        )
        .route(
            "/staff/applications/{id}/result",
            post(pages::staff::application::result).layer(axum::extract::DefaultBodyLimit::max(
                kabinet_app::applications::MAX_ATTACHMENT + 256 * 1024,
            )),
        )
        .route("/staff/overview", get(pages::staff::overview::overview))
        .route(
            "/staff/accounts",
            get(pages::staff::accounts::accounts).post(pages::staff::accounts::create_staff),
        )
        .route("/staff/accounts/find", post(pages::staff::accounts::find))
        .route(
            "/staff/accounts/{id}/role",
            post(pages::staff::accounts::set_role),
        )
        .route(
            "/staff/accounts/{id}/notifications",
            get(pages::staff::accounts::deliveries),
        )
        .route(
            "/staff/accounts/{id}/block",
            post(pages::staff::accounts::block),
        )
        .route(
            "/staff/accounts/{id}/unblock",
            post(pages::staff::accounts::unblock),
        )
        .route(
            "/staff/broadcasts",
            get(pages::staff::broadcasts::broadcasts)
                .post(pages::staff::broadcasts::send_broadcast),
        )
        .route(
            "/staff/organizations",
            get(pages::staff::organizations::organizations),
        )
        .route(
            "/staff/organization-changes/{id}/{decision}",
            post(pages::staff::organizations::decide_organization_change),
        )
        .route(
            "/staff/organizations/{id}/{decision}",
            post(pages::staff::organizations::decide_organization),
        )
        .route("/staff/support", get(pages::staff::support::support_queue))
        .route(
            "/staff/support/{id}",
            get(pages::staff::support::support_ticket),
        )
        .route(
            "/staff/support/{id}/answer",
            post(pages::staff::support::support_answer).layer(
                axum::extract::DefaultBodyLimit::max(crate::upload::BODY_LIMIT),
            ),
        )
        .route(
            "/staff/support/{id}/escalate",
            post(pages::staff::support::support_escalate),
        )
        .route(
            "/feedback",
            get(pages::support::feedback)
                .post(pages::support::feedback_submit)
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::upload::BODY_LIMIT,
                )),
        )
        .route(
            "/unsubscribe",
            get(pages::messages::unsubscribe_page).post(pages::messages::unsubscribe),
        )
        .route("/messages", get(pages::messages::list))
        .route("/messages/read-all", post(pages::messages::read_all))
        .route("/messages/{id}", get(pages::messages::show))
        .route("/messages/{id}/read", post(pages::messages::read))
        .route(
            "/settings/notifications/webhook",
            post(pages::messages::set_webhook),
        )
        .route(
            "/settings/notifications/webhook/remove",
            post(pages::messages::remove_webhook),
        )
        .route(
            "/settings/notifications",
            get(pages::messages::settings).post(pages::messages::save_settings),
        )
        .route(
            "/organizations",
            get(pages::organizations::list).post(pages::organizations::create),
        )
        .route(
            "/organizations/invitation",
            post(pages::organizations::members::invitation),
        )
        .route(
            "/organizations/personal",
            post(pages::organizations::members::personal),
        )
        .route("/organizations/{id}", get(pages::organizations::page::show))
        .route(
            "/organizations/{id}/act",
            post(pages::organizations::members::act),
        )
        // Live status for the pages: the same stream as the API's, in the context the
        // page session acts in (EventSource cannot send X-Kabinet-Organization).
        .route(
            "/applications/events",
            get(crate::api::applications::events),
        )
        .route(
            "/organizations/{id}/data",
            post(pages::organizations::data::data),
        )
        .route(
            "/organizations/{id}/change-request",
            post(pages::organizations::data::change_request),
        )
        .route(
            "/organizations/{id}/documents",
            post(pages::organizations::data::upload_document).layer(
                axum::extract::DefaultBodyLimit::max(crate::upload::BODY_LIMIT),
            ),
        )
        .route(
            "/organizations/{id}/documents/{file_id}",
            get(pages::organizations::data::download_document),
        )
        .route(
            "/organizations/{id}/invite",
            post(pages::organizations::members::invite),
        )
        .route(
            "/organizations/{id}/members/{account}/{what}",
            post(pages::organizations::members::member),
        )
        .route("/support", get(pages::support::list))
        .route("/support/{id}", get(pages::support::show))
        .route(
            "/support/{id}/reply",
            post(pages::support::reply).layer(axum::extract::DefaultBodyLimit::max(
                crate::upload::BODY_LIMIT,
            )),
        )
        .route("/support/{id}/close", post(pages::support::close))
        .route("/staff/{queue}", get(pages::staff::requests::requests))
        .route("/staff/{queue}/{id}", get(pages::staff::requests::request))
        .route(
            "/staff/{queue}/{id}/{decision}",
            post(pages::staff::requests::decide_request),
        )
        .route("/staff/audit", get(pages::staff::audit::audit))
        .route("/staff/audit.csv", get(pages::staff::audit::audit_csv_file))
        .route("/applications", get(pages::applications::list::list))
        .route(
            "/applications/drafts",
            get(pages::applications::list::drafts),
        )
        .route("/applications/{id}", get(pages::applications::detail::show))
        .route(
            "/applications/{id}/step/{n}",
            get(pages::applications::steps::step_show).post(pages::applications::steps::step_save),
        )
        .route(
            "/applications/{id}/documents",
            get(pages::applications::documents::documents)
                .post(pages::applications::documents::documents_upload)
                .layer(axum::extract::DefaultBodyLimit::max(
                    kabinet_app::applications::MAX_ATTACHMENT + 256 * 1024,
                )),
        )
        .route(
            "/applications/{id}/review",
            get(pages::applications::review::review),
        )
        .route(
            "/applications/{id}/submit",
            post(pages::applications::review::submit),
        )
        .route(
            "/applications/{id}/comment",
            post(pages::applications::detail::comment),
        )
        .route(
            "/applications/{id}/withdraw",
            post(pages::applications::detail::withdraw),
        )
        .route(
            "/applications/{id}/attach",
            post(pages::applications::detail::attach).layer(axum::extract::DefaultBodyLimit::max(
                kabinet_app::applications::MAX_ATTACHMENT + 256 * 1024,
            )),
        )
        .route("/static/live.js", get(pages::assets::live_js))
        .route("/profile", get(pages::profile::show))
        .route("/profile/history", get(pages::profile::history::history))
        .route("/profile/data", get(pages::profile::data::data))
        .route(
            "/profile/data/export",
            get(pages::profile::data::data_export),
        )
        .route(
            "/profile/data/close",
            post(pages::profile::data::data_close),
        )
        .route(
            "/profile/identity",
            get(pages::profile::identity::identity_show)
                .post(pages::profile::identity::identity_submit)
                .layer(axum::extract::DefaultBodyLimit::max(upload::BODY_LIMIT)),
        )
        .route(
            "/profile/change-request",
            get(pages::profile::identity::change_show)
                .post(pages::profile::identity::change_submit)
                .layer(axum::extract::DefaultBodyLimit::max(upload::BODY_LIMIT)),
        )
        .route(
            "/profile/contacts",
            get(pages::profile::contacts::contacts).post(pages::profile::contacts::contacts_add),
        )
        .route(
            "/profile/contacts/confirm",
            get(pages::profile::contacts::contacts_confirm_page)
                .post(pages::profile::contacts::contacts_confirm),
        )
        .route(
            "/profile/contacts/remove",
            get(pages::profile::contacts::contacts_remove_page)
                .post(pages::profile::contacts::contacts_remove),
        )
        .route(
            "/profile/{section}",
            get(pages::profile::edit::edit_page).post(pages::profile::edit::edit_submit),
        )
        .route("/static/app.css", get(pages::assets::css))
        .merge(api::routes())
        .fallback(error::fallback)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            error::panic_response,
        ))
        .layer(axum::middleware::from_fn(input::refuse_control_characters))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::observe,
        ))
        .with_state(state)
}
