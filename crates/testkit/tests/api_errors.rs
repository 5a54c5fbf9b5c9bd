//! Every error under `/api/v1` is a problem document in Russian, whatever refused the
//! request: a form body sent to a JSON endpoint (415), JSON that does not read (400), an
//! unknown, missing or mistyped field (422 naming it), a query parameter that does not read
//! or a date that is not `YYYY-MM-DD` (422 naming it), a multipart body without a boundary
//! (400), a path segment that does not decode — never `text/plain` or serde's English.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use kabinet_testkit::people;
use kabinet_testkit::{MailServer, TestApp, TestOptions, backend_test};
use serde_json::{Value, json};

/// The problem document of a response, after checking its media type and language.
async fn problem(res: reqwest::Response, status: u16) -> Value {
    assert_eq!(res.status(), status, "{}", res.url());
    let kind = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert_eq!(kind, "application/problem+json", "{}", res.url());
    let body: Value = res.json().await.unwrap();
    let text = body.to_string();
    for english in [
        "expected",
        "line ",
        "missing field",
        "unknown field",
        "invalid type",
        "Failed to",
    ] {
        assert!(
            !text.contains(english),
            "serde's or axum's English in {text}"
        );
    }
    assert!(
        text.chars().any(|c| ('а'..='я').contains(&c)),
        "Russian: {text}"
    );
    body
}

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["field"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

backend_test! {
    async fn extractor_rejections_are_russian_problems(backend) {
        let smtp = MailServer::start();
        let app = TestApp::spawn_with(backend, TestOptions::with_mail(&smtp)).await;
        let u = people::register_user(&app, &smtp, "errors@example.ru").await;
        let post = |path: &str| u.c.post(app.url(path)).header("X-CSRF-Token", &u.csrf);

        // A form body to a JSON endpoint: 415.
        let res = post("/api/v1/support/tickets").form(&[("subject", "x")]).send().await.unwrap();
        problem(res, 415).await;
        // JSON that does not read: 400.
        let res = post("/api/v1/support/tickets")
            .header("content-type", "application/json")
            .body("{\"subject\": ")
            .send().await.unwrap();
        problem(res, 400).await;

        // An unknown field is refused, naming it (organisation creation, as in the review).
        let res = u.post("/api/v1/organizations", json!({
            "kind": "legal_entity", "inn": "7707083893", "ogrn": "1027700132195", "kpp": "773601001",
            "full_name": "ООО «Ромашка»", "legal_address": "Москва", "registration_date": "2020-01-01"
        })).await;
        let p = problem(res, 422).await;
        assert_eq!(fields(&p), ["registration_date"]);
        // Nothing was created.
        assert_eq!(u.json("/api/v1/organizations").await["items"].as_array().unwrap().len(), 0);

        // A missing field and a field of the wrong kind name the field.
        let p = problem(u.post("/api/v1/applications", json!({})).await, 422).await;
        assert_eq!(fields(&p), ["service_id"]);
        let p = problem(u.post("/api/v1/applications", json!({ "service_id": 5 })).await, 422).await;
        assert_eq!(fields(&p), ["service_id"]);

        // Query parameters: a page that is not a number, a date not in YYYY-MM-DD.
        let p = problem(u.get("/api/v1/applications?page=abc").await, 422).await;
        assert_eq!(fields(&p), ["page"]);
        let p = problem(u.get("/api/v1/applications?from=31.12.2026").await, 422).await;
        assert_eq!(fields(&p), ["from"]);
        let p = problem(u.get("/api/v1/applications?from=2026-01-01&to=2026-02-30").await, 422).await;
        assert_eq!(fields(&p), ["to"]);
        assert_eq!(u.get("/api/v1/applications?from=2026-01-01").await.status(), 200);

        // A multipart body without a boundary: 400.
        let res = post("/api/v1/support/tickets/00000000-0000-0000-0000-000000000000/attachments")
            .header("content-type", "multipart/form-data")
            .body("--x--")
            .send().await.unwrap();
        problem(res, 400).await;

        // A path segment that does not decode (not UTF-8): a problem, not text/plain.
        let res = u.get("/api/v1/applications/%FF%FE").await;
        let status = res.status().as_u16();
        assert!(status == 400 || status == 404, "{status}");
        problem(res, status).await;

        app.stop().await;
    }
}

backend_test! {
    async fn audit_dates_must_be_iso(backend) {
        let app = TestApp::spawn(backend).await;
        let auditor = people::staff_user(&app, "auditor@example.ru", "auditor").await;
        let p = problem(auditor.get("/api/v1/staff/audit?from=31.12.2026").await, 422).await;
        assert_eq!(fields(&p), ["from"]);
        let listed = auditor.json("/api/v1/staff/audit?from=2000-01-01").await;
        assert!(!listed["items"].as_array().unwrap().is_empty(), "{listed}");
        app.stop().await;
    }
}
