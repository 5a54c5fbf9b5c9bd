//! A new password may not hold the person's own data — on change and on recovery as at
//! registration: the contacts (an e-mail's local part too), and from «Мои данные» the
//! СНИЛС, the ИНН, the names and the birth date as people type it.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Duration;

use kabinet_testkit::people::{self, PASSWORD};
use kabinet_testkit::{MailServer, TestApp, TestOptions, backend_test};
use serde_json::{Value, json};

fn field_message(problem: &Value, field: &str) -> Option<String> {
    problem["errors"]
        .as_array()?
        .iter()
        .find(|e| e["field"] == field)
        .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
}

backend_test! {
    async fn personal_data_is_refused_in_a_new_password(backend) {
        let smtp = MailServer::start();
        let app = TestApp::spawn_with(backend, TestOptions::with_mail(&smtp)).await;
        let u = people::register_user(&app, &smtp, "kuznetsova.anna@example.ru").await;
        let res = u.patch("/api/v1/me", json!({
            "last_name": "Кузнецова", "first_name": "Анна", "birth_date": "15.03.1985",
            "snils": "112-233-445 95", "inn": "500100732259"
        })).await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());

        // On change: each piece of the person's data is refused, naming the field.
        for bad in [
            "кузнецова навсегда и всегда",
            "мой день рождения 15.03.1985",
            "пароль 19850315 для кабинета",
            "снилс 11223344595 это пароль",
            "инн 500100732259 это пароль",
            "kuznetsova.anna и котики",
        ] {
            let res = u.post("/api/v1/me/password", json!({ "current_password": PASSWORD, "new_password": bad })).await;
            assert_eq!(res.status(), 422, "{bad}");
            let message = field_message(&res.json().await.unwrap(), "new_password").unwrap();
            assert!(message.contains("не должен содержать"), "{bad}: {message}");
        }
        // Something of one's own choosing is fine.
        let res = u.post("/api/v1/me/password", json!({ "current_password": PASSWORD, "new_password": "зелёный чай с лимоном и мятой" })).await;
        assert_eq!(res.status(), 204, "{}", res.text().await.unwrap());

        // On recovery too.
        app.outbox_drained(Duration::from_secs(10)).await;
        let before = smtp.messages().len();
        let anon = people::client();
        let res = anon.post(app.url("/api/v1/password-recovery")).json(&json!({ "login": "kuznetsova.anna@example.ru" })).send().await.unwrap();
        assert_eq!(res.status(), 202);
        let mails = smtp.wait_for(before + 1, Duration::from_secs(10)).await;
        let code = mails.iter().rev().find_map(|m| m.code()).unwrap();
        let res = anon.post(app.url("/api/v1/password-recovery/confirm"))
            .json(&json!({ "login": "kuznetsova.anna@example.ru", "code": code, "new_password": "анна кузнецова 1985 год" }))
            .send().await.unwrap();
        assert_eq!(res.status(), 422);
        let problem: Value = res.json().await.unwrap();
        assert!(field_message(&problem, "new_password").is_some(), "{problem}");
        app.stop().await;
    }
}
