//! The web skeleton on both backends: pages in Russian, security headers, request ids,
//! errors as pages and problem documents, health, metrics, OpenAPI.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use kabinet_testkit::{TestApp, TestOptions, backend_test};
use serde_json::Value;

backend_test! {
    async fn home_page_is_russian_with_security_headers(backend) {
        let app = TestApp::spawn(backend).await;
        let res = app.get("/").await;
        assert_eq!(res.status(), 200);
        let h = res.headers().clone();
        assert_eq!(h["content-type"], "text/html; charset=utf-8");
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"));
        assert!(!csp.contains("unsafe-inline"));
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "same-origin");
        assert_eq!(h["cache-control"], "no-store");
        assert!(h.get("strict-transport-security").is_none(), "no HSTS over plain HTTP");
        assert_eq!(h["x-request-id"].len(), 36);
        let body = res.text().await.unwrap();
        assert!(body.contains("<html lang=\"ru\">"));
        assert!(body.contains("<h1>Личный кабинет</h1>"));
        assert!(body.contains("href=\"#main\""), "skip link");
        assert!(!body.contains("Демонстрационный режим"), "demo banner only in demo mode");
        let css = app.get("/static/app.css").await;
        assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
        app.stop().await;
    }
}

backend_test! {
    async fn hsts_and_demo_banner_when_configured(backend) {
        let app = TestApp::spawn_with(backend, TestOptions {
            demo: true,
            env: vec![("KABINET_PUBLIC_URL".into(), "https://kabinet.example.ru".into())],
            ..TestOptions::default()
        }).await;
        let res = app.get("/").await;
        assert_eq!(res.headers()["strict-transport-security"], "max-age=31536000; includeSubDomains");
        assert!(res.text().await.unwrap().contains("Демонстрационный режим"));
        // The demo applicant can sign in at once.
        let res = app.client.post(app.url("/api/v1/session"))
            .json(&serde_json::json!({ "login": "demo@example.ru", "password": "демонстрационный вход" }))
            .send().await.unwrap();
        assert_eq!(res.status(), 200);
        app.stop().await;
    }
}

backend_test! {
    async fn request_ids_are_taken_or_made(backend) {
        let app = TestApp::spawn(backend).await;
        let res = app.client.get(app.url("/healthz")).header("x-request-id", "trace-42").send().await.unwrap();
        assert_eq!(res.headers()["x-request-id"], "trace-42");
        let res = app.client.get(app.url("/healthz")).header("x-request-id", "bad id\twith junk").send().await.unwrap();
        assert_ne!(res.headers()["x-request-id"], "bad id\twith junk");
        app.stop().await;
    }
}

backend_test! {
    async fn unknown_addresses_get_a_page_or_a_problem(backend) {
        let app = TestApp::spawn(backend).await;
        let page = app.get("/no/such/page").await;
        assert_eq!(page.status(), 404);
        assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
        let body = page.text().await.unwrap();
        assert!(body.contains("Страница не найдена"), "{body}");

        let api = app.get("/api/v1/no-such-thing").await;
        assert_eq!(api.status(), 404);
        assert_eq!(api.headers()["content-type"], "application/problem+json");
        let request_id = api.headers()["x-request-id"].to_str().unwrap().to_owned();
        let problem: Value = api.json().await.unwrap();
        assert_eq!(problem["status"], 404);
        assert_eq!(problem["type"], "urn:kabinet:problem:not-found");
        assert_eq!(problem["title"], "Ресурс не найден");
        assert_eq!(problem["request_id"], request_id.as_str());

        let wrong_method = app.client.post(app.url("/api/v1/openapi.json")).send().await.unwrap();
        assert_eq!(wrong_method.status(), 405);
        assert_eq!(wrong_method.headers()["content-type"], "application/problem+json");
        let wrong_page = app.client.post(app.url("/")).send().await.unwrap();
        assert_eq!(wrong_page.status(), 405);
        assert!(wrong_page.text().await.unwrap().contains("Действие недоступно"));
        app.stop().await;
    }
}

backend_test! {
    async fn health_readiness_and_metrics(backend) {
        let app = TestApp::spawn_with(backend, TestOptions {
            env: vec![("KABINET_METRICS_TOKEN".into(), "a-scraper-token-1234".into())],
            ..TestOptions::default()
        }).await;
        assert_eq!(app.get("/healthz").await.json::<Value>().await.unwrap()["status"], "ok");
        let ready = app.get("/readyz").await;
        assert_eq!(ready.status(), 200);
        assert_eq!(ready.json::<Value>().await.unwrap()["status"], "ready");

        let metrics = app.client.get(app.url("/metrics")).bearer_auth("a-scraper-token-1234").send().await.unwrap();
        assert!(metrics.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
        let text = metrics.text().await.unwrap();
        assert!(text.contains("kabinet_http_requests_total{method=\"GET\",route=\"/readyz\",status=\"200\"} 1"), "{text}");
        assert!(text.contains("kabinet_database_up 1"));
        assert!(text.contains("kabinet_outbox_events{state=\"pending\"} 0"));
        assert!(text.contains("process_resident_memory_bytes "));

        // The database goes away: not ready, but still alive.
        app.app.store.close().await;
        let down = app.get("/readyz").await;
        assert_eq!(down.status(), 503);
        assert_eq!(down.headers()["content-type"], "application/problem+json");
        assert_eq!(app.get("/healthz").await.status(), 200);
        app.stop().await;
    }
}

backend_test! {
    async fn openapi_document_and_its_page(backend) {
        let app = TestApp::spawn(backend).await;
        let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        for path in ["/healthz", "/readyz", "/metrics", "/api/v1/openapi.json"] {
            assert!(doc["paths"].get(path).is_some(), "{path} is documented");
        }
        assert!(doc["components"]["schemas"].get("Problem").is_some());
        // The fixed paths of API.md that exist so far, with their methods.
        for (path, method) in [
            ("/api/v1/me", "get"), ("/api/v1/me", "patch"), ("/api/v1/me", "delete"), ("/api/v1/me/history", "get"),
            ("/api/v1/services", "get"), ("/api/v1/services/{id}", "get"),
            ("/api/v1/applications", "post"), ("/api/v1/applications", "get"), ("/api/v1/applications/{id}", "get"),
            ("/api/v1/applications/{id}/submit", "post"), ("/api/v1/applications/{id}/attachments", "post"),
            ("/api/v1/applications/{id}/comments", "post"), ("/api/v1/applications/events", "get"),
            ("/api/v1/staff/applications/{id}/transition", "post"),
            ("/api/v1/staff/accounts/{id}/confirm-identity", "post"),
        ] {
            assert!(doc["paths"][path].get(method).is_some(), "{method} {path} is documented");
        }
        let page = app.get("/api/docs").await.text().await.unwrap();
        assert!(page.contains("<h1>Описание API</h1>"));
        assert!(page.contains("<code>/readyz</code>"));
        assert!(page.contains("Сервис готов: база данных доступна"));
        app.stop().await;
    }
}
