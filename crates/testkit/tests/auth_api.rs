//! Sign-in and account security through the JSON API, on both backends, with codes
//! read from a real SMTP server and the SMS gateway stand-in, time moved by the
//! injected clock.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Duration as StdDuration;

use kabinet_store::{audit, outbox};
use kabinet_testkit::{
    MailServer, SmsGatewayStub, TestApp, TestBackend, TestOptions, WAIT, backend_test, first_code,
    wait_for,
};
use serde_json::{Value, json};
use time::Duration;

const PASSWORD: &str = "тихая лодка плывёт";

struct World {
    app: TestApp,
    smtp: MailServer,
    sms: SmsGatewayStub,
}

async fn world(backend: TestBackend) -> World {
    let smtp = MailServer::start();
    let sms = SmsGatewayStub::start().await;
    let app = TestApp::spawn_with(
        backend,
        TestOptions {
            worker: true,
            manual_clock: true,
            env: vec![
                ("KABINET_SMTP_URL".into(), smtp.url()),
                ("KABINET_SMS_GATEWAY_URL".into(), sms.url()),
                // Fast hashing in tests; the default parameters are measured in bench/.
                ("KABINET_PASSWORD_ARGON2_MEMORY_KIB".into(), "1024".into()),
                ("KABINET_PASSWORD_ARGON2_ITERATIONS".into(), "1".into()),
            ],
            ..TestOptions::default()
        },
    )
    .await;
    World { app, smtp, sms }
}

impl World {
    async fn post(&self, path: &str, body: Value) -> reqwest::Response {
        self.app
            .client
            .post(self.app.url(path))
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// The code in the n-th mail (1-based) to arrive.
    async fn mail_code(&self, n: usize) -> String {
        let mails = self.smtp.wait_for(n, StdDuration::from_secs(10)).await;
        assert!(mails.len() >= n, "expected {n} mails, got {}", mails.len());
        mails[n - 1]
            .code()
            .unwrap_or_else(|| panic!("no code in {}", mails[n - 1].body_text()))
    }

    async fn register_email(&self, email: &str) -> String {
        let n = self.smtp.messages().len();
        let res = self
            .post(
                "/api/v1/registrations",
                json!({ "contact": email, "password": PASSWORD }),
            )
            .await;
        assert_eq!(res.status(), 202);
        let id = res.json::<Value>().await.unwrap()["registration_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let code = self.mail_code(n + 1).await;
        let res = self
            .post(
                &format!("/api/v1/registrations/{id}/confirm"),
                json!({ "code": code }),
            )
            .await;
        assert_eq!(res.status(), 201);
        res.json::<Value>().await.unwrap()["account_id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    fn advance(&self, by: Duration) {
        self.app.clock.as_ref().unwrap().advance(by);
    }

    async fn actions(&self) -> Vec<String> {
        audit::latest(&self.app.app.store, 100)
            .await
            .unwrap()
            .into_iter()
            .rev()
            .map(|e| e.action)
            .collect()
    }
}

fn problem_field(problem: &Value, field: &str) -> Option<String> {
    problem["errors"]
        .as_array()?
        .iter()
        .find(|e| e["field"] == field)
        .map(|e| e["message"].as_str().unwrap_or("").to_owned())
}

backend_test! {
    async fn register_by_email_sign_out_and_in(backend) {
        let w = world(backend).await;
        let res = w.post("/api/v1/registrations", json!({ "contact": "Ivanova@Example.ru", "password": PASSWORD })).await;
        assert_eq!(res.status(), 202);
        let id = res.json::<Value>().await.unwrap()["registration_id"].as_str().unwrap().to_owned();
        let mail = &w.smtp.wait_for(1, StdDuration::from_secs(10)).await[0];
        assert_eq!(mail.to, vec!["Ivanova@example.ru".to_owned()]);
        let code = mail.code().unwrap();
        assert!(mail.body_text().contains("Код подтверждения"));

        // No account before the code; a wrong code is refused with a field error.
        assert_eq!(w.post("/api/v1/session", json!({ "login": "ivanova@example.ru", "password": PASSWORD })).await.status(), 401);
        let wrong = if code == "000000" { "111111" } else { "000000" };
        let res = w.post(&format!("/api/v1/registrations/{id}/confirm"), json!({ "code": wrong })).await;
        assert_eq!(res.status(), 422);
        assert_eq!(problem_field(&res.json().await.unwrap(), "code").unwrap(), "Неверный код. Проверьте цифры из сообщения.");

        let res = w.post(&format!("/api/v1/registrations/{id}/confirm"), json!({ "code": code })).await;
        assert_eq!(res.status(), 201);
        let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert!(cookie.starts_with("kabinet_session=") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
        let account_id = res.json::<Value>().await.unwrap()["account_id"].as_str().unwrap().to_owned();

        let session: Value = w.app.get("/api/v1/session").await.json().await.unwrap();
        assert_eq!(session["account_id"], account_id.as_str());
        assert_eq!(session["level"], "simplified");
        assert_eq!(session["status"], "active");
        let csrf = session["csrf_token"].as_str().unwrap().to_owned();

        // Sign-out needs the CSRF token.
        let res = w.app.client.delete(w.app.url("/api/v1/session")).send().await.unwrap();
        assert_eq!(res.status(), 403);
        let res = w.app.client.delete(w.app.url("/api/v1/session")).header("X-CSRF-Token", &csrf).send().await.unwrap();
        assert_eq!(res.status(), 204);
        assert_eq!(w.app.get("/api/v1/session").await.status(), 401);

        // Sign in with the address typed differently.
        let res = w.post("/api/v1/session", json!({ "login": "  IVANOVA@example.RU ", "password": PASSWORD })).await;
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body, json!({ "account_id": account_id, "mfa_required": false }));
        assert_eq!(w.app.get("/api/v1/session").await.status(), 200);

        let actions = w.actions().await;
        for a in ["auth.registration_started", "account.created", "auth.signed_out", "auth.sign_in_failed", "auth.signed_in"] {
            assert!(actions.contains(&a.to_owned()), "{a} in {actions:?}");
        }
        // A security notice about the new sign-in goes to the confirmed contact.
        let mails = w.smtp.wait_for(2, StdDuration::from_secs(10)).await;
        assert!(mails.iter().any(|m| m.body_text().contains("выполнен вход")), "sign-in notice");
        // Nothing secret in the audit log.
        for e in audit::latest(&w.app.app.store, 100).await.unwrap() {
            assert!(!e.details.contains(&code) && !e.details.contains(PASSWORD), "{e:?}");
        }
        assert_eq!(audit::verify(&w.app.app.store).await.unwrap().first_break, None);
        w.app.stop().await;
    }
}

backend_test! {
    async fn register_by_phone_and_sign_in_as_typed(backend) {
        let w = world(backend).await;
        let res = w.post("/api/v1/registrations", json!({ "contact": "+7 (912) 345-67-89", "password": PASSWORD })).await;
        assert_eq!(res.status(), 202);
        let id = res.json::<Value>().await.unwrap()["registration_id"].as_str().unwrap().to_owned();
        let sms = wait_for(WAIT, "an SMS arrives", || async {
            w.app.app.outbox_wake.notify_one();
            let sms = w.sms.messages();
            (!sms.is_empty()).then_some(sms)
        })
        .await;
        assert_eq!(sms.len(), 1, "one SMS with the code");
        assert_eq!(sms[0].to, "+79123456789");
        let code = first_code(&sms[0].text).unwrap();
        assert_eq!(w.post(&format!("/api/v1/registrations/{id}/confirm"), json!({ "code": code })).await.status(), 201);
        let res = w.post("/api/v1/session", json!({ "login": "8 912 345 67 89", "password": PASSWORD })).await;
        assert_eq!(res.status(), 200);
        w.app.stop().await;
    }
}

backend_test! {
    async fn bad_registrations_write_nothing(backend) {
        let w = world(backend).await;
        let res = w.post("/api/v1/registrations", json!({ "contact": "ivanov@", "password": "короткий" })).await;
        assert_eq!(res.status(), 422);
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let p: Value = res.json().await.unwrap();
        assert!(problem_field(&p, "contact").is_some(), "{p}");
        assert_eq!(problem_field(&p, "password").unwrap(), "Пароль слишком короткий: нужно не меньше 12 символов. Удобно взять несколько слов через пробел.");
        let p: Value = w.post("/api/v1/registrations", json!({ "contact": "ivanov@mail.ru", "password": "qwertyuiop123" })).await.json().await.unwrap();
        assert_eq!(problem_field(&p, "password").unwrap(), "Этот пароль слишком распространён, его легко подобрать. Придумайте другой.");
        let p: Value = w.post("/api/v1/registrations", json!({ "contact": "ivanov.petr@mail.ru", "password": "ivanov.petr в интернете" })).await.json().await.unwrap();
        assert!(problem_field(&p, "password").unwrap().contains("не должен содержать"));
        let res = w.app.client.post(w.app.url("/api/v1/registrations")).header("content-type", "application/json").body("{not json").send().await.unwrap();
        assert_eq!(res.status(), 400);
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        assert_eq!(outbox::counts(&w.app.app.store).await.unwrap(), outbox::Counts::default());
        assert_eq!(audit::verify(&w.app.app.store).await.unwrap().verified, 0);
        w.app.stop().await;
    }
}

backend_test! {
    async fn registering_a_known_contact_reveals_nothing(backend) {
        let w = world(backend).await;
        w.register_email("petrov@example.ru").await;
        let before = w.smtp.messages().len();
        let res = w.post("/api/v1/registrations", json!({ "contact": "petrov@example.ru", "password": "другой пароль для входа" })).await;
        assert_eq!(res.status(), 202, "the same answer as for a new contact");
        let mails = w.smtp.wait_for(before + 1, StdDuration::from_secs(10)).await;
        let notice = mails.last().unwrap();
        assert!(notice.body_text().contains("уже") || notice.header("Subject").unwrap_or_default().contains("=?utf-8?"));
        assert_eq!(notice.code(), None, "no code for an existing contact");
        w.app.stop().await;
    }
}

backend_test! {
    async fn five_failures_lock_the_login_known_or_not(backend) {
        let w = world(backend).await;
        w.register_email("sidorov@example.ru").await;
        for login in ["sidorov@example.ru", "nobody@example.ru"] {
            for _ in 0..5 {
                let res = w.post("/api/v1/session", json!({ "login": login, "password": "неверный пароль тут" })).await;
                assert_eq!(res.status(), 401);
                let p: Value = res.json().await.unwrap();
                assert_eq!(p["detail"], "Неверный логин или пароль");
            }
            let res = w.post("/api/v1/session", json!({ "login": login, "password": PASSWORD })).await;
            assert_eq!(res.status(), 429, "{login} is locked");
            assert_eq!(res.headers()["retry-after"], "900");
        }
        w.advance(Duration::minutes(15));
        let res = w.post("/api/v1/session", json!({ "login": "sidorov@example.ru", "password": PASSWORD })).await;
        assert_eq!(res.status(), 200, "the lock ends");
        // A success resets: another four failures do not lock.
        for _ in 0..4 {
            w.post("/api/v1/session", json!({ "login": "sidorov@example.ru", "password": "неверный пароль тут" })).await;
        }
        assert_eq!(w.post("/api/v1/session", json!({ "login": "sidorov@example.ru", "password": PASSWORD })).await.status(), 200);
        let actions = w.actions().await;
        assert!(actions.contains(&"auth.login_locked".to_owned()));
        w.app.stop().await;
    }
}

backend_test! {
    async fn repeated_locks_double(backend) {
        let w = world(backend).await;
        for round in [900, 1800] {
            for _ in 0..5 {
                w.post("/api/v1/session", json!({ "login": "x@example.ru", "password": "неверный пароль тут" })).await;
            }
            let res = w.post("/api/v1/session", json!({ "login": "x@example.ru", "password": "неверный пароль тут" })).await;
            assert_eq!(res.headers()["retry-after"], round.to_string().as_str());
            w.advance(Duration::seconds(round));
        }
        w.app.stop().await;
    }
}

backend_test! {
    async fn codes_expire_and_wear_out(backend) {
        let w = world(backend).await;
        let res = w.post("/api/v1/registrations", json!({ "contact": "exp@example.ru", "password": PASSWORD })).await;
        let id = res.json::<Value>().await.unwrap()["registration_id"].as_str().unwrap().to_owned();
        let code = w.mail_code(1).await;
        w.advance(Duration::minutes(11));
        let p: Value = w.post(&format!("/api/v1/registrations/{id}/confirm"), json!({ "code": code })).await.json().await.unwrap();
        assert_eq!(problem_field(&p, "code").unwrap(), "Срок действия кода истёк. Запросите новый код.");

        let res = w.post("/api/v1/registrations", json!({ "contact": "worn@example.ru", "password": PASSWORD })).await;
        let id = res.json::<Value>().await.unwrap()["registration_id"].as_str().unwrap().to_owned();
        let code = w.mail_code(2).await;
        let wrong = if code == "000000" { "111111" } else { "000000" };
        for _ in 0..5 {
            w.post(&format!("/api/v1/registrations/{id}/confirm"), json!({ "code": wrong })).await;
        }
        let p: Value = w.post(&format!("/api/v1/registrations/{id}/confirm"), json!({ "code": code })).await.json().await.unwrap();
        assert_eq!(problem_field(&p, "code").unwrap(), "Слишком много неверных попыток. Запросите новый код.", "the right code no longer works");
        w.app.stop().await;
    }
}

backend_test! {
    async fn recovery_sets_a_new_password_and_ends_sessions(backend) {
        let w = world(backend).await;
        w.register_email("orlova@example.ru").await;
        assert_eq!(w.app.get("/api/v1/session").await.status(), 200);
        let before = w.smtp.messages().len();
        assert_eq!(w.post("/api/v1/password-recovery", json!({ "login": "nobody@example.ru" })).await.status(), 202);
        assert_eq!(w.post("/api/v1/password-recovery", json!({ "login": "orlova@example.ru" })).await.status(), 202);
        let mails = w.smtp.wait_for(before + 1, StdDuration::from_secs(10)).await;
        let code = mails.iter().rev().find_map(|m| m.code()).unwrap();

        let res = w.post("/api/v1/password-recovery/confirm", json!({ "login": "orlova@example.ru", "code": code, "new_password": PASSWORD })).await;
        assert_eq!(res.status(), 422);
        assert_eq!(problem_field(&res.json().await.unwrap(), "new_password").unwrap(), "Этот пароль вы уже использовали. Придумайте новый.");
        let new_password = "зелёный чай с лимоном";
        let res = w.post("/api/v1/password-recovery/confirm", json!({ "login": "orlova@example.ru", "code": code, "new_password": new_password })).await;
        assert_eq!(res.status(), 204);
        assert_eq!(w.app.get("/api/v1/session").await.status(), 401, "every session ended");
        let again = w.post("/api/v1/password-recovery/confirm", json!({ "login": "orlova@example.ru", "code": code, "new_password": "ещё один новый пароль" })).await;
        assert_eq!(again.status(), 422, "a code works once");
        assert_eq!(w.post("/api/v1/session", json!({ "login": "orlova@example.ru", "password": PASSWORD })).await.status(), 401);
        assert_eq!(w.post("/api/v1/session", json!({ "login": "orlova@example.ru", "password": new_password })).await.status(), 200);
        assert!(w.actions().await.contains(&"auth.password_recovered".to_owned()));
        w.app.stop().await;
    }
}

backend_test! {
    async fn sessions_time_out(backend) {
        let w = world(backend).await;
        w.register_email("idle@example.ru").await;
        w.advance(Duration::minutes(29));
        assert_eq!(w.app.get("/api/v1/session").await.status(), 200, "activity keeps it alive");
        w.advance(Duration::minutes(29));
        assert_eq!(w.app.get("/api/v1/session").await.status(), 200);
        w.advance(Duration::minutes(31));
        assert_eq!(w.app.get("/api/v1/session").await.status(), 401, "idle timeout");

        assert_eq!(w.post("/api/v1/session", json!({ "login": "idle@example.ru", "password": PASSWORD })).await.status(), 200);
        for _ in 0..28 {
            w.advance(Duration::minutes(25));
            w.app.get("/api/v1/session").await;
        }
        w.advance(Duration::minutes(25));
        assert_eq!(w.app.get("/api/v1/session").await.status(), 401, "absolute timeout after 12 hours");
        w.app.stop().await;
    }
}

backend_test! {
    async fn a_code_unlocks_early(backend) {
        let w = world(backend).await;
        w.register_email("locked@example.ru").await;
        for _ in 0..5 {
            w.post("/api/v1/session", json!({ "login": "locked@example.ru", "password": "неверный пароль тут" })).await;
        }
        assert_eq!(w.post("/api/v1/session", json!({ "login": "locked@example.ru", "password": PASSWORD })).await.status(), 429);
        let before = w.smtp.messages().len();
        assert_eq!(w.post("/api/v1/unlock", json!({ "login": "nobody@example.ru" })).await.status(), 202);
        assert_eq!(w.post("/api/v1/unlock", json!({ "login": "LOCKED@example.ru" })).await.status(), 202);
        let mails = w.smtp.wait_for(before + 2, StdDuration::from_secs(10)).await;
        let code = mails[before..].iter().rev().find_map(|m| m.code()).unwrap();
        let res = w.post("/api/v1/unlock/confirm", json!({ "login": "locked@example.ru", "code": "000000" })).await;
        assert_eq!(res.status(), 422);
        let res = w.post("/api/v1/unlock/confirm", json!({ "login": "locked@example.ru", "code": code })).await;
        assert_eq!(res.status(), 204);
        assert_eq!(w.post("/api/v1/session", json!({ "login": "locked@example.ru", "password": PASSWORD })).await.status(), 200);
        assert!(w.actions().await.contains(&"auth.unlocked".to_owned()));
        w.app.stop().await;
    }
}
