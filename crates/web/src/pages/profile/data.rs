//! «Ваши данные» (PR-6): the data archive and closing the account.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use crate::AppState;
use crate::pages::common::{form_errors, respond, see_other};
use crate::pages::{Errors, Layout};
use crate::session::Visit;

#[derive(Template)]
#[template(path = "profile_data.html")]
struct DataPage<'a> {
    l: Layout<'a>,
    csrf: String,
    retention_days: u32,
    staff: bool,
    errors: Errors,
}

fn data_page(state: &AppState, visit: &Visit, status: StatusCode, errors: Errors) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    let page = DataPage {
        l: Layout::for_visit(state, visit),
        csrf: who.csrf_token.clone(),
        retention_days: state.app.settings.retention_days,
        staff: who.account.kind != "person",
        errors,
    };
    respond(status, &page, None)
}

/// `GET /profile/data` «Ваши данные».
pub async fn data(State(state): State<AppState>, visit: Visit) -> Response {
    data_page(&state, &visit, StatusCode::OK, Errors::default())
}

/// The archive form: the password again, as for closing the account.
#[derive(serde::Deserialize)]
pub struct ExportForm {
    csrf_token: String,
    #[serde(default)]
    password: String,
}

/// `POST /profile/data/export`: the ZIP, after the password is entered again (the archive
/// holds everything about the person, like closing the account it needs a fresh proof).
pub async fn data_export(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<ExportForm>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    if !visit.form_csrf_ok(&form.csrf_token) {
        return data_page(
            &state,
            &visit,
            StatusCode::BAD_REQUEST,
            Errors::one("export_password", state.i18n.t("auth-csrf")),
        );
    }
    let result = async {
        kabinet_app::auth::reauthenticate(&state.app, &visit.ctx, who, &form.password).await?;
        kabinet_app::privacy::export(&state.app, &visit.ctx, who).await
    }
    .await;
    // The password field of this form is `export_password` (the closing form has its own).
    let result = result.map_err(|e| match e {
        kabinet_app::AppError::Validation(fields) => kabinet_app::AppError::Validation(
            fields
                .into_iter()
                .map(|mut f| {
                    if f.field == "password" {
                        f.field = "export_password".to_owned();
                    }
                    f
                })
                .collect(),
        ),
        other => other,
    });
    match result {
        Ok(bytes) => crate::download::data_archive(bytes),
        Err(e) => match form_errors(&state, e, "export_password") {
            Ok((status, errors)) => data_page(&state, &visit, status, errors),
            Err(e) => e.page_response(),
        },
    }
}

/// The closing form.
#[derive(serde::Deserialize)]
pub struct CloseForm {
    csrf_token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    understood: Option<String>,
}

#[derive(Template)]
#[template(path = "closed.html")]
struct ClosedPage<'a> {
    l: Layout<'a>,
    retention_days: u32,
}

/// `POST /profile/data/close`
pub async fn data_close(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<CloseForm>,
) -> Response {
    let Some(who) = &visit.signed_in else {
        return see_other("/login", None);
    };
    if !visit.form_csrf_ok(&form.csrf_token) {
        return data_page(
            &state,
            &visit,
            StatusCode::BAD_REQUEST,
            Errors::one("password", state.i18n.t("auth-csrf")),
        );
    }
    if form.understood.is_none() {
        return data_page(
            &state,
            &visit,
            StatusCode::UNPROCESSABLE_ENTITY,
            Errors::one("understood", state.i18n.t("privacy-confirm-required")),
        );
    }
    let result = async {
        kabinet_app::auth::reauthenticate(&state.app, &visit.ctx, who, &form.password).await?;
        kabinet_app::privacy::close_account(&state.app, &visit.ctx, who).await
    }
    .await;
    match result {
        Ok(()) => {
            let page = ClosedPage {
                l: Layout::new(&state),
                retention_days: state.app.settings.retention_days,
            };
            let mut response = respond(StatusCode::OK, &page, None);
            response.headers_mut().append(
                axum::http::header::SET_COOKIE,
                crate::session::clear_session_cookie(&visit.headers, &state),
            );
            response
        }
        Err(e) => match form_errors(&state, e, "password") {
            Ok((status, errors)) => data_page(&state, &visit, status, errors),
            Err(e) => e.page_response(),
        },
    }
}
