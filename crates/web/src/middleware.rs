//! The one middleware every request passes: request id, client address, access log,
//! metrics and security headers. It also makes the request id and the state available
//! to error rendering through a task-local.

use std::net::SocketAddr;
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;
use uuid::Uuid;

use crate::{AppState, WebError};

#[derive(Clone)]
struct Scope {
    id: String,
    api: bool,
    state: AppState,
}

tokio::task_local! {
    static SCOPE: Scope;
}

/// The id of the request being handled, if any.
pub fn current_request_id() -> Option<String> {
    SCOPE.try_with(|s| s.id.clone()).ok()
}

/// The state of the request being handled, if any.
pub fn current_state() -> Option<AppState> {
    SCOPE.try_with(|s| s.state.clone()).ok()
}

/// True when the request being handled is an API call.
pub fn current_is_api() -> bool {
    SCOPE.try_with(|s| s.api).unwrap_or(false)
}

/// The request id, as an extension for handlers.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// The client's address (from the socket, or `X-Forwarded-For` when trusted).
#[derive(Clone, Debug)]
pub struct ClientAddr(pub Option<String>);

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   font-src 'self'; connect-src 'self'; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

fn incoming_request_id(request: &Request) -> Option<String> {
    let value = request.headers().get("x-request-id")?.to_str().ok()?;
    let ok = !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then(|| value.to_owned())
}

/// The client address a chain of `X-Forwarded-For` values names, behind `proxies`
/// trusted proxies: each proxy appends the address it was reached from, so the client
/// is the `proxies`-th entry from the right; anything left of it may be forged. `None`
/// when the list is shorter or that entry is not an address (`1.2.3.4`, `::1`, or with a
/// port, `1.2.3.4:80`, `[::1]:80`).
pub fn forwarded_client<'a>(
    values: impl IntoIterator<Item = &'a str>,
    proxies: usize,
) -> Option<std::net::IpAddr> {
    let entries: Vec<&str> = values
        .into_iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let index = entries.len().checked_sub(proxies.max(1))?;
    let entry = entries.get(index)?;
    entry
        .parse::<std::net::IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|a| a.ip()))
}

fn client_addr(request: &Request, trust_forwarded: bool, proxies: usize) -> Option<String> {
    if trust_forwarded {
        let values = request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok());
        if let Some(ip) = forwarded_client(values, proxies) {
            return Some(ip.to_string());
        }
    }
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string())
}

/// Whether the client reached us over HTTPS (directly per `public_url`, or through a
/// trusted proxy per `X-Forwarded-Proto`).
pub fn over_tls(headers: &axum::http::HeaderMap, state: &AppState) -> bool {
    let settings = &state.app.settings;
    let public_https = settings
        .public_url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://"));
    let forwarded_https = settings.trust_forwarded_headers
        && headers
            .get("x-forwarded-proto")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
    public_https || forwarded_https
}

fn served_over_tls(request: &Request, state: &AppState) -> bool {
    over_tls(request.headers(), state)
}

/// Under `/api/v1` every error is problem+json in Russian: an error answer that a
/// handler did not make (axum's own rejections — a path segment that does not decode, a
/// body of the wrong kind — are `text/plain` in English) becomes the problem of its status.
fn problem_for_plain_error(response: Response) -> Response {
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/problem+json"));
    if is_problem || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let error = match status {
        StatusCode::NOT_FOUND => WebError::NotFound,
        StatusCode::PAYLOAD_TOO_LARGE => WebError::TooLarge("input-too-large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => WebError::UnsupportedType("api-json-content-type"),
        StatusCode::UNAUTHORIZED => WebError::Unauthorized("problem-unauthorized"),
        StatusCode::FORBIDDEN => WebError::Forbidden,
        s if s.is_client_error() => WebError::BadRequest(
            "Запрос не читается: проверьте путь, параметры и тело запроса.".to_owned(),
        ),
        s => WebError::Internal(format!("an error answer without a problem document: {s}")),
    };
    let mut problem = error.api_response();
    *problem.status_mut() = status;
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(value) = response.headers().get(&name) {
            problem.headers_mut().insert(name, value.clone());
        }
    }
    problem
}

/// Wraps every request.
pub async fn observe(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = incoming_request_id(&request).unwrap_or_else(|| Uuid::now_v7().to_string());
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let tls = served_over_tls(&request, &state);
    let addr = client_addr(
        &request,
        state.app.settings.trust_forwarded_headers,
        state.app.settings.trusted_proxies,
    );
    request.extensions_mut().insert(RequestId(id.clone()));
    request.extensions_mut().insert(ClientAddr(addr));

    let span = tracing::info_span!("request", request_id = %id, method = %method, path = %path);
    let scope = Scope {
        id: id.clone(),
        api: path.starts_with("/api/v1"),
        state: state.clone(),
    };
    // A request that may change something: this process's session cache stays out of
    // the way until it is over (and a moment after), so the next request of the same
    // person sees the change even before PostgreSQL's notification arrives.
    let writes = !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS);
    let cache = writes.then(|| state.app.store.session_cache()).flatten();
    if let Some(c) = cache {
        c.pause();
    }
    let api = scope.api;
    let mut response = SCOPE
        .scope(scope, async move {
            let response = next.run(request).await;
            if api {
                problem_for_plain_error(response)
            } else {
                response
            }
        })
        .instrument(span.clone())
        .await;
    if let Some(c) = cache {
        c.pause();
    }

    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    state
        .metrics
        .record(method.as_str(), &route, status, elapsed.as_secs_f64());
    span.in_scope(|| {
        tracing::info!(
            status,
            duration_ms = elapsed.as_secs_f64() * 1000.0,
            "request finished"
        );
    });

    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&id) {
        headers.insert(HeaderName::from_static("x-request-id"), v);
    }
    let fixed: [(HeaderName, &'static str); 7] = [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        (
            HeaderName::from_static("cross-origin-resource-policy"),
            "same-origin",
        ),
        (
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), payment=()",
        ),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if tls {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::forwarded_client;

    fn client(values: &[&str], proxies: usize) -> Option<String> {
        forwarded_client(values.iter().copied(), proxies).map(|ip| ip.to_string())
    }

    #[test]
    fn the_client_is_what_the_outermost_trusted_proxy_appended() {
        assert_eq!(
            client(&["6.6.6.6, 10.1.2.3"], 1).as_deref(),
            Some("10.1.2.3")
        );
        assert_eq!(
            client(&["6.6.6.6, 10.1.2.3, 10.0.0.1"], 2).as_deref(),
            Some("10.1.2.3")
        );
        // Several header lines form one list, in order.
        assert_eq!(
            client(&["6.6.6.6", "10.1.2.3"], 1).as_deref(),
            Some("10.1.2.3")
        );
        assert_eq!(
            client(&["[2001:db8::1]:443"], 1).as_deref(),
            Some("2001:db8::1")
        );
        assert_eq!(
            client(&["6.6.6.6, 10.1.2.3:5000"], 1).as_deref(),
            Some("10.1.2.3")
        );
    }

    #[test]
    fn short_or_unparsable_lists_name_nobody() {
        assert_eq!(client(&["10.1.2.3"], 2), None);
        assert_eq!(client(&["6.6.6.6, unknown"], 1), None);
        assert_eq!(client(&[], 1), None);
        assert_eq!(client(&["10.1.2.3, "], 1), None);
    }
}
