//! A JSON body extractor whose rejection is a problem document, not plain text.

use axum::Json;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use crate::WebError;

/// `Json<T>` with RFC 9457 errors.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(WebError::BadRequest(format!(
                "Тело запроса должно быть JSON нужного вида: {}",
                rejection.body_text()
            ))),
        }
    }
}
