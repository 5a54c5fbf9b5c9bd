//! Live status (APP-8) for the API and the pages alike: one server-sent events stream.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use kabinet_app::applications;

use crate::session::Visit;
use crate::{AppState, WebError};

/// Live status (APP-8): server-sent events `application` with `{"id","status","version"}`
/// whenever one of the caller's applications changes. Every process reads the database
/// (once a second), so a change made through any process reaches every browser.
#[utoipa::path(get, path = "/api/v1/applications/events", tag = "applications",
    summary = "Изменения статусов (server-sent events)",
    responses((status = 200, description = "An event stream", content_type = "text/event-stream")))]
pub async fn events(State(state): State<AppState>, visit: Visit) -> Result<Response, WebError> {
    let who = visit.require()?.clone();
    let app = state.app.clone();
    let mut known = applications::versions(&app, &who).await?;
    let stream = async_stream(move |tx| async move {
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let Ok(now) = applications::versions(&app, &who).await else {
                break;
            };
            for (id, version, status) in &now {
                let changed = known
                    .iter()
                    .find(|(k, _, _)| k == id)
                    .is_none_or(|(_, v, _)| v != version);
                if changed {
                    let data =
                        serde_json::json!({ "id": id, "status": status, "version": version })
                            .to_string();
                    if tx
                        .send(Ok(SseEvent::default().event("application").data(data)))
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            }
            known = now;
        }
    });
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response())
}

/// A stream fed by a task; it ends when the client goes away.
fn async_stream<F, Fut>(f: F) -> impl futures_core::Stream<Item = Result<SseEvent, Infallible>>
where
    F: FnOnce(tokio::sync::mpsc::Sender<Result<SseEvent, Infallible>>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    tokio::spawn(f(tx));
    ReceiverStream(rx)
}

struct ReceiverStream(tokio::sync::mpsc::Receiver<Result<SseEvent, Infallible>>);

impl futures_core::Stream for ReceiverStream {
    type Item = Result<SseEvent, Infallible>;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.0.poll_recv(cx)
    }
}
