//! Input rules at the edge: no request text may carry a NUL character (PostgreSQL text
//! cannot hold it) or another control character, except line breaks and tabs in fields
//! that hold several lines. Paths with one are not found (`404`); query parameters,
//! form fields and JSON strings with one are a field error naming the field (`422`),
//! the same on both databases.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::Response;
use kabinet_app::FieldError;
use serde_json::Value;

use crate::WebError;

/// The message key of the field error.
pub const BAD_CHARACTER: &str = "input-bad-character";

/// The largest form body checked here; larger ones are refused with `413` as the form
/// extractor would.
const FORM_LIMIT: usize = 2 * 1024 * 1024;

/// Fields known to hold one line (identifiers, contacts, codes, names, tokens): line
/// breaks and tabs are refused in them too. Any other field may hold `\n`, `\r`, `\t`
/// (passwords too: they are hashed, never shown, and were accepted as typed before).
const SINGLE_LINE: &[&str] = &[
    "login",
    "contact",
    "email",
    "phone",
    "code",
    "csrf_token",
    "snils",
    "inn",
    "ogrn",
    "ogrnip",
    "kpp",
    "last_name",
    "first_name",
    "middle_name",
    "service_id",
    "organization_id",
    "role",
    "status",
    "number",
    "url",
    "subject",
];

/// Whether `c` may stand in a value; `multiline` allows `\n`, `\r` and `\t`.
pub fn allowed_char(c: char, multiline: bool) -> bool {
    !c.is_control() || (multiline && matches!(c, '\n' | '\r' | '\t'))
}

/// Whether the field `name` (or the last part of a dotted name) holds one line.
pub fn is_single_line(name: &str) -> bool {
    let leaf = name.rsplit('.').next().unwrap_or(name);
    SINGLE_LINE.contains(&name) || SINGLE_LINE.contains(&leaf)
}

/// Whether `text` is acceptable as the value of the field `name`.
pub fn acceptable(name: &str, text: &str) -> bool {
    let multiline = !is_single_line(name);
    text.chars().all(|c| allowed_char(c, multiline))
}

/// The first field of a JSON value (its dotted path) holding a refused character, in a
/// key or a string, however deep.
pub fn json_offender(value: &Value) -> Option<String> {
    fn walk(value: &Value, path: &str, name: &str) -> Option<String> {
        match value {
            Value::String(s) if !acceptable(name, s) => Some(path.to_owned()),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, v)| walk(v, &join(path, &i.to_string()), name)),
            Value::Object(map) => map.iter().find_map(|(k, v)| {
                if k.chars().any(|c| !allowed_char(c, false)) {
                    return Some(join(path, &k.replace(char::is_control, "")));
                }
                walk(v, &join(path, k), k)
            }),
            _ => None,
        }
    }
    fn join(path: &str, part: &str) -> String {
        if path.is_empty() {
            part.to_owned()
        } else {
            format!("{path}.{part}")
        }
    }
    walk(value, "", "")
}

/// The first pair of a form or a query string with a refused character: its name.
/// Names are single-line; values as [`acceptable`] says.
pub fn form_offender(encoded: &[u8], single_line: bool) -> Option<String> {
    form_urlencoded::parse(encoded).find_map(|(k, v)| {
        let bad = k.chars().any(|c| !allowed_char(c, false))
            || if single_line {
                v.chars().any(|c| !allowed_char(c, false))
            } else {
                !acceptable(&k, &v)
            };
        bad.then(|| k.chars().filter(|c| !c.is_control()).collect())
    })
}

/// A field error for `field`, as a `422`.
pub fn refused(field: impl Into<String>) -> WebError {
    WebError::Validation(vec![FieldError::new(field, BAD_CHARACTER)])
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

fn respond(api: bool, e: WebError) -> Response {
    if api {
        e.api_response()
    } else {
        e.page_response()
    }
}

fn is_form(request: &Request) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';').next().is_some_and(|t| {
                t.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
        })
}

/// Refuses control characters (and bytes that are not UTF-8) in the path (`404`), and
/// control characters in the query and in form bodies (`422`, naming the parameter).
/// JSON bodies are checked by [`crate::api::json::ApiJson`], multipart text fields by
/// [`crate::upload`].
pub async fn refuse_control_characters(request: Request, next: Next) -> Response {
    let api = is_api(request.uri().path());
    // A path that is not UTF-8 once decoded names nothing either.
    let path = crate::redirect::percent_decode_bytes(request.uri().path());
    if std::str::from_utf8(&path).map_or(true, |p| p.chars().any(char::is_control)) {
        return respond(api, WebError::NotFound);
    }
    if let Some(query) = request.uri().query()
        && let Some(field) = form_offender(query.as_bytes(), true)
    {
        return respond(api, refused(field));
    }
    if request.method() == Method::GET || !is_form(&request) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let bytes: Bytes = match axum::body::to_bytes(body, FORM_LIMIT).await {
        Ok(b) => b,
        Err(_) => return respond(api, WebError::TooLarge("input-too-large")),
    };
    if let Some(field) = form_offender(&bytes, false) {
        return respond(api, refused(field));
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_is_never_allowed_line_breaks_only_in_multiline_fields() {
        assert!(!acceptable("comment", "a\0b"));
        assert!(acceptable("comment", "строка\nещё\tстрока\r\n"));
        assert!(!acceptable("login", "a\nb"));
        assert!(!acceptable("contact.phone", "a\tb"));
        assert!(!acceptable("text", "a\u{1b}b"));
        assert!(acceptable("text", "обычный текст"));
    }

    #[test]
    fn json_offenders_are_named_by_path() {
        let v = serde_json::json!({ "fields": { "question": "ok\n", "list": ["a", "b\u{0}"] } });
        assert_eq!(json_offender(&v).as_deref(), Some("fields.list.1"));
        let v = serde_json::json!({ "login": "a\nb" });
        assert_eq!(json_offender(&v).as_deref(), Some("login"));
        let v = serde_json::json!({ "a\u{0}": 1 });
        assert_eq!(json_offender(&v).as_deref(), Some("a"));
        assert_eq!(
            json_offender(&serde_json::json!({ "text": "a\r\nb" })),
            None
        );
    }

    #[test]
    fn form_offenders() {
        assert_eq!(
            form_offender(b"login=a%00b&x=1", false).as_deref(),
            Some("login")
        );
        assert_eq!(form_offender(b"text=a%0Ab", false), None);
        assert_eq!(form_offender(b"q=a%0Ab", true).as_deref(), Some("q"));
        assert_eq!(form_offender(b"q=%D0%B0", true), None);
    }
}
