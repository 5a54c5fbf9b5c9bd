//! A small identity registry of the tests' own (the real one is a third party): it
//! speaks the protocol of docs/registry.md, `POST /v1/person-checks` (and
//! `/v1/organization-checks`: known ИНН with the same full name), and answers from
//! a table of known people — a match when the СНИЛС is known with the same surname,
//! birth date and passport number, a mismatch naming what differs otherwise — or with
//! a failure when told to.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

/// A person the registry knows.
#[derive(Clone, Debug)]
pub struct KnownPerson {
    /// Фамилия.
    pub last_name: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    /// Passport number, 6 digits.
    pub passport_number: String,
}

#[derive(Default)]
struct Shared {
    people: Mutex<HashMap<String, KnownPerson>>,
    organizations: Mutex<HashMap<String, String>>,
    requests: Mutex<Vec<Value>>,
    fail_next: AtomicU32,
}

/// The registry on a free port.
pub struct RegistryStub {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

async fn check(State(shared): State<Arc<Shared>>, Json(body): Json<Value>) -> Response {
    shared
        .requests
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(body.clone());
    if shared
        .fail_next
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let snils = text(&body["snils"]);
    let people = shared.people.lock().unwrap_or_else(|p| p.into_inner());
    let answer = match people.get(&snils) {
        None => json!({ "result": "mismatch", "reason": "СНИЛС не найден в реестре" }),
        Some(p) if p.last_name != text(&body["last_name"]) => {
            json!({ "result": "mismatch", "reason": "фамилия не совпадает с указанной в реестре" })
        }
        Some(p) if p.birth_date != text(&body["birth_date"]) => {
            json!({ "result": "mismatch", "reason": "дата рождения не совпадает" })
        }
        Some(p) if p.passport_number != text(&body["passport"]["number"]) => {
            json!({ "result": "mismatch", "reason": "паспорт недействителен или не найден" })
        }
        Some(_) => json!({ "result": "match" }),
    };
    Json(answer).into_response()
}

async fn check_organization(
    State(shared): State<Arc<Shared>>,
    Json(body): Json<Value>,
) -> Response {
    shared
        .requests
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(body.clone());
    if shared
        .fail_next
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let inn = body["inn"].as_str().unwrap_or_default();
    let organizations = shared
        .organizations
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let answer = match organizations.get(inn) {
        None => json!({ "result": "mismatch", "reason": "ИНН не найден в ЕГРЮЛ/ЕГРИП" }),
        Some(name) if body["full_name"].as_str() != Some(name.as_str()) => {
            json!({ "result": "mismatch", "reason": "наименование не совпадает с реестром" })
        }
        Some(_) => json!({ "result": "match" }),
    };
    Json(answer).into_response()
}

impl RegistryStub {
    /// Adds an organisation under its ИНН with its full name.
    pub fn know_organization(&self, inn: &str, full_name: &str) {
        self.shared
            .organizations
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(inn.to_owned(), full_name.to_owned());
    }

    /// Starts the registry on the current runtime.
    pub async fn start() -> RegistryStub {
        let shared = Arc::new(Shared::default());
        let router = Router::new()
            .route("/v1/person-checks", post(check))
            .route("/v1/organization-checks", post(check_organization))
            .with_state(Arc::clone(&shared));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the registry");
        let addr = listener.local_addr().expect("address");
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        RegistryStub { addr, shared }
    }

    /// The base URL, for `KABINET_REGISTRY_URL`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Adds a person under a СНИЛС (11 digits).
    pub fn know(&self, snils: &str, person: KnownPerson) {
        self.shared
            .people
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(snils.to_owned(), person);
    }

    /// Answers `503` to the next `n` requests.
    pub fn fail_next(&self, n: u32) {
        self.shared.fail_next.store(n, Ordering::SeqCst);
    }

    /// The bodies received so far.
    pub fn requests(&self) -> Vec<Value> {
        self.shared
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}
