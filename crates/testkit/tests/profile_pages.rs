//! «Мои данные» pages without JavaScript on both backends: sign-in required, CSRF
//! required, errors come back as a summary linked to the fields with what was typed,
//! contacts with a code, a passport scan through a plain form, the data archive and
//! closing the account.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Duration;

use kabinet_testkit::{MailServer, TestApp, TestBackend, TestOptions, backend_test};
use serde_json::{Value, json};

const PASSWORD: &str = "тихая лодка плывёт";

use kabinet_testkit::people::hidden;

async fn signed_in(backend: TestBackend, smtp: &MailServer) -> (TestApp, String) {
    let app = TestApp::spawn_with(
        backend,
        TestOptions {
            worker: true,
            env: vec![
                ("KABINET_SMTP_URL".into(), smtp.url()),
                ("KABINET_PASSWORD_ARGON2_MEMORY_KIB".into(), "1024".into()),
                ("KABINET_PASSWORD_ARGON2_ITERATIONS".into(), "1".into()),
            ],
            ..TestOptions::default()
        },
    )
    .await;
    let res = app
        .client
        .post(app.url("/api/v1/registrations"))
        .json(&json!({ "contact": "pages@example.ru", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    let id = res.json::<Value>().await.unwrap()["registration_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let code = smtp.wait_for(1, Duration::from_secs(10)).await[0]
        .code()
        .unwrap();
    let res = app
        .client
        .post(app.url(&format!("/api/v1/registrations/{id}/confirm")))
        .json(&json!({ "code": code }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let csrf = hidden(
        &app.get("/profile/personal").await.text().await.unwrap(),
        "csrf_token",
    );
    (app, csrf)
}

backend_test! {
    async fn profile_forms_work_without_javascript(backend) {
        let smtp = MailServer::start();
        let anonymous = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let (app, csrf) = signed_in(backend, &smtp).await;
        for path in ["/profile", "/profile/personal", "/profile/history", "/profile/contacts", "/profile/identity", "/profile/data"] {
            let res = anonymous.get(app.url(path)).send().await.unwrap();
            assert_eq!((path, res.status().as_u16()), (path, 303));
            assert_eq!(res.headers()["location"], "/login");
            assert_eq!(app.get(path).await.status(), 200, "{path}");
        }
        assert_eq!(app.get("/profile/nonsense").await.status(), 404);
        let html = app.get("/profile").await.text().await.unwrap();
        assert!(html.contains("Упрощённая") && html.contains("pages@example.ru"));

        // A forged token: nothing saved.
        let res = app.client.post(app.url("/profile/personal")).form(&[("csrf_token", "forged"), ("last_name", "Иванова")]).send().await.unwrap();
        assert_eq!(res.status(), 400);

        // Errors: a summary linked to each field, what was typed kept.
        let res = app.client.post(app.url("/profile/documents")).form(&[
            ("csrf_token", csrf.as_str()), ("passport_series", "45 06"), ("passport_number", "654321"),
            ("passport_issued_on", "15.03.2010"), ("passport_issuer_code", "770-001"), ("snils", "112-233-445 96"), ("inn", ""),
        ]).send().await.unwrap();
        assert_eq!(res.status(), 422);
        let html = res.text().await.unwrap();
        assert!(html.contains("<a href=\"#snils\">Неверное контрольное число СНИЛС"), "{html}");
        assert!(html.contains("id=\"snils\" name=\"snils\" type=\"text\" value=\"112-233-445 96\""));
        assert!(html.contains("aria-invalid=\"true\""));
        assert!(html.contains("value=\"654321\""), "the passport typed is kept");
        let me: Value = app.get("/api/v1/me").await.json().await.unwrap();
        assert!(me["passport"].is_null(), "nothing saved");

        let res = app.client.post(app.url("/profile/personal")).form(&[
            ("csrf_token", csrf.as_str()), ("last_name", "Иванова"), ("first_name", "Мария"), ("middle_name", ""), ("birth_date", "01.02.1990"),
        ]).send().await.unwrap();
        assert_eq!((res.status().as_u16(), res.headers()["location"].to_str().unwrap()), (303, "/profile"));
        let res = app.client.post(app.url("/profile/documents")).form(&[
            ("csrf_token", csrf.as_str()), ("passport_series", "45 06"), ("passport_number", "654321"),
            ("passport_issued_on", "15.03.2010"), ("passport_issuer_code", "770-001"), ("snils", "112-233-445 95"), ("inn", ""),
        ]).send().await.unwrap();
        assert_eq!(res.status(), 303);
        let res = app.client.post(app.url("/profile/addresses")).form(&[
            ("csrf_token", csrf.as_str()), ("registration_address_postal_code", "1010"), ("registration_address_city", "Москва"),
        ]).send().await.unwrap();
        assert_eq!(res.status(), 422);
        assert!(res.text().await.unwrap().contains("<a href=\"#registration_address_postal_code\">"));
        let html = app.get("/profile").await.text().await.unwrap();
        assert!(html.contains("Стандартная") && html.contains("112-233-445 95") && html.contains("Подтвердить личность"), "{html}");
        let history = app.get("/profile/history").await.text().await.unwrap();
        assert!(history.contains("•••-•••-••5 95") && history.contains("Проверка в реестре"));
        assert!(!history.contains("112-233-445 95"));

        // «Подтвердить личность» with a scan through a plain multipart form.
        let form = reqwest::multipart::Form::new()
            .text("csrf_token", csrf.clone())
            .text("method", "video")
            .part("scan", reqwest::multipart::Part::bytes(b"\x89PNG\r\n\x1a\n scan".to_vec()).file_name("scan.png"));
        let res = app.client.post(app.url("/profile/identity")).multipart(form).send().await.unwrap();
        assert_eq!(res.status(), 303);
        let html = app.get("/profile/identity").await.text().await.unwrap();
        assert!(html.contains("На рассмотрении") && html.contains("По видеосвязи"), "{html}");
        let form = reqwest::multipart::Form::new().text("csrf_token", csrf.clone()).text("method", "in_person");
        let res = app.client.post(app.url("/profile/identity")).multipart(form).send().await.unwrap();
        assert_eq!(res.status(), 409, "one pending request; the form is not offered again");

        // The archive from the page: only with the password entered again.
        let res = app.client.post(app.url("/profile/data/export")).form(&[("csrf_token", csrf.as_str()), ("password", "не тот")]).send().await.unwrap();
        assert_eq!(res.status(), 422);
        assert!(res.text().await.unwrap().contains("<a href=\"#export_password\">"));
        let res = app.client.post(app.url("/profile/data/export")).form(&[("csrf_token", csrf.as_str()), ("password", PASSWORD)]).send().await.unwrap();
        assert_eq!(res.headers()["content-type"], "application/zip");
        assert!(res.bytes().await.unwrap().starts_with(b"PK"));

        // Closing: the box must be ticked and the password right.
        let res = app.client.post(app.url("/profile/data/close")).form(&[("csrf_token", csrf.as_str()), ("password", PASSWORD)]).send().await.unwrap();
        assert_eq!(res.status(), 422);
        assert!(res.text().await.unwrap().contains("<a href=\"#understood\">"));
        let res = app.client.post(app.url("/profile/data/close")).form(&[("csrf_token", csrf.as_str()), ("password", "не тот"), ("understood", "yes")]).send().await.unwrap();
        assert_eq!(res.status(), 422);
        let res = app.client.post(app.url("/profile/data/close")).form(&[("csrf_token", csrf.as_str()), ("password", PASSWORD), ("understood", "yes")]).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert!(res.text().await.unwrap().contains("Учётная запись удалена"));
        assert_eq!(app.get("/profile").await.status(), 303);
        app.stop().await;
    }
}

backend_test! {
    async fn contacts_through_the_pages(backend) {
        let smtp = MailServer::start();
        let (app, csrf) = signed_in(backend, &smtp).await;
        let res = app.client.post(app.url("/profile/contacts")).form(&[("csrf_token", csrf.as_str()), ("contact", "new@example.ru"), ("password", "не тот")]).send().await.unwrap();
        assert_eq!(res.status(), 422);
        let html = res.text().await.unwrap();
        assert!(html.contains("<a href=\"#password\">") && html.contains("value=\"new@example.ru\""));
        let res = app.client.post(app.url("/profile/contacts")).form(&[("csrf_token", csrf.as_str()), ("contact", "new@example.ru"), ("password", PASSWORD)]).send().await.unwrap();
        assert_eq!(res.status(), 303);
        let confirm = res.headers()["location"].to_str().unwrap().to_owned();
        assert_eq!(confirm, "/profile/contacts/confirm?contact=new%40example.ru");
        assert!(app.get(&confirm).await.text().await.unwrap().contains("new@example.ru"));
        let mails = smtp.wait_for(2, Duration::from_secs(10)).await;
        let code = mails.iter().rev().find(|m| m.header("To").is_some_and(|t| t.contains("new@example.ru"))).unwrap().code().unwrap();
        let res = app.client.post(app.url("/profile/contacts/confirm")).form(&[("csrf_token", csrf.as_str()), ("contact", "new@example.ru"), ("code", code.as_str())]).send().await.unwrap();
        assert_eq!(res.status(), 303);
        let html = app.get("/profile/contacts").await.text().await.unwrap();
        assert!(html.contains("new@example.ru") && html.contains("/profile/contacts/remove?id=email%3Apages%40example.ru"));
        let page = app.get("/profile/contacts/remove?id=email%3Apages%40example.ru").await;
        assert_eq!(page.status(), 200);
        let res = app.client.post(app.url("/profile/contacts/remove")).form(&[("csrf_token", csrf.as_str()), ("id", "email:pages@example.ru"), ("password", PASSWORD)]).send().await.unwrap();
        assert_eq!(res.status(), 303);
        let html = app.get("/profile/contacts").await.text().await.unwrap();
        assert!(!html.contains("pages@example.ru") && !html.contains("contacts/remove"), "the last one has no remove link");
        let res = app.client.post(app.url("/profile/contacts/remove")).form(&[("csrf_token", csrf.as_str()), ("id", "email:new@example.ru"), ("password", PASSWORD)]).send().await.unwrap();
        assert_eq!(res.status(), 409, "the last contact stays");
        assert!(res.text().await.unwrap().contains("единственный подтверждённый контакт"));
        app.stop().await;
    }
}
