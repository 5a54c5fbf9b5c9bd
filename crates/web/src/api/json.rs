//! Extractors for the API whose rejections are problem documents in Russian, never axum's
//! `text/plain` or serde's English: a body that is not JSON is `415`, JSON that does not
//! read is `400`, a field that is missing, unknown or of the wrong kind is `422` naming the
//! field; a query parameter that does not read is `422` naming the parameter; a body that
//! is not `multipart/form-data` with a boundary is `400`.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use kabinet_app::FieldError;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::WebError;

/// `Json<T>` with RFC 9457 errors: `415` without `Content-Type: application/json`, `413`
/// over the body limit, `400` for a body that is not a JSON object, `422` naming the field
/// when one is missing, unknown (every body refuses unknown fields) or of the wrong kind,
/// or when a string holds a refused character (see [`crate::input`]).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let value = match Json::<Value>::from_request(req, state).await {
            Ok(Json(value)) => value,
            Err(rejection) => return Err(json_rejection(&rejection)),
        };
        if let Some(field) = crate::input::json_offender(&value) {
            return Err(crate::input::refused(field));
        }
        // Every body of this API is an object; serde would read a struct from an array too.
        if !value.is_object() {
            return Err(WebError::BadRequest(
                "Тело запроса должно быть объектом JSON ({…}).".to_owned(),
            ));
        }
        serde_path_to_error::deserialize(value)
            .map(ApiJson)
            .map_err(|e| {
                let path = e.path().to_string();
                WebError::Validation(vec![field_error(&path, &e.into_inner().to_string())])
            })
    }
}

fn json_rejection(rejection: &JsonRejection) -> WebError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => {
            WebError::UnsupportedType("api-json-content-type")
        }
        _ if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            WebError::TooLarge("input-too-large")
        }
        _ => WebError::BadRequest(
            "Тело запроса не читается как JSON: проверьте кавычки, запятые и скобки.".to_owned(),
        ),
    }
}

/// The field error for a serde message at `path` (serde_path_to_error's notation, `.` for
/// the root): the field is named in the problem, the message is the catalog's.
fn field_error(path: &str, message: &str) -> FieldError {
    let quoted = message.split('`').nth(1).unwrap_or_default();
    let at = |name: &str| match path {
        "." | "" => name.to_owned(),
        p if p == name || p.ends_with(&format!(".{name}")) => p.to_owned(),
        p => format!("{p}.{name}"),
    };
    if message.starts_with("missing field") {
        FieldError::new(at(quoted), "api-field-required")
    } else if message.starts_with("unknown field") {
        FieldError::new(at(quoted), "api-field-unknown")
    } else if message.starts_with("unknown variant") {
        FieldError::new(path, "api-field-variant")
    } else {
        let field = if path == "." { "body" } else { path };
        FieldError::new(field, "api-field-type")
    }
}

/// `Query<T>` with RFC 9457 errors: `422` naming the parameter that does not read.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let deserializer =
            serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer)
            .map(ApiQuery)
            .map_err(|e| {
                let path = e.path().to_string();
                let message = e.into_inner().to_string();
                let mut error = field_error(&path, &message);
                if error.key == "api-field-type" {
                    error.key = "api-query-invalid";
                }
                WebError::Validation(vec![error])
            })
    }
}

/// A date parameter of a list (`from`, `to`): only `YYYY-MM-DD`, as documented; anything
/// else (`31.12.2026`, `вчера`) is a field error naming the parameter, not an empty list.
pub fn iso_date(name: &str, value: Option<&str>, errors: &mut Vec<FieldError>) -> Option<String> {
    let value = value.map(str::trim).filter(|v| !v.is_empty())?;
    let format = time::macros::format_description!("[year]-[month]-[day]");
    match time::Date::parse(value, format) {
        Ok(date) => Some(date.to_string()),
        Err(_) => {
            errors.push(FieldError::new(name, "api-query-date"));
            None
        }
    }
}

/// Refuses the list's date parameters that are not `YYYY-MM-DD` (see [`iso_date`]).
pub fn iso_dates(params: &[(&str, Option<&str>)]) -> Result<(), WebError> {
    let mut errors = Vec::new();
    for (name, value) in params {
        iso_date(name, *value, &mut errors);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(WebError::Validation(errors))
    }
}

/// `Multipart` with RFC 9457 errors (`400` when the body is not `multipart/form-data` with
/// a boundary).
pub struct ApiMultipart(pub Multipart);

impl<S: Send + Sync> FromRequest<S> for ApiMultipart {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Multipart::from_request(req, state).await {
            Ok(m) => Ok(ApiMultipart(m)),
            Err(_) => Err(WebError::BadRequest(
                "Тело запроса должно быть multipart/form-data с границей частей (boundary) в заголовке Content-Type.".to_owned(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_name_the_field() {
        let e = field_error(".", "missing field `name`");
        assert_eq!((e.field.as_str(), e.key), ("name", "api-field-required"));
        let e = field_error(
            "registration_date",
            "unknown field `registration_date`, expected one of `inn`, `name`",
        );
        assert_eq!(
            (e.field.as_str(), e.key),
            ("registration_date", "api-field-unknown")
        );
        let e = field_error("address", "missing field `city`");
        assert_eq!(e.field, "address.city");
        let e = field_error("page", "invalid digit found in string");
        assert_eq!((e.field.as_str(), e.key), ("page", "api-field-type"));
    }

    #[test]
    fn list_dates_are_iso_only() {
        let mut errors = Vec::new();
        assert_eq!(
            iso_date("from", Some("2026-12-31"), &mut errors).as_deref(),
            Some("2026-12-31")
        );
        assert_eq!(iso_date("from", Some(" "), &mut errors), None);
        assert!(errors.is_empty());
        assert_eq!(iso_date("from", Some("31.12.2026"), &mut errors), None);
        assert_eq!(iso_date("to", Some("2026-02-30"), &mut errors), None);
        let named: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(named, ["from", "to"]);
    }
}
