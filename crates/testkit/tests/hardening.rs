//! Findings of the security probe (issue 15), on both backends: the client address
//! behind proxies, control characters in input, redirect targets, the metrics endpoint.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use kabinet_testkit::{TestApp, TestOptions, backend_test, people};
use serde_json::json;

const DEMO_LOGIN: &str = "demo@example.ru";
const DEMO_PASSWORD: &str = "демонстрационный вход";

fn demo_with(env: &[(&str, &str)]) -> TestOptions {
    TestOptions {
        demo: true,
        env: env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        ..TestOptions::default()
    }
}

/// Signs the demo account in with a fresh client, sending `forwarded` as
/// `X-Forwarded-For`; returns the client and its CSRF token.
async fn demo_sign_in(app: &TestApp, forwarded: Option<&str>) -> (reqwest::Client, String) {
    let c = people::client();
    let mut req = c
        .post(app.url("/api/v1/session"))
        .json(&json!({ "login": DEMO_LOGIN, "password": DEMO_PASSWORD }));
    if let Some(f) = forwarded {
        req = req.header("x-forwarded-for", f);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let csrf = people::csrf_of(app, &c).await;
    (c, csrf)
}

backend_test! {
    async fn the_forwarded_client_is_the_hop_the_trusted_proxy_appended(backend) {
        let app = TestApp::spawn_with(backend, demo_with(&[
            ("KABINET_TRUST_FORWARDED_HEADERS", "true"),
        ])).await;
        // A forged leftmost entry, then the one the proxy appended.
        let (c, _) = demo_sign_in(&app, Some("6.6.6.6, 10.1.2.3")).await;
        // Not an address where the proxy's entry should be: the socket's address.
        demo_sign_in(&app, Some("10.9.9.9, not-an-address")).await;
        let page = c.get(app.url("/security")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("10.1.2.3"), "{page}");
        assert!(page.contains("127.0.0.1"), "{page}");
        assert!(!page.contains("6.6.6.6") && !page.contains("10.9.9.9"), "{page}");
        app.stop().await;
    }
}

backend_test! {
    async fn two_trusted_proxies_skip_two_hops(backend) {
        let app = TestApp::spawn_with(backend, demo_with(&[
            ("KABINET_TRUST_FORWARDED_HEADERS", "true"),
            ("KABINET_TRUSTED_PROXIES", "2"),
        ])).await;
        let (c, _) = demo_sign_in(&app, Some("6.6.6.6, 10.1.2.3, 10.0.0.7")).await;
        let page = c.get(app.url("/security")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("10.1.2.3"), "{page}");
        assert!(!page.contains("6.6.6.6") && !page.contains("10.0.0.7"), "{page}");
        app.stop().await;
    }
}

/// Files an application as the demo account, so it has a message in «Мои сообщения»;
/// returns the message's id.
async fn a_message(app: &TestApp, c: &reqwest::Client, csrf: &str) -> String {
    let res = c.post(app.url("/api/v1/applications")).header("x-csrf-token", csrf)
        .json(&json!({ "service_id": "appeal-question", "fields": { "topic": "service", "question": "Когда будет готова справка?" } }))
        .send().await.unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let id = res.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = c
        .post(app.url(&format!("/api/v1/applications/{id}/submit")))
        .header("x-csrf-token", csrf)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let list: serde_json::Value = c
        .get(app.url("/api/v1/notifications"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    list["items"][0]["id"]
        .as_str()
        .expect("a message")
        .to_owned()
}

backend_test! {
    async fn the_next_of_a_message_stays_on_this_site(backend) {
        let app = TestApp::spawn_with(backend, demo_with(&[])).await;
        let (c, csrf) = demo_sign_in(&app, None).await;
        let nid = a_message(&app, &c, &csrf).await;
        let read = |next: &'static str| {
            let c = c.clone();
            let url = app.url(&format!("/messages/{nid}/read"));
            let csrf = csrf.clone();
            async move {
                c.post(url).form(&[("csrf_token", csrf.as_str()), ("next", next)]).send().await.unwrap()
            }
        };
        for bad in [
            "//evil.example/", "/\\evil.example/", "/\t/evil.example/", "/\r\nSet-Cookie: a=b",
            "/\n/evil.example", "/%0d%0aSet-Cookie:%20a=b", "/%2F%2Fevil.example", "https://evil.example/",
            " /messages", "/ /evil.example",
        ] {
            let res = read(bad).await;
            assert_eq!(res.status(), 303, "{bad:?}");
            assert_eq!(res.headers()["location"], "/messages", "{bad:?}");
        }
        let res = read("/applications?status=submitted").await;
        assert_eq!(res.headers()["location"], "/applications?status=submitted");
        app.stop().await;
    }
}

backend_test! {
    async fn metrics_are_not_public_by_default(backend) {
        let app = TestApp::spawn(backend).await;
        let res = app.get("/metrics").await;
        assert_eq!(res.status(), 404);
        let res = app.client.get(app.url("/metrics")).bearer_auth("anything-at-all-here").send().await.unwrap();
        assert_eq!(res.status(), 404);
        assert!(app.metrics_addr.is_none());
        app.stop().await;
    }
}

backend_test! {
    async fn metrics_answer_the_token_or_the_separate_address(backend) {
        let app = TestApp::spawn_with(backend, demo_with(&[
            ("KABINET_METRICS_TOKEN", "a-scraper-token-1234"),
            ("KABINET_METRICS_LISTEN", "127.0.0.1:0"),
        ])).await;
        let get = |token: Option<&'static str>| {
            let mut req = app.client.get(app.url("/metrics"));
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            req.send()
        };
        let res = get(None).await.unwrap();
        assert_eq!(res.status(), 401);
        assert_eq!(res.headers()["www-authenticate"], "Bearer realm=\"metrics\"");
        assert_eq!(get(Some("a-scraper-token-123")).await.unwrap().status(), 401);
        assert_eq!(get(Some("a-scraper-token-12345")).await.unwrap().status(), 401);
        let res = get(Some("a-scraper-token-1234")).await.unwrap();
        assert_eq!(res.status(), 200);
        assert!(res.text().await.unwrap().contains("kabinet_database_up 1"));
        // The separate address: no token, and only /metrics.
        let metrics = format!("http://{}", app.metrics_addr.unwrap());
        let res = app.client.get(format!("{metrics}/metrics")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let text = res.text().await.unwrap();
        assert!(text.contains("route=\"/metrics\",status=\"401\""), "{text}");
        assert_eq!(app.client.get(format!("{metrics}/")).send().await.unwrap().status(), 404);
        assert_eq!(app.client.get(format!("{metrics}/api/v1/services")).send().await.unwrap().status(), 404);
        app.stop().await;
    }
}

/// What a probe expects: the status, and for `422` the field the problem names.
async fn expect(res: reqwest::Response, status: u16, field: Option<&str>, what: &str) {
    let got = res.status().as_u16();
    let api = res
        .headers()
        .get("content-type")
        .is_some_and(|v| v == "application/problem+json");
    let body = res.text().await.unwrap();
    assert_eq!(got, status, "{what}: {body}");
    if let Some(field) = field {
        if api {
            let problem: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(problem["errors"][0]["field"], field, "{what}: {body}");
            assert!(
                problem["errors"][0]["message"]
                    .as_str()
                    .unwrap()
                    .contains("недопустимый символ"),
                "{body}"
            );
        } else {
            assert!(
                body.contains(&format!("«{field}»")) && body.contains("недопустимый символ"),
                "{what}: {body}"
            );
        }
    }
}

backend_test! {
    async fn nul_and_control_characters_are_refused_at_the_edge(backend) {
        let app = TestApp::spawn_with(backend, demo_with(&[])).await;
        let anon = people::client();
        let nul = "a\u{0}b";
        // Public: paths, queries, JSON and forms.
        for path in ["/api/v1/services/%00", "/services/%00", "/api/v1/registrations/x%00/confirm", "/%00", "/api/v1/%0a", "/api/v1/applications/%C0%80", "/services/%FF"] {
            let res = if path.ends_with("confirm") {
                anon.post(app.url(path)).json(&json!({ "code": "123456" })).send().await.unwrap()
            } else {
                anon.get(app.url(path)).send().await.unwrap()
            };
            expect(res, 404, None, path).await;
        }
        expect(anon.get(app.url("/api/v1/services?q=%00")).send().await.unwrap(), 422, Some("q"), "api query").await;
        expect(anon.get(app.url("/services?q=a%0Ab")).send().await.unwrap(), 422, Some("q"), "page query").await;
        for (path, body, field) in [
            ("/api/v1/session", json!({ "login": nul, "password": "x" }), "login"),
            ("/api/v1/session", json!({ "login": "demo@example.ru", "password": nul }), "password"),
            ("/api/v1/registrations", json!({ "contact": "a\u{0}@example.ru", "password": "тихая лодка плывёт" }), "contact"),
            ("/api/v1/password-recovery", json!({ "login": nul }), "login"),
            ("/api/v1/unlock", json!({ "login": "a\nb" }), "login"),
            ("/api/v1/unlock/confirm", json!({ "login": "a", "code": "1\u{1}" }), "code"),
        ] {
            let res = anon.post(app.url(path)).json(&body).send().await.unwrap();
            expect(res, 422, Some(field), path).await;
        }
        for (path, form) in [
            ("/login", vec![("csrf_token", "x"), ("login", nul), ("password", "x")]),
            ("/registration", vec![("csrf_token", "x"), ("contact", nul), ("password", "x")]),
            ("/password-recovery", vec![("csrf_token", "x"), ("login", nul)]),
            ("/unlock", vec![("csrf_token", "x\r\n"), ("login", "a")]),
        ] {
            let field = form.iter().find(|(_, v)| v.chars().any(char::is_control)).unwrap().0;
            let res = anon.post(app.url(path)).form(&form).send().await.unwrap();
            expect(res, 422, Some(field), path).await;
        }

        // Signed in.
        let (c, csrf) = demo_sign_in(&app, None).await;
        for path in ["/api/v1/applications/%00", "/api/v1/notifications/%00", "/applications/%00", "/messages/%00", "/api/v1/support/tickets/%00", "/organizations/%00"] {
            expect(c.get(app.url(path)).send().await.unwrap(), 404, None, path).await;
        }
        for path in ["/api/v1/notifications/%00/read", "/api/v1/applications/%00/submit", "/api/v1/organizations/%00/invitations"] {
            let res = c.post(app.url(path)).header("x-csrf-token", &csrf).json(&json!({})).send().await.unwrap();
            expect(res, 404, None, path).await;
        }
        let res = c.post(app.url("/messages/%00/read")).form(&[("csrf_token", csrf.as_str())]).send().await.unwrap();
        expect(res, 404, None, "page path").await;
        expect(c.get(app.url("/api/v1/applications?number=%00")).send().await.unwrap(), 422, Some("number"), "list query").await;
        expect(c.get(app.url("/applications?status=%00")).send().await.unwrap(), 422, Some("status"), "page list query").await;
        for (method, path, body, field) in [
            ("POST", "/api/v1/applications", json!({ "service_id": "appeal-question", "fields": { "topic": "service", "question": nul } }), "fields.question"),
            ("POST", "/api/v1/applications", json!({ "service_id": nul, "fields": {} }), "service_id"),
            ("PATCH", "/api/v1/me", json!({ "last_name": "Иванов\u{0}" }), "last_name"),
            ("PATCH", "/api/v1/me", json!({ "address": { "city": nul } }), "address.city"),
            ("POST", "/api/v1/support/tickets", json!({ "subject": "Вопрос", "text": nul }), "text"),
            ("POST", "/api/v1/organizations", json!({ "inn": nul }), "inn"),
            ("PUT", "/api/v1/me/notification-webhook", json!({ "url": "https://example.ru/\u{0}" }), "url"),
            ("POST", "/api/v1/me/contacts", json!({ "contact": nul }), "contact"),
        ] {
            let req = match method {
                "PATCH" => c.patch(app.url(path)),
                "PUT" => c.put(app.url(path)),
                _ => c.post(app.url(path)),
            };
            let res = req.header("x-csrf-token", &csrf).json(&body).send().await.unwrap();
            expect(res, 422, Some(field), path).await;
        }
        // Multi-line fields keep their line breaks and tabs.
        let res = c.post(app.url("/api/v1/applications")).header("x-csrf-token", &csrf)
            .json(&json!({ "service_id": "appeal-question", "fields": { "topic": "service", "question": "Первая строка\n\tвторая" } }))
            .send().await.unwrap();
        assert_eq!(res.status(), 201);
        let id = res.json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
        for (path, form) in [
            (format!("/applications/{id}/comment"), vec![("csrf_token", csrf.as_str()), ("text", nul)]),
            (format!("/applications/{id}/step/1"), vec![("csrf_token", csrf.as_str()), ("question", nul)]),
            ("/profile/contacts".to_owned(), vec![("csrf_token", csrf.as_str()), ("contact", nul)]),
            ("/settings/notifications/webhook".to_owned(), vec![("csrf_token", csrf.as_str()), ("url", nul)]),
        ] {
            let res = c.post(app.url(&path)).form(&form).send().await.unwrap();
            expect(res, 422, Some(form[1].0), &path).await;
        }
        // A multipart text field.
        let form = reqwest::multipart::Form::new().text("text", nul.to_owned());
        let res = c.post(app.url("/api/v1/support/tickets/nothing/messages")).header("x-csrf-token", &csrf).multipart(form).send().await.unwrap();
        assert!(res.status().is_client_error(), "{}", res.status());
        let form = reqwest::multipart::Form::new().text("csrf_token", csrf.clone()).text("subject", nul.to_owned()).text("text", "Вопрос");
        let res = c.post(app.url("/feedback")).multipart(form).send().await.unwrap();
        expect(res, 422, Some("subject"), "feedback multipart").await;
        app.stop().await;
    }
}

backend_test! {
    async fn the_openapi_document_says_what_the_api_answers(backend) {
        let app = TestApp::spawn(backend).await;
        let doc: serde_json::Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for name in ["ServiceDocument", "OrganizationDocument", "ApplicationHistoryItem", "OrganizationHistoryItem"] {
            assert!(schemas.contains_key(name), "{name}");
        }
        assert!(!schemas.contains_key("DocumentItem") && !schemas.contains_key("HistoryItem"));
        let mut ids = std::collections::HashSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let id = op["operationId"].as_str().unwrap();
                assert!(ids.insert(id.to_owned()), "operationId {id} twice");
                if !path.starts_with("/api/v1/") || path == "/api/v1/openapi.json" {
                    continue;
                }
                for status in ["400", "401", "403", "404", "422"] {
                    assert!(op["responses"].get(status).is_some(), "{method} {path} {status}");
                }
                if op.get("requestBody").is_some() {
                    assert!(op["responses"].get("413").is_some(), "{method} {path} 413");
                }
            }
        }
        for path in ["/api/v1/session", "/api/v1/registrations", "/api/v1/password-recovery", "/api/v1/unlock"] {
            assert!(doc["paths"][path]["post"]["responses"].get("429").is_some(), "{path} 429");
        }
        // What the edge refuses, the schema says: an empty login, control characters.
        let login = &schemas["SignInRequest"]["properties"]["login"];
        assert_eq!(login["minLength"], 1);
        assert!(login["pattern"].as_str().unwrap().contains("\\u0000"));
        app.stop().await;
    }
}

backend_test! {
    async fn oversized_json_unreadable_queries_and_forged_organisation_calls(backend) {
        let app = TestApp::spawn_with(backend, demo_with(&[])).await;
        let anon = people::client();
        // A JSON body over the limit: 413 problem details, not 400.
        let huge = format!("{{\"login\":\"{}\",\"password\":\"x\"}}", "a".repeat(3 * 1024 * 1024));
        // (A client of its own: the server may close the connection before reading all.)
        let res = people::client().post(app.url("/api/v1/session")).header("content-type", "application/json").body(huge).send().await.unwrap();
        assert_eq!(res.status(), 413);
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        // An empty required string: 422, as the schema's minLength says.
        let res = anon.post(app.url("/api/v1/session")).json(&json!({ "login": "", "password": "x" })).send().await.unwrap();
        assert_eq!(res.status(), 422);

        let (c, csrf) = demo_sign_in(&app, None).await;
        // A body that is not an object, even where every field is optional: 400.
        let res = c.post(app.url("/api/v1/notifications/read-all")).header("X-CSRF-Token", &csrf).json(&json!([])).send().await.unwrap();
        assert_eq!(res.status(), 400);
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        // Query parameters and multipart bodies that do not read: problem details (a
        // parameter is named: 422).
        let res = c.get(app.url("/api/v1/applications?page=abc")).send().await.unwrap();
        assert_eq!(res.status(), 422);
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let res = c.post(app.url("/api/v1/support/tickets/x/attachments")).header("x-csrf-token", &csrf)
            .json(&json!({})).send().await.unwrap();
        assert_eq!(res.status(), 400);
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        // A state change for a bogus organisation without the CSRF token: the CSRF
        // refusal comes first, before any organisation lookup.
        let body = json!({ "service_id": "appeal-question", "fields": {} });
        let res = c.post(app.url("/api/v1/applications")).header("x-kabinet-organization", "bogus").json(&body).send().await.unwrap();
        assert_eq!(res.status(), 403);
        let problem: serde_json::Value = res.json().await.unwrap();
        assert_eq!(problem["type"], "urn:kabinet:problem:refused");
        let res = c.post(app.url("/api/v1/applications")).header("x-kabinet-organization", "bogus")
            .header("x-csrf-token", &csrf).json(&body).send().await.unwrap();
        assert_eq!(res.status(), 404, "with the token, an unknown organisation is not found");
        // Reading needs no token: the organisation is looked up.
        let res = c.get(app.url("/api/v1/applications")).header("x-kabinet-organization", "bogus").send().await.unwrap();
        assert_eq!(res.status(), 404);
        app.stop().await;
    }
}
