//! A JSON body extractor whose rejection is a problem document, not plain text.

use axum::Json;
use axum::extract::{FromRequest, FromRequestParts, Multipart, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::WebError;

/// `Json<T>` with RFC 9457 errors: `413` over the body limit, `422` naming the field when a string holds a refused character (see
/// [`crate::input`]), `400` for anything else that is not a JSON object of the right shape.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let value = match Json::<Value>::from_request(req, state).await {
            Ok(Json(value)) => value,
            Err(rejection) => {
                return Err(if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    WebError::TooLarge("input-too-large")
                } else {
                    bad_shape(&rejection.body_text())
                });
            }
        };
        if let Some(field) = crate::input::json_offender(&value) {
            return Err(crate::input::refused(field));
        }
        // Every body of this API is an object; serde would read a struct from an array too.
        if !value.is_object() {
            return Err(bad_shape("ожидается объект"));
        }
        serde_json::from_value(value)
            .map(ApiJson)
            .map_err(|e| bad_shape(&e.to_string()))
    }
}

fn bad_shape(why: &str) -> WebError {
    WebError::BadRequest(format!("Тело запроса должно быть JSON нужного вида: {why}"))
}

/// `Query<T>` with RFC 9457 errors (`400` for a parameter that does not read).
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(WebError::BadRequest(format!(
                "Параметры запроса не читаются: {}",
                rejection.body_text()
            ))),
        }
    }
}

/// `Multipart` with RFC 9457 errors (`400` when the body is not `multipart/form-data`).
pub struct ApiMultipart(pub Multipart);

impl<S: Send + Sync> FromRequest<S> for ApiMultipart {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Multipart::from_request(req, state).await {
            Ok(m) => Ok(ApiMultipart(m)),
            Err(rejection) => Err(WebError::BadRequest(format!(
                "Тело запроса должно быть multipart/form-data: {}",
                rejection.body_text()
            ))),
        }
    }
}
