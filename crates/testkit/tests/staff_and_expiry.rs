//! Staff bootstrap and password expiry on both backends: a one-time password must be
//! replaced before anything else, an expired password opens only the change.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Duration as StdDuration;

use kabinet_app::Ctx;
use kabinet_testkit::{MailServer, TestApp, TestBackend, TestOptions, backend_test};
use serde_json::{Value, json};
use time::Duration;

async fn spawn(backend: TestBackend, smtp: &MailServer) -> TestApp {
    TestApp::spawn_with(
        backend,
        TestOptions {
            worker: true,
            manual_clock: true,
            env: vec![
                ("KABINET_SMTP_URL".into(), smtp.url()),
                ("KABINET_PASSWORD_ARGON2_MEMORY_KIB".into(), "1024".into()),
                ("KABINET_PASSWORD_ARGON2_ITERATIONS".into(), "1".into()),
                ("KABINET_PASSWORD_MAX_AGE_DAYS".into(), "90".into()),
            ],
            ..TestOptions::default()
        },
    )
    .await
}

async fn post(app: &TestApp, path: &str, csrf: Option<&str>, body: Value) -> reqwest::Response {
    let mut req = app.client.post(app.url(path)).json(&body);
    if let Some(c) = csrf {
        req = req.header("X-CSRF-Token", c);
    }
    req.send().await.unwrap()
}

async fn session(app: &TestApp) -> Value {
    app.get("/api/v1/session").await.json().await.unwrap()
}

backend_test! {
    async fn staff_must_replace_the_one_time_password(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp).await;
        let staff = kabinet_app::staff::create_staff(&app.app, &Ctx::cli(), "Operator@Kabinet.ru", "operator").await.unwrap();
        assert_eq!(staff.one_time_password.len(), 23);
        let again = kabinet_app::staff::create_staff(&app.app, &Ctx::cli(), "operator@kabinet.ru", "admin").await;
        assert!(again.is_err(), "one account per e-mail");
        assert!(kabinet_app::staff::create_staff(&app.app, &Ctx::cli(), "x@kabinet.ru", "root").await.is_err());

        let res = post(&app, "/api/v1/session", None, json!({ "login": "operator@kabinet.ru", "password": staff.one_time_password })).await;
        assert_eq!(res.status(), 200);
        let s = session(&app).await;
        assert_eq!(s["level"], "confirmed");
        let csrf = s["csrf_token"].as_str().unwrap().to_owned();
        let res = post(&app, "/api/v1/me/mfa/totp", Some(&csrf), json!({})).await;
        assert_eq!(res.status(), 403);
        assert_eq!(res.json::<Value>().await.unwrap()["detail"], "Сначала смените пароль");
        assert_eq!(app.get("/security").await.headers()["location"], "/security/password");

        let res = post(&app, "/api/v1/me/password", Some(&csrf), json!({ "current_password": "wrong", "new_password": "новый пароль сотрудника" })).await;
        assert_eq!(res.status(), 422);
        let res = post(&app, "/api/v1/me/password", Some(&csrf), json!({ "current_password": staff.one_time_password, "new_password": "новый пароль сотрудника" })).await;
        assert_eq!(res.status(), 204);
        assert_eq!(post(&app, "/api/v1/me/mfa/totp", Some(&csrf), json!({})).await.status(), 200, "now the authenticator can be enrolled");
        app.stop().await;
    }
}

backend_test! {
    async fn an_expired_password_opens_only_the_change(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp).await;
        let res = post(&app, "/api/v1/registrations", None, json!({ "contact": "old@example.ru", "password": "тихая лодка плывёт" })).await;
        let id = res.json::<Value>().await.unwrap()["registration_id"].as_str().unwrap().to_owned();
        let code = smtp.wait_for(1, StdDuration::from_secs(10)).await[0].code().unwrap();
        post(&app, &format!("/api/v1/registrations/{id}/confirm"), None, json!({ "code": code })).await;
        assert_eq!(session(&app).await["status"], "active");

        app.clock.as_ref().unwrap().advance(Duration::days(91));
        post(&app, "/api/v1/session", None, json!({ "login": "old@example.ru", "password": "тихая лодка плывёт" })).await;
        let s = session(&app).await;
        assert_eq!(s["status"], "expired");
        let csrf = s["csrf_token"].as_str().unwrap().to_owned();
        assert_eq!(post(&app, "/api/v1/me/mfa/totp", Some(&csrf), json!({})).await.status(), 403);
        let res = post(&app, "/api/v1/me/password", Some(&csrf), json!({ "current_password": "тихая лодка плывёт", "new_password": "тихая лодка плывёт" })).await;
        assert_eq!(res.status(), 422, "the old password cannot come back");
        let res = post(&app, "/api/v1/me/password", Some(&csrf), json!({ "current_password": "тихая лодка плывёт", "new_password": "новая осень пришла" })).await;
        assert_eq!(res.status(), 204);
        assert_eq!(session(&app).await["status"], "active");
        app.stop().await;
    }
}

backend_test! {
    async fn a_reminder_comes_a_week_before_expiry_once(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp).await;
        let res = post(&app, "/api/v1/registrations", None, json!({ "contact": "remind@example.ru", "password": "тихая лодка плывёт" })).await;
        let id = res.json::<Value>().await.unwrap()["registration_id"].as_str().unwrap().to_owned();
        let code = smtp.wait_for(1, StdDuration::from_secs(10)).await[0].code().unwrap();
        post(&app, &format!("/api/v1/registrations/{id}/confirm"), None, json!({ "code": code })).await;
        let clock = app.clock.clone().unwrap();

        clock.advance(Duration::days(82));
        assert_eq!(kabinet_app::auth::send_password_reminders(&app.app).await.unwrap(), 0, "not yet");
        clock.advance(Duration::days(1));
        assert_eq!(kabinet_app::auth::send_password_reminders(&app.app).await.unwrap(), 1);
        assert_eq!(kabinet_app::auth::send_password_reminders(&app.app).await.unwrap(), 0, "once per password");
        let mails = smtp.wait_for(2, StdDuration::from_secs(10)).await;
        let reminder = mails.iter().find(|m| m.body_text().contains("истекает")).expect("a reminder mail");
        assert!(reminder.body_text().contains("2026"), "{}", reminder.body_text());
        app.stop().await;
    }
}
