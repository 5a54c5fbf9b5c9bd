//! The session cookie, the signed-in extractors and CSRF checks.
//!
//! The cookie is `kabinet_session` (`__Host-kabinet_session` with `Secure` when served
//! over TLS), `HttpOnly`, `SameSite=Lax`, `Path=/`. State changes made with the cookie
//! need the session's CSRF token: the `X-CSRF-Token` header (API) or the `csrf_token`
//! form field (pages). Forms shown before sign-in use a double-submit token in the
//! `kabinet_csrf` cookie.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use kabinet_app::auth::{self, SignedIn};
use kabinet_app::{Ctx, settings};

use crate::middleware::{ClientAddr, RequestId, over_tls};
use crate::{AppState, WebError};

/// The cookie name over plain HTTP.
pub const COOKIE: &str = "kabinet_session";
/// The cookie name over TLS (the `__Host-` prefix pins it to this host and path `/`).
pub const COOKIE_TLS: &str = "__Host-kabinet_session";
/// The API header that names the organisation a call acts for.
pub const ORGANIZATION_HEADER: &str = "x-kabinet-organization";
/// The anonymous forms' CSRF cookie.
pub const CSRF_COOKIE: &str = "kabinet_csrf";

/// The value of a cookie in the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

fn session_token<'a>(headers: &'a HeaderMap, state: &AppState) -> Option<&'a str> {
    if over_tls(headers, state) {
        cookie(headers, COOKIE_TLS)
    } else {
        cookie(headers, COOKIE)
    }
}

/// The `Set-Cookie` value that stores a session token.
pub fn set_session_cookie(headers: &HeaderMap, state: &AppState, token: &str) -> HeaderValue {
    let s: &settings::SessionSettings = &state.app.settings.session;
    let max_age = u64::from(s.absolute_hours) * 3600;
    let value = if over_tls(headers, state) {
        format!("{COOKIE_TLS}={token}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax; Secure")
    } else {
        format!("{COOKIE}={token}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax")
    };
    HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static(""))
}

/// The device cookie: proof that this browser signed in to an account before, which
/// spares it the waiting of a busy address and the lock of an address that attacked the
/// account (OWASP "device cookies"). Signed by the server; it opens nothing by itself.
pub const DEVICE_COOKIE: &str = "kabinet_device";

/// Adds the device cookie for `account_id` to a response of a completed sign-in.
pub fn with_device_cookie(
    mut response: axum::response::Response,
    headers: &HeaderMap,
    state: &AppState,
    account_id: &str,
) -> axum::response::Response {
    let Ok(token) = auth::device_token(&state.app, account_id) else {
        return response;
    };
    let max_age = auth::DEVICE_TTL.whole_seconds();
    let secure = if over_tls(headers, state) {
        "; Secure"
    } else {
        ""
    };
    let value = format!(
        "{DEVICE_COOKIE}={token}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
    );
    if let Ok(v) = HeaderValue::from_str(&value) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_session_cookie(headers: &HeaderMap, state: &AppState) -> HeaderValue {
    if over_tls(headers, state) {
        HeaderValue::from_static(
            "__Host-kabinet_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure",
        )
    } else {
        HeaderValue::from_static("kabinet_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax")
    }
}

/// Who is acting and from where, for the use cases.
pub fn ctx(parts_or_actor: Option<&SignedIn>, addr: &ClientAddr, request_id: &RequestId) -> Ctx {
    Ctx {
        actor: parts_or_actor.map_or_else(|| "anonymous".to_owned(), SignedIn::actor),
        source: addr.0.clone(),
        request_id: Some(request_id.0.clone()),
        device: None,
    }
}

/// Request facts every handler needs: the session (if any), the context, headers.
pub struct Visit {
    /// The signed-in session, if any (second factor given).
    pub signed_in: Option<SignedIn>,
    /// A session that still waits for the second factor.
    pub pending: Option<SignedIn>,
    /// The context for use cases.
    pub ctx: Ctx,
    /// The request headers.
    pub headers: HeaderMap,
}

impl Visit {
    /// The `User-Agent`, for the sessions list.
    pub fn user_agent(&self) -> Option<&str> {
        self.headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
    }

    /// The session or 401.
    pub fn require(&self) -> Result<&SignedIn, WebError> {
        self.signed_in
            .as_ref()
            .ok_or(WebError::Unauthorized("auth-required"))
    }

    /// The session, checking the `X-CSRF-Token` header (API state changes).
    pub fn require_with_csrf_header(&self) -> Result<&SignedIn, WebError> {
        let who = self.require()?;
        let given = self
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if auth::csrf_matches(&who.csrf_token, given) {
            Ok(who)
        } else {
            Err(WebError::Refused("auth-csrf"))
        }
    }

    /// Checks a form's `csrf_token` field: the session's token when signed in, else the
    /// anonymous double-submit cookie.
    pub fn form_csrf_ok(&self, given: &str) -> bool {
        match &self.signed_in {
            Some(who) => auth::csrf_matches(&who.csrf_token, given),
            None => {
                cookie(&self.headers, CSRF_COOKIE).is_some_and(|c| auth::csrf_matches(c, given))
            }
        }
    }
}

impl FromRequestParts<AppState> for Visit {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let session = match session_token(&parts.headers, state) {
            // Only pages show the unread count (in their header); API calls skip it.
            Some(token) => {
                auth::resolve_session(&state.app, token, !parts.uri.path().starts_with("/api/"))
                    .await
                    .map_err(WebError::from)?
            }
            None => None,
        };
        let (mut signed_in, pending) = match session {
            Some(s) if s.mfa_pending => (None, Some(s)),
            other => (other, None),
        };
        // API calls name the organisation they act for in a header (ORG-2); a member
        // acts with their role in it, anyone else gets 404 as for an unknown id.
        if parts.uri.path().starts_with("/api/")
            && let Some(org) = parts.headers.get(ORGANIZATION_HEADER)
            && let Some(who) = signed_in.as_mut()
        {
            // A state change is checked for its CSRF token before the organisation is
            // looked up: a forged request learns nothing about organisations.
            if !parts.method.is_safe() {
                let given = parts
                    .headers
                    .get("x-csrf-token")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                if !auth::csrf_matches(&who.csrf_token, given) {
                    return Err(WebError::Refused("auth-csrf"));
                }
            }
            let org = org.to_str().map_err(|_| WebError::NotFound)?.trim();
            who.acting = Some(kabinet_app::organisations::acting(&state.app, who, org).await?);
        }
        let addr = parts
            .extensions
            .get::<ClientAddr>()
            .cloned()
            .unwrap_or(ClientAddr(None));
        let request_id = parts
            .extensions
            .get::<RequestId>()
            .cloned()
            .unwrap_or(RequestId(String::new()));
        let mut ctx = ctx(signed_in.as_ref(), &addr, &request_id);
        ctx.device = cookie(&parts.headers, DEVICE_COOKIE).map(str::to_owned);
        Ok(Visit {
            ctx,
            signed_in,
            pending,
            headers: parts.headers.clone(),
        })
    }
}
