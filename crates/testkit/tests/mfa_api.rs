//! The second factor through the API on both backends: enrolment behind a recent
//! password entry, sign-in with TOTP (no replay), recovery codes once each, turning off.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Duration as StdDuration;

use kabinet_testkit::{MailServer, TestApp, TestOptions, backend_test};
use serde_json::{Value, json};
use time::Duration;

const EMAIL: &str = "mfa@example.ru";
const PASSWORD: &str = "тихая лодка плывёт";

async fn post(app: &TestApp, path: &str, csrf: Option<&str>, body: Value) -> reqwest::Response {
    let mut req = app.client.post(app.url(path)).json(&body);
    if let Some(c) = csrf {
        req = req.header("X-CSRF-Token", c);
    }
    req.send().await.unwrap()
}

async fn csrf(app: &TestApp) -> String {
    app.get("/api/v1/session")
        .await
        .json::<Value>()
        .await
        .unwrap()["csrf_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn code_at(secret: &str, app: &TestApp) -> String {
    kabinet_testkit::people::totp_now(secret, app)
}

async fn sign_out(app: &TestApp) {
    let c = csrf(app).await;
    let res = app
        .client
        .delete(app.url("/api/v1/session"))
        .header("X-CSRF-Token", c)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
}

backend_test! {
    async fn totp_enrolment_sign_in_and_recovery_codes(backend) {
        let smtp = MailServer::start();
        let app = TestApp::spawn_with(backend, TestOptions {
            worker: true,
            manual_clock: true,
            env: vec![
                ("KABINET_SMTP_URL".into(), smtp.url()),
                ("KABINET_PASSWORD_ARGON2_MEMORY_KIB".into(), "1024".into()),
                ("KABINET_PASSWORD_ARGON2_ITERATIONS".into(), "1".into()),
            ],
            ..TestOptions::default()
        }).await;
        let clock = app.clock.clone().unwrap();
        let res = post(&app, "/api/v1/registrations", None, json!({ "contact": EMAIL, "password": PASSWORD })).await;
        let id = res.json::<Value>().await.unwrap()["registration_id"].as_str().unwrap().to_owned();
        let code = smtp.wait_for(1, StdDuration::from_secs(10)).await[0].code().unwrap();
        assert_eq!(post(&app, &format!("/api/v1/registrations/{id}/confirm"), None, json!({ "code": code })).await.status(), 201);

        // Enrolment needs a recent password entry and the CSRF token.
        let c = csrf(&app).await;
        assert_eq!(post(&app, "/api/v1/me/mfa/totp", None, json!({})).await.status(), 403);
        clock.advance(Duration::minutes(11));
        let res = post(&app, "/api/v1/me/mfa/totp", Some(&c), json!({})).await;
        assert_eq!(res.status(), 403);
        assert_eq!(res.json::<Value>().await.unwrap()["detail"], "Для этого действия введите пароль ещё раз");
        assert_eq!(post(&app, "/api/v1/session/reauth", Some(&c), json!({ "password": "не тот пароль вовсе" })).await.status(), 422);
        assert_eq!(post(&app, "/api/v1/session/reauth", Some(&c), json!({ "password": PASSWORD })).await.status(), 204);
        let started: Value = post(&app, "/api/v1/me/mfa/totp", Some(&c), json!({})).await.json().await.unwrap();
        let secret = started["secret"].as_str().unwrap().to_owned();
        let uri = started["otpauth_uri"].as_str().unwrap();
        assert!(uri.starts_with("otpauth://totp/") && uri.contains(&format!("secret={secret}")), "{uri}");

        assert_eq!(post(&app, "/api/v1/me/mfa/totp/confirm", Some(&c), json!({ "code": "000000" })).await.status(), 422);
        let res = post(&app, "/api/v1/me/mfa/totp/confirm", Some(&c), json!({ "code": code_at(&secret, &app) })).await;
        assert_eq!(res.status(), 200);
        let recovery: Vec<String> = serde_json::from_value(res.json::<Value>().await.unwrap()["recovery_codes"].clone()).unwrap();
        assert_eq!(recovery.len(), 10);

        // Sign-in now asks for the second factor.
        sign_out(&app).await;
        clock.advance(Duration::seconds(30));
        let res = post(&app, "/api/v1/session", None, json!({ "login": EMAIL, "password": PASSWORD })).await;
        assert_eq!(res.json::<Value>().await.unwrap()["mfa_required"], true);
        assert_eq!(app.get("/api/v1/session").await.status(), 401, "nothing works before the second factor");
        assert_eq!(post(&app, "/api/v1/session/mfa", None, json!({ "code": "123456" })).await.status(), 401);
        let totp_code = code_at(&secret, &app);
        let res = post(&app, "/api/v1/session/mfa", None, json!({ "code": totp_code })).await;
        assert_eq!(res.status(), 200);
        assert_eq!(app.get("/api/v1/session").await.status(), 200);

        // The same code cannot be used twice.
        sign_out(&app).await;
        post(&app, "/api/v1/session", None, json!({ "login": EMAIL, "password": PASSWORD })).await;
        assert_eq!(post(&app, "/api/v1/session/mfa", None, json!({ "code": totp_code })).await.status(), 401, "replay refused");

        // A recovery code works, once.
        let res = post(&app, "/api/v1/session/mfa", None, json!({ "code": recovery[0].to_uppercase() })).await;
        assert_eq!(res.status(), 200);
        sign_out(&app).await;
        post(&app, "/api/v1/session", None, json!({ "login": EMAIL, "password": PASSWORD })).await;
        assert_eq!(post(&app, "/api/v1/session/mfa", None, json!({ "code": recovery[0] })).await.status(), 401);
        assert_eq!(post(&app, "/api/v1/session/mfa", None, json!({ "code": recovery[1] })).await.status(), 200);

        // Turning it off also needs a recent password entry.
        let c = csrf(&app).await;
        clock.advance(Duration::minutes(11));
        app.get("/api/v1/session").await;
        let c2 = csrf(&app).await;
        assert_eq!(c, c2);
        assert_eq!(app.client.delete(app.url("/api/v1/me/mfa/totp")).header("X-CSRF-Token", &c).send().await.unwrap().status(), 403);
        post(&app, "/api/v1/session/reauth", Some(&c), json!({ "password": PASSWORD })).await;
        assert_eq!(app.client.delete(app.url("/api/v1/me/mfa/totp")).header("X-CSRF-Token", &c).send().await.unwrap().status(), 204);
        sign_out(&app).await;
        let res = post(&app, "/api/v1/session", None, json!({ "login": EMAIL, "password": PASSWORD })).await;
        assert_eq!(res.json::<Value>().await.unwrap()["mfa_required"], false);
        app.stop().await;
    }
}

backend_test! {
    async fn five_wrong_codes_drop_the_pending_sign_in(backend) {
        let smtp = MailServer::start();
        let app = TestApp::spawn_with(backend, TestOptions {
            worker: true,
            manual_clock: true,
            env: vec![
                ("KABINET_SMTP_URL".into(), smtp.url()),
                ("KABINET_PASSWORD_ARGON2_MEMORY_KIB".into(), "1024".into()),
                ("KABINET_PASSWORD_ARGON2_ITERATIONS".into(), "1".into()),
            ],
            ..TestOptions::default()
        }).await;
        let res = post(&app, "/api/v1/registrations", None, json!({ "contact": EMAIL, "password": PASSWORD })).await;
        let id = res.json::<Value>().await.unwrap()["registration_id"].as_str().unwrap().to_owned();
        let code = smtp.wait_for(1, StdDuration::from_secs(10)).await[0].code().unwrap();
        post(&app, &format!("/api/v1/registrations/{id}/confirm"), None, json!({ "code": code })).await;
        let c = csrf(&app).await;
        let secret = post(&app, "/api/v1/me/mfa/totp", Some(&c), json!({})).await.json::<Value>().await.unwrap()["secret"].as_str().unwrap().to_owned();
        post(&app, "/api/v1/me/mfa/totp/confirm", Some(&c), json!({ "code": code_at(&secret, &app) })).await;
        sign_out(&app).await;
        app.clock.as_ref().unwrap().advance(Duration::seconds(30));
        post(&app, "/api/v1/session", None, json!({ "login": EMAIL, "password": PASSWORD })).await;
        for _ in 0..5 {
            assert_eq!(post(&app, "/api/v1/session/mfa", None, json!({ "code": "999999" })).await.status(), 401);
        }
        let res = post(&app, "/api/v1/session/mfa", None, json!({ "code": code_at(&secret, &app) })).await;
        assert_eq!(res.status(), 409, "the pending sign-in is gone; start again");
        app.stop().await;
    }
}

backend_test! {
    async fn codes_to_the_contact_as_the_second_factor(backend) {
        let smtp = MailServer::start();
        let app = TestApp::spawn_with(backend, TestOptions {
            worker: true,
            manual_clock: true,
            env: vec![
                ("KABINET_SMTP_URL".into(), smtp.url()),
                ("KABINET_PASSWORD_ARGON2_MEMORY_KIB".into(), "1024".into()),
                ("KABINET_PASSWORD_ARGON2_ITERATIONS".into(), "1".into()),
            ],
            ..TestOptions::default()
        }).await;
        let res = post(&app, "/api/v1/registrations", None, json!({ "contact": EMAIL, "password": PASSWORD })).await;
        let id = res.json::<Value>().await.unwrap()["registration_id"].as_str().unwrap().to_owned();
        let code = smtp.wait_for(1, StdDuration::from_secs(10)).await[0].code().unwrap();
        post(&app, &format!("/api/v1/registrations/{id}/confirm"), None, json!({ "code": code })).await;
        let c = csrf(&app).await;
        assert_eq!(post(&app, "/api/v1/me/mfa/codes", Some(&c), json!({})).await.status(), 204);
        sign_out(&app).await;

        let before = smtp.messages().len();
        let res = post(&app, "/api/v1/session", None, json!({ "login": EMAIL, "password": PASSWORD })).await;
        assert_eq!(res.json::<Value>().await.unwrap()["mfa_required"], true);
        let mut code = None;
        for extra in 1..=3 {
            let mails = smtp.wait_for(before + extra, StdDuration::from_secs(10)).await;
            code = mails[before..].iter().find_map(|m| m.code());
            if code.is_some() {
                break;
            }
        }
        let code = code.expect("a sign-in code by e-mail");
        assert_eq!(post(&app, "/api/v1/session/mfa/code", None, json!({})).await.status(), 429, "a new code no sooner than a minute");
        let wrong = if code == "000000" { "111111" } else { "000000" };
        assert_eq!(post(&app, "/api/v1/session/mfa", None, json!({ "code": wrong })).await.status(), 401);
        assert_eq!(post(&app, "/api/v1/session/mfa", None, json!({ "code": code })).await.status(), 200);
        assert_eq!(app.get("/api/v1/session").await.status(), 200);

        // Off again (the sign-in just now counts as a password entry).
        let c = csrf(&app).await;
        let res = app.client.delete(app.url("/api/v1/me/mfa/codes")).header("X-CSRF-Token", &c).send().await.unwrap();
        assert_eq!(res.status(), 204);
        sign_out(&app).await;
        let res = post(&app, "/api/v1/session", None, json!({ "login": EMAIL, "password": PASSWORD })).await;
        assert_eq!(res.json::<Value>().await.unwrap()["mfa_required"], false);
        app.stop().await;
    }
}

backend_test! {
    async fn recovery_does_not_bypass_the_second_factor(backend) {
        let smtp = MailServer::start();
        let app = TestApp::spawn_with(backend, TestOptions {
            worker: true,
            manual_clock: true,
            env: vec![
                ("KABINET_SMTP_URL".into(), smtp.url()),
                ("KABINET_PASSWORD_ARGON2_MEMORY_KIB".into(), "1024".into()),
                ("KABINET_PASSWORD_ARGON2_ITERATIONS".into(), "1".into()),
            ],
            ..TestOptions::default()
        }).await;
        let res = post(&app, "/api/v1/registrations", None, json!({ "contact": EMAIL, "password": PASSWORD })).await;
        let id = res.json::<Value>().await.unwrap()["registration_id"].as_str().unwrap().to_owned();
        let code = smtp.wait_for(1, StdDuration::from_secs(10)).await[0].code().unwrap();
        post(&app, &format!("/api/v1/registrations/{id}/confirm"), None, json!({ "code": code })).await;
        let c = csrf(&app).await;
        let secret = post(&app, "/api/v1/me/mfa/totp", Some(&c), json!({})).await.json::<Value>().await.unwrap()["secret"].as_str().unwrap().to_owned();
        post(&app, "/api/v1/me/mfa/totp/confirm", Some(&c), json!({ "code": code_at(&secret, &app) })).await;
        sign_out(&app).await;

        let before = smtp.messages().len();
        post(&app, "/api/v1/password-recovery", None, json!({ "login": EMAIL })).await;
        let mut recovery = None;
        for extra in 1..=3 {
            let mails = smtp.wait_for(before + extra, StdDuration::from_secs(10)).await;
            recovery = mails[before..].iter().find_map(|m| m.code());
            if recovery.is_some() { break; }
        }
        let new_password = "осенний лес шумит";
        let res = post(&app, "/api/v1/password-recovery/confirm", None, json!({ "login": EMAIL, "code": recovery.unwrap(), "new_password": new_password })).await;
        assert_eq!(res.status(), 204);
        let res = post(&app, "/api/v1/session", None, json!({ "login": EMAIL, "password": new_password })).await;
        assert_eq!(res.json::<Value>().await.unwrap()["mfa_required"], true, "the second factor is still asked for");
        assert_eq!(app.get("/api/v1/session").await.status(), 401);
        app.stop().await;
    }
}
