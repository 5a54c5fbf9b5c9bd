//! «Активные сеансы» through the API on both backends: the list with the current one
//! marked, ending another session, ending all the others, ending one's own (signs out),
//! another account's session not found, CSRF required.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use kabinet_testkit::people::{self, PASSWORD};
use kabinet_testkit::{MailServer, TestApp, TestOptions, backend_test};
use reqwest::Method;
use serde_json::{Value, json};

async fn sign_in(app: &TestApp, email: &str) -> people::User {
    let c = people::client();
    let res = c
        .post(app.url("/api/v1/session"))
        .header("user-agent", "SecondBrowser/1.0")
        .json(&json!({ "login": email, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let csrf = people::csrf_of(app, &c).await;
    people::User {
        c,
        csrf,
        base: app.url(""),
        org: None,
    }
}

backend_test! {
    async fn sessions_are_listed_and_ended_through_the_api(backend) {
        let smtp = MailServer::start();
        let app = TestApp::spawn_with(backend, TestOptions {
            worker: true,
            env: vec![
                ("KABINET_SMTP_URL".into(), smtp.url()),
                ("KABINET_PASSWORD_ARGON2_MEMORY_KIB".into(), "1024".into()),
                ("KABINET_PASSWORD_ARGON2_ITERATIONS".into(), "1".into()),
            ],
            ..TestOptions::default()
        }).await;
        let first = people::register_user(&app, &smtp, "sessions@example.ru").await;
        let second = sign_in(&app, "sessions@example.ru").await;
        let third = sign_in(&app, "sessions@example.ru").await;
        let other = people::register_user(&app, &smtp, "someone@example.ru").await;

        let list: Value = first.json("/api/v1/me/sessions").await;
        let items = list["items"].as_array().unwrap();
        assert_eq!(items.len(), 3);
        assert_eq!(items.iter().filter(|s| s["current"] == true).count(), 1);
        assert!(items.iter().any(|s| s["user_agent"] == "SecondBrowser/1.0"));
        let current = items.iter().find(|s| s["current"] == true).unwrap()["id"].as_str().unwrap().to_owned();
        let others: Vec<String> = items.iter().filter(|s| s["current"] == false).map(|s| s["id"].as_str().unwrap().to_owned()).collect();

        // Not without the CSRF token; not another account's session.
        let res = first.c.delete(app.url(&format!("/api/v1/me/sessions/{}", others[0]))).send().await.unwrap();
        assert_eq!(res.status(), 403);
        assert_eq!(other.send(Method::DELETE, &format!("/api/v1/me/sessions/{}", others[0]), None).await.status(), 404);

        // «Завершить» one: that browser is signed out.
        assert_eq!(first.send(Method::DELETE, &format!("/api/v1/me/sessions/{}", others[0]), None).await.status(), 204);
        let statuses = [second.get("/api/v1/session").await.status().as_u16(), third.get("/api/v1/session").await.status().as_u16()];
        assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 1, "{statuses:?}");

        // «Завершить все остальные».
        let ended: Value = first.send(Method::DELETE, "/api/v1/me/sessions", None).await.json().await.unwrap();
        assert_eq!(ended["ended"], 1);
        assert_eq!(second.get("/api/v1/session").await.status(), 401);
        assert_eq!(third.get("/api/v1/session").await.status(), 401);
        let list: Value = first.json("/api/v1/me/sessions").await;
        assert_eq!(list["items"].as_array().unwrap().len(), 1);

        // Ending one's own signs out and clears the cookie.
        let res = first.send(Method::DELETE, &format!("/api/v1/me/sessions/{current}"), None).await;
        assert_eq!(res.status(), 204);
        assert!(res.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
        assert_eq!(first.get("/api/v1/session").await.status(), 401);
        assert_eq!(first.get("/api/v1/me/sessions").await.status(), 401);
        app.stop().await;
    }
}
