//! A JSON body extractor whose rejection is a problem document, not plain text.

use axum::Json;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::WebError;

/// `Json<T>` with RFC 9457 errors: `413` over the body limit, `422` naming the field when a string holds a refused character (see
/// [`crate::input`]), `400` for anything else that is not JSON of the right shape.
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
        serde_json::from_value(value)
            .map(ApiJson)
            .map_err(|e| bad_shape(&e.to_string()))
    }
}

fn bad_shape(why: &str) -> WebError {
    WebError::BadRequest(format!(
        "Тело запроса должно быть JSON нужного вида: {why}"
    ))
}
