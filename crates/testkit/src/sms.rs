//! A stand-in for the SMS gateway (a third party): an HTTP endpoint that takes
//! `POST {"to", "text"}` as the real gateway does and records what it got.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;

/// One SMS the gateway accepted.
#[derive(Clone, Debug)]
pub struct ReceivedSms {
    /// Recipient.
    pub to: String,
    /// Text.
    pub text: String,
    /// The `Idempotency-Key` header.
    pub idempotency_key: Option<String>,
}

#[derive(Default)]
struct Shared {
    sms: Mutex<Vec<ReceivedSms>>,
    fail_next: AtomicU32,
}

/// The gateway stand-in on a free port.
pub struct SmsGatewayStub {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

async fn receive(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> StatusCode {
    if shared
        .fail_next
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let field = |k: &str| body.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    let (Some(to), Some(text)) = (field("to"), field("text")) else {
        return StatusCode::BAD_REQUEST;
    };
    shared
        .sms
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(ReceivedSms {
            to,
            text,
            idempotency_key: headers
                .get("idempotency-key")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        });
    StatusCode::ACCEPTED
}

impl SmsGatewayStub {
    /// Starts the stand-in on the current runtime.
    pub async fn start() -> SmsGatewayStub {
        let shared = Arc::new(Shared::default());
        let router = Router::new()
            .route("/send", post(receive))
            .with_state(Arc::clone(&shared));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the SMS stand-in");
        let addr = listener.local_addr().expect("address");
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        SmsGatewayStub { addr, shared }
    }

    /// The endpoint, for `KABINET_SMS_GATEWAY_URL`.
    pub fn url(&self) -> String {
        format!("http://{}/send", self.addr)
    }

    /// The address it listens on (to put a TLS front before it).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Answers `503` to the next `n` requests.
    pub fn fail_next(&self, n: u32) {
        self.shared.fail_next.store(n, Ordering::SeqCst);
    }

    /// What the gateway accepted so far.
    pub fn messages(&self) -> Vec<ReceivedSms> {
        self.shared
            .sms
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}
