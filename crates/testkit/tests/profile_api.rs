//! «Мои данные» through the API on both backends: identifier vectors, field errors
//! with nothing half-written, the level through the built-in check and through an
//! HTTP registry of the test's own, one account per СНИЛС, no identifier in clear in
//! the database, history masked, sign-in by СНИЛС/ИНН, and staff confirming identity.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Duration as StdDuration;

use kabinet_testkit::people::{PASSWORD, client, register, staff};
use kabinet_testkit::{
    KnownPerson, MailServer, RegistryStub, TestApp, TestBackend, TestOptions, WAIT, backend_test,
    wait_for, wait_until,
};
use serde_json::{Value, json};
use sqlx::Row;

async fn spawn(
    backend: TestBackend,
    smtp: &MailServer,
    registry: Option<&RegistryStub>,
) -> TestApp {
    let mut env = vec![
        ("KABINET_SMTP_URL".into(), smtp.url()),
        ("KABINET_PASSWORD_ARGON2_MEMORY_KIB".into(), "1024".into()),
        ("KABINET_PASSWORD_ARGON2_ITERATIONS".into(), "1".into()),
    ];
    if let Some(r) = registry {
        env.push(("KABINET_REGISTRY_URL".into(), r.url()));
    }
    TestApp::spawn_with(
        backend,
        TestOptions {
            worker: true,
            env,
            ..TestOptions::default()
        },
    )
    .await
}

async fn patch(app: &TestApp, c: &reqwest::Client, csrf: &str, body: Value) -> reqwest::Response {
    c.patch(app.url("/api/v1/me"))
        .header("X-CSRF-Token", csrf)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn me(app: &TestApp, c: &reqwest::Client) -> Value {
    let res = c.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

fn full() -> Value {
    json!({
        "last_name": "Иванова", "first_name": "Мария", "middle_name": "Петровна",
        "birth_date": "01.02.1990",
        "snils": "112-233-445 95", "inn": "5001 007322 59",
        "passport": { "series": "45 06", "number": "654321", "issued_on": "15.03.2010", "issuer_code": "770-001" },
        "registration_address": { "postal_code": "101000", "region": "Москва", "city": "Москва", "street": "ул. Мясницкая", "house": "1", "flat": "5" }
    })
}

fn fields(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_owned(),
                e["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn sign_in(app: &TestApp, login: &str) -> u16 {
    client()
        .post(app.url("/api/v1/session"))
        .json(&json!({ "login": login, "password": PASSWORD }))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

backend_test! {
    async fn complete_data_reaches_the_standard_level(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp, None).await;
        let (c, csrf) = register(&app, &smtp, "maria@example.ru").await;
        let before = me(&app, &c).await;
        assert_eq!(before["level"], "simplified");
        assert_eq!(before["missing_for_standard"].as_array().unwrap().len(), 4);
        assert_eq!(sign_in(&app, "112-233-445 95").await, 401, "no СНИЛС yet");

        let res = patch(&app, &c, &csrf, full()).await;
        assert_eq!(res.status(), 200);
        let after: Value = res.json().await.unwrap();
        assert_eq!(after["level"], "standard");
        assert_eq!(after["snils"], "11223344595");
        assert_eq!(after["inn"], "500100732259");
        assert_eq!(after["birth_date"], "1990-02-01");
        assert_eq!(after["passport"], json!({ "series": "4506", "number": "654321", "issued_on": "2010-03-15", "issuer_code": "770-001" }));
        assert_eq!(after["registration_address"]["postal_code"], "101000");
        assert_eq!(me(&app, &c).await, after);

        // Sign-in by СНИЛС and ИНН as people type them.
        assert_eq!(sign_in(&app, "112 233 445 95").await, 200);
        assert_eq!(sign_in(&app, "500100732259").await, 200);

        // History: every field, the level, identifiers masked.
        let h: Value = c.get(app.url("/api/v1/me/history")).send().await.unwrap().json().await.unwrap();
        let items = h["items"].as_array().unwrap();
        let item = |f: &str| items.iter().find(|i| i["field"] == f).unwrap_or_else(|| panic!("no {f} in {h}"));
        assert_eq!(item("snils")["new_value"], "•••-•••-••5 95");
        assert_eq!(item("inn")["new_value"], "••••••••2259");
        assert_eq!(item("passport")["new_value"], "•• •• ••4321");
        assert_eq!(item("last_name")["new_value"], "Иванова");
        assert_eq!(item("level")["new_value"], "standard");
        assert_eq!(item("level")["actor_kind"], "registry");

        // A notice went to the confirmed contact.
        let mails = smtp.wait_for(2, StdDuration::from_secs(10)).await;
        assert!(mails.iter().any(|m| m.body_text().contains("изменены персональные данные")), "a personal data notice");

        // Removing the СНИЛС takes the account back to simplified and ends sign-in by it.
        let res = patch(&app, &c, &csrf, json!({ "snils": "" })).await;
        assert_eq!(res.json::<Value>().await.unwrap()["level"], "simplified");
        assert_eq!(sign_in(&app, "112-233-445 95").await, 401);
        app.stop().await;
    }
}

backend_test! {
    async fn bad_values_are_refused_per_field_and_nothing_is_written(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp, None).await;
        let (c, csrf) = register(&app, &smtp, "vectors@example.ru").await;
        assert_eq!(patch(&app, &c, &csrf, json!({ "last_name": "Петров" })).await.status(), 200);
        let before = me(&app, &c).await;

        // (body, field, words the Russian message must contain)
        let cases = [
            (json!({ "snils": "112-233-445 96" }), "snils", "контрольное число СНИЛС"),
            (json!({ "snils": "112-233-445" }), "snils", "11 цифр"),
            (json!({ "snils": "11A-233-445 95" }), "snils", "только цифры"),
            (json!({ "inn": "500100732258" }), "inn", "контрольное число ИНН"),
            (json!({ "inn": "7707083893" }), "inn", "12 цифр"),
            (json!({ "passport": { "series": "45 0", "number": "654321", "issued_on": "15.03.2010", "issuer_code": "770-001" } }), "passport.series", "4 цифры"),
            (json!({ "passport": { "series": "4506", "number": "65432", "issued_on": "15.03.2010", "issuer_code": "770-001" } }), "passport.number", "6 цифр"),
            (json!({ "passport": { "series": "4506", "number": "654321", "issued_on": "15.03.2010", "issuer_code": "77-001" } }), "passport.issuer_code", "од подразделения"),
            (json!({ "passport": { "series": "4506", "number": "654321", "issued_on": "31.02.2010", "issuer_code": "770-001" } }), "passport.issued_on", "нет в календаре"),
            (json!({ "passport": { "series": "4506", "number": "654321", "issued_on": "01.01.2099", "issuer_code": "770-001" } }), "passport.issued_on", "в будущем"),
            (json!({ "birth_date": "01.02.1990", "passport": { "series": "4506", "number": "654321", "issued_on": "01.02.2003", "issuer_code": "770-001" } }), "passport.issued_on", "14 лет"),
            (json!({ "birth_date": "2099-01-01" }), "birth_date", "в будущем"),
            (json!({ "birth_date": "1.1.1850" }), "birth_date", "120 лет"),
            (json!({ "birth_date": "вчера" }), "birth_date", "ДД.ММ.ГГГГ"),
            (json!({ "last_name": "Петров2" }), "last_name", "только буквы"),
            (json!({ "first_name": " " }), "first_name", "Укажите имя"),
            (json!({ "registration_address": { "postal_code": "1010" } }), "registration_address.postal_code", "6 цифр"),
        ];
        for (body, field, words) in cases {
            if field.is_empty() {
                continue;
            }
            // Each bad field comes with a good one: neither may be saved.
            let mut body = body;
            body["middle_name"] = json!("Сергеевич");
            let res = patch(&app, &c, &csrf, body.clone()).await;
            assert_eq!(res.status(), 422, "{body}");
            assert_eq!(res.headers()["content-type"], "application/problem+json");
            let errors = fields(&res.json::<Value>().await.unwrap());
            let (f, message) = errors.iter().find(|(f, _)| f == field).unwrap_or_else(|| panic!("{field} in {errors:?}"));
            assert!(message.contains(words), "{f}: {message}");
            assert_eq!(me(&app, &c).await, before, "nothing written for {body}");
        }
        // Several errors at once, each named.
        let res = patch(&app, &c, &csrf, json!({ "last_name": "1", "snils": "1", "inn": "1" })).await;
        let names: Vec<String> = fields(&res.json::<Value>().await.unwrap()).into_iter().map(|(f, _)| f).collect();
        assert_eq!(names, ["last_name", "snils", "inn"]);
        // Malformed JSON is a 400 problem, not a panic.
        let res = c.patch(app.url("/api/v1/me")).header("X-CSRF-Token", &csrf).header("content-type", "application/json").body("{").send().await.unwrap();
        assert_eq!(res.status(), 400);
        assert_eq!(me(&app, &c).await, before);
        app.stop().await;
    }
}

backend_test! {
    async fn only_the_owner_reads_and_changes_and_a_snils_has_one_owner(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp, None).await;
        let (a, a_csrf) = register(&app, &smtp, "a@example.ru").await;
        let (b, b_csrf) = register(&app, &smtp, "b@example.ru").await;
        assert_eq!(patch(&app, &a, &a_csrf, full()).await.status(), 200);

        // Signed out: 401; without the CSRF header or with another session's token: 403.
        assert_eq!(client().get(app.url("/api/v1/me")).send().await.unwrap().status(), 401);
        assert_eq!(client().get(app.url("/api/v1/me/history")).send().await.unwrap().status(), 401);
        assert_eq!(b.patch(app.url("/api/v1/me")).json(&json!({ "last_name": "Х" })).send().await.unwrap().status(), 403);
        assert_eq!(patch(&app, &b, &a_csrf, json!({ "last_name": "Х" })).await.status(), 403);
        // B sees only B's (empty) data and history.
        let b_me = me(&app, &b).await;
        assert!(b_me["snils"].is_null() && b_me["last_name"].is_null());
        let h: Value = b.get(app.url("/api/v1/me/history")).send().await.unwrap().json().await.unwrap();
        assert!(h["items"].as_array().unwrap().is_empty());

        // The same СНИЛС (typed differently) or ИНН on B: refused, nothing written.
        let res = patch(&app, &b, &b_csrf, json!({ "last_name": "Сидоров", "snils": "11223344595" })).await;
        assert_eq!(res.status(), 422);
        let errors = fields(&res.json::<Value>().await.unwrap());
        assert_eq!(errors[0].0, "snils");
        assert!(errors[0].1.contains("другой учётной записи"), "{errors:?}");
        let res = patch(&app, &b, &b_csrf, json!({ "inn": "500100732259" })).await;
        assert_eq!(fields(&res.json::<Value>().await.unwrap())[0].0, "inn");
        assert!(me(&app, &b).await["last_name"].is_null());
        // An applicant cannot use the staff call.
        let res = b
            .post(app.url(&format!("/api/v1/staff/accounts/{}/confirm-identity", me(&app, &a).await["account_id"].as_str().unwrap())))
            .header("X-CSRF-Token", &b_csrf)
            .json(&json!({ "method": "in_person" }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);
        app.stop().await;
    }
}

/// Every text value in every table of the database.
async fn all_stored_text(app: &TestApp) -> String {
    let mut conn = app.app.store.pool().acquire().await.unwrap();
    let tables: Vec<String> = sqlx::query(app.app.store.dialect().table_names_sql())
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String, _>(0))
        .collect();
    assert!(
        tables.iter().any(|t| t == "profiles") && tables.len() > 10,
        "{tables:?}"
    );
    let mut out = String::new();
    for table in tables {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT * FROM {table}")))
            .fetch_all(&mut *conn)
            .await
            .unwrap();
        for row in &rows {
            for i in 0..row.len() {
                if let Ok(Some(text)) = row.try_get::<Option<String>, _>(i) {
                    out.push_str(&format!("{table}: {text}\n"));
                }
            }
        }
    }
    out
}

backend_test! {
    async fn no_identifier_is_stored_in_clear(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp, None).await;
        let (c, csrf) = register(&app, &smtp, "secret@example.ru").await;
        assert_eq!(patch(&app, &c, &csrf, full()).await.status(), 200);
        // A failed sign-in by a СНИЛС that has no account, and one that does.
        assert_eq!(sign_in(&app, "112-233-445 95").await, 200);
        let wrong = client().post(app.url("/api/v1/session")).json(&json!({ "login": "112-233-445 95", "password": "не тот пароль" })).send().await.unwrap();
        assert_eq!(wrong.status(), 401);
        let text = all_stored_text(&app).await;
        assert!(text.contains("Иванова"), "names are stored in clear, the dump works");
        for needle in ["11223344595", "112-233-445 95", "500100732259", "\"654321\"", "4506654321", "4506 654321"] {
            assert!(!text.contains(needle), "{needle} found in the database");
        }
        // The sealed values open to the same data after a restart of the keyring
        // (the key file under data_dir is reused).
        let again = kabinet_app::Settings::load(None, vec![("KABINET_DATA_DIR".into(), app.data_dir().display().to_string())]).unwrap();
        let ring = again.keyring().unwrap();
        assert_eq!(ring.index("snils", "11223344595"), app.app.keys.index("snils", "11223344595"));
        assert_eq!(me(&app, &c).await["snils"], "11223344595");
        app.stop().await;
    }
}

backend_test! {
    async fn an_http_registry_decides_the_level(backend) {
        let smtp = MailServer::start();
        let registry = RegistryStub::start().await;
        registry.know("11223344595", KnownPerson { last_name: "Иванова".into(), birth_date: "1990-02-01".into(), passport_number: "654321".into() });
        let app = spawn(backend, &smtp, Some(&registry)).await;
        let (c, csrf) = register(&app, &smtp, "reg@example.ru").await;

        // A mismatch keeps the level and says why; the data is saved.
        let mut body = full();
        body["last_name"] = json!("Иванов");
        let after: Value = patch(&app, &c, &csrf, body).await.json().await.unwrap();
        assert_eq!(after["level"], "simplified");
        assert!(after["level_note"].as_str().unwrap().contains("фамилия не совпадает"), "{after}");
        assert_eq!(after["last_name"], "Иванов");
        let sent = registry.requests();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0]["snils"], "11223344595");
        assert_eq!(sent[0]["passport"]["issued_on"], "2010-03-15");
        assert_eq!(sent[0]["birth_date"], "1990-02-01");

        // The registry down: the level stays, the note says to try later.
        registry.fail_next(1);
        let after: Value = patch(&app, &c, &csrf, json!({ "last_name": "Иванова" })).await.json().await.unwrap();
        assert_eq!(after["level"], "simplified");
        assert!(after["level_note"].as_str().unwrap().contains("не отвечает"), "{after}");

        // Saved again with the registry up: a match, standard.
        let after: Value = patch(&app, &c, &csrf, json!({ "middle_name": "Петровна" })).await.json().await.unwrap();
        assert_eq!(after["level"], "standard", "{after}");
        assert!(after["level_note"].is_null());
        assert_eq!(registry.requests().len(), 3);

        // Someone else's СНИЛС is refused before anything is sent to the registry.
        let (other, other_csrf) = register(&app, &smtp, "reg2@example.ru").await;
        let res = patch(&app, &other, &other_csrf, full()).await;
        assert_eq!(res.status(), 422);
        assert_eq!(fields(&res.json::<Value>().await.unwrap())[0].0, "snils");
        assert_eq!(registry.requests().len(), 3, "no request for a refused save");
        app.stop().await;
    }
}

backend_test! {
    async fn staff_confirm_identity_and_then_it_is_locked(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp, None).await;
        let (c, csrf) = register(&app, &smtp, "confirm@example.ru").await;
        let id = me(&app, &c).await["account_id"].as_str().unwrap().to_owned();
        let (op, op_csrf) = staff(&app, "operator@kabinet.ru", "operator").await;
        let (aud, aud_csrf) = staff(&app, "auditor@kabinet.ru", "auditor").await;
        let confirm = |who: &reqwest::Client, token: &str, target: &str, body: Value| {
            who.post(app.url(&format!("/api/v1/staff/accounts/{target}/confirm-identity"))).header("X-CSRF-Token", token.to_owned()).json(&body).send()
        };

        // Simplified: not yet.
        assert_eq!(confirm(&op, &op_csrf, &id, json!({ "method": "in_person" })).await.unwrap().status(), 409);
        assert_eq!(patch(&app, &c, &csrf, full()).await.status(), 200);
        assert_eq!(confirm(&op, &op_csrf, &id, json!({ "method": "by pigeon" })).await.unwrap().status(), 422);
        assert_eq!(confirm(&aud, &aud_csrf, &id, json!({ "method": "video" })).await.unwrap().status(), 403, "auditors read only");
        assert_eq!(confirm(&op, &op_csrf, "no-such-account", json!({ "method": "video" })).await.unwrap().status(), 404);
        assert_eq!(confirm(&op, "wrong", &id, json!({ "method": "video" })).await.unwrap().status(), 403);
        assert_eq!(confirm(&op, &op_csrf, &id, json!({ "method": "video", "comment": "паспорт показан на видео" })).await.unwrap().status(), 200);
        assert_eq!(confirm(&op, &op_csrf, &id, json!({ "method": "video" })).await.unwrap().status(), 409, "once");
        assert_eq!(me(&app, &c).await["level"], "confirmed");

        // Identity fields are locked now; addresses and ИНН are not.
        let res = patch(&app, &c, &csrf, json!({ "last_name": "Смирнова", "snils": "" })).await;
        assert_eq!(res.status(), 422);
        let errors = fields(&res.json::<Value>().await.unwrap());
        assert_eq!(errors.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(), ["last_name", "snils"]);
        assert!(errors[0].1.contains("заявлению"), "{errors:?}");
        assert_eq!(patch(&app, &c, &csrf, json!({ "postal_address": { "line": "а/я 15, Москва" } })).await.status(), 200);
        let h: Value = c.get(app.url("/api/v1/me/history")).send().await.unwrap().json().await.unwrap();
        assert!(h["items"].as_array().unwrap().iter().any(|i| i["field"] == "level" && i["new_value"] == "confirmed" && i["actor_kind"] == "staff"));
        app.stop().await;
    }
}

backend_test! {
    async fn contacts_are_added_with_a_code_and_the_last_one_stays(backend) {
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
        let (c, csrf) = register(&app, &smtp, "first@example.ru").await;
        let (_other, _) = register(&app, &smtp, "taken@example.ru").await;
        let post = |path: &str, body: Value| c.post(app.url(path)).header("X-CSRF-Token", csrf.clone()).json(&body).send();

        // The password typed at registration counts for 10 minutes; after that it is asked again.
        app.clock.as_ref().unwrap().advance(time::Duration::minutes(11));
        let res = post("/api/v1/me/contacts", json!({ "contact": "second@example.ru" })).await.unwrap();
        assert_eq!(res.status(), 403);
        assert_eq!(post("/api/v1/session/reauth", json!({ "password": PASSWORD })).await.unwrap().status(), 204);

        assert_eq!(post("/api/v1/me/contacts", json!({ "contact": "not a contact" })).await.unwrap().status(), 422);
        let res = post("/api/v1/me/contacts", json!({ "contact": "First@Example.ru" })).await.unwrap();
        assert_eq!(res.status(), 422, "already mine");
        let before = smtp.messages().len();
        let res = post("/api/v1/me/contacts", json!({ "contact": " Second@Example.RU " })).await.unwrap();
        assert_eq!(res.status(), 202);
        assert_eq!(res.json::<Value>().await.unwrap()["contact"], "Second@example.ru");
        let mails = smtp.wait_for(before + 1, StdDuration::from_secs(10)).await;
        let code = mails.last().unwrap().code().unwrap();
        assert!(mails.last().unwrap().header("To").unwrap().contains("Second@example.ru"));
        let wrong = if code == "000000" { "111111" } else { "000000" };
        assert_eq!(post("/api/v1/me/contacts/confirm", json!({ "contact": "second@example.ru", "code": wrong })).await.unwrap().status(), 422);
        let res = post("/api/v1/me/contacts/confirm", json!({ "contact": "second@example.ru", "code": code })).await.unwrap();
        assert_eq!(res.status(), 201);
        let list: Value = c.get(app.url("/api/v1/me/contacts")).send().await.unwrap().json().await.unwrap();
        let ids: Vec<String> = list["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect();
        assert_eq!(ids, ["email:first@example.ru", "email:second@example.ru"]);
        assert_eq!(sign_in(&app, "SECOND@example.ru").await, 200, "the new contact signs in");
        assert_eq!(post("/api/v1/me/contacts/confirm", json!({ "contact": "second@example.ru", "code": code })).await.unwrap().status(), 422, "a code works once");

        // Another account's contact: the same answer, no code; its owner is told.
        let res = post("/api/v1/me/contacts", json!({ "contact": "taken@example.ru" })).await.unwrap();
        assert_eq!(res.status(), 202);
        let told = wait_for(WAIT, "the owner is told", || async {
            smtp.messages().into_iter().find(|m| m.header("To").is_some_and(|t| t.contains("taken@example.ru")) && m.code().is_none())
        })
        .await;
        assert!(told.code().is_none() && told.body_text().contains("уже привязан"), "{}", told.body_text());

        // Remove: an unknown id, then the first, then the last one is refused.
        let delete = |id: &str| c.delete(app.url(&format!("/api/v1/me/contacts/{}", id.replace(':', "%3A").replace('@', "%40")))).header("X-CSRF-Token", csrf.clone()).send();
        assert_eq!(delete("email:nobody@example.ru").await.unwrap().status(), 404);
        assert_eq!(delete("email:taken@example.ru").await.unwrap().status(), 404, "not yours");
        assert_eq!(delete("email:first@example.ru").await.unwrap().status(), 204);
        assert_eq!(sign_in(&app, "first@example.ru").await, 401);
        let res = delete("email:second@example.ru").await.unwrap();
        assert_eq!(res.status(), 409);
        assert!(res.json::<Value>().await.unwrap()["detail"].as_str().unwrap().contains("единственный"));
        let h: Value = c.get(app.url("/api/v1/me/history")).send().await.unwrap().json().await.unwrap();
        assert_eq!(h["items"].as_array().unwrap().iter().filter(|i| i["field"] == "contact").count(), 2);
        app.stop().await;
    }
}

const PDF: &[u8] = b"%PDF-1.7\n% scan of the passport photo page\n%%EOF\n";

fn form(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> reqwest::multipart::Form {
    let mut f = reqwest::multipart::Form::new();
    for (k, v) in fields {
        f = f.text(k.to_string(), v.to_string());
    }
    if let Some((name, bytes)) = file {
        f = f.part(
            name.to_owned(),
            reqwest::multipart::Part::bytes(bytes.to_vec()).file_name("паспорт.pdf"),
        );
    }
    f
}

backend_test! {
    async fn identity_requests_with_a_scan_and_staff_decisions(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp, None).await;
        let (c, csrf) = register(&app, &smtp, "ident@example.ru").await;
        let file = |fields: &[(&str, &str)], f: Option<(&str, &[u8])>| {
            c.post(app.url("/api/v1/me/identity-requests")).header("X-CSRF-Token", csrf.clone()).multipart(form(fields, f)).send()
        };
        let res = file(&[("method", "in_person")], None).await.unwrap();
        assert_eq!(res.status(), 409, "simplified accounts fill their data first");
        assert_eq!(patch(&app, &c, &csrf, full()).await.status(), 200);

        let res = file(&[("method", "video")], None).await.unwrap();
        assert_eq!(res.status(), 422);
        assert_eq!(fields(&res.json::<Value>().await.unwrap())[0].0, "scan");
        let res = file(&[("method", "video")], Some(("scan", b"MZ\x90 not a document"))).await.unwrap();
        assert_eq!(res.status(), 422);
        assert!(fields(&res.json::<Value>().await.unwrap())[0].1.contains("PDF, JPEG и PNG"));
        assert_eq!(file(&[("method", "by pigeon")], None).await.unwrap().status(), 422);
        let res = file(&[("method", "video"), ("comment", "после 18:00")], Some(("scan", PDF))).await.unwrap();
        assert_eq!(res.status(), 201);
        let request_id = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
        assert_eq!(file(&[("method", "in_person")], None).await.unwrap().status(), 409, "one pending request");

        let mine: Value = c.get(app.url("/api/v1/me/identity-requests")).send().await.unwrap().json().await.unwrap();
        let item = &mine["items"][0];
        assert_eq!((item["id"].as_str().unwrap(), item["status"].as_str().unwrap(), item["what"].as_str().unwrap()), (request_id.as_str(), "pending", "video"));
        let file_id = item["file_id"].as_str().unwrap().to_owned();
        let own = c.get(app.url(&format!("/api/v1/files/{file_id}"))).send().await.unwrap();
        assert_eq!(own.status(), 200);
        assert_eq!(own.headers()["content-type"], "application/pdf");
        assert_eq!(own.bytes().await.unwrap().as_ref(), PDF);
        let on_disk = std::fs::read(app.data_dir().join("files").join(&file_id)).unwrap();
        assert!(!on_disk.windows(4).any(|w| w == b"%PDF"), "the scan is sealed on disk");

        // Someone else cannot see it; staff who decide can, and that is audited.
        let (other, _) = register(&app, &smtp, "other@example.ru").await;
        assert_eq!(other.get(app.url(&format!("/api/v1/files/{file_id}"))).send().await.unwrap().status(), 404);
        assert_eq!(other.get(app.url("/api/v1/staff/identity-requests")).send().await.unwrap().status(), 403);
        let (op, op_csrf) = staff(&app, "op@kabinet.ru", "operator").await;
        let queue: Value = op.get(app.url("/api/v1/staff/identity-requests")).send().await.unwrap().json().await.unwrap();
        assert_eq!(queue["items"].as_array().unwrap().len(), 1);
        assert_eq!(op.get(app.url(&format!("/api/v1/files/{file_id}"))).send().await.unwrap().bytes().await.unwrap().as_ref(), PDF);
        let mut conn = app.app.store.pool().acquire().await.unwrap();
        let viewed: i64 = sqlx::query("SELECT COUNT(*) FROM audit_log WHERE action = 'files.viewed_by_staff'").fetch_one(&mut *conn).await.unwrap().get(0);
        assert_eq!(viewed, 1);
        drop(conn);

        // Confirming the identity closes the request.
        let id = me(&app, &c).await["account_id"].as_str().unwrap().to_owned();
        let res = op.post(app.url(&format!("/api/v1/staff/accounts/{id}/confirm-identity"))).header("X-CSRF-Token", &op_csrf).json(&json!({ "method": "video", "comment": "сверено" })).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let mine: Value = c.get(app.url("/api/v1/me/identity-requests")).send().await.unwrap().json().await.unwrap();
        assert_eq!(mine["items"][0]["status"], "confirmed");
        let refuse = op.post(app.url(&format!("/api/v1/staff/identity-requests/{request_id}/refuse"))).header("X-CSRF-Token", &op_csrf).json(&json!({ "reason": "поздно" })).send().await.unwrap();
        assert_eq!(refuse.status(), 409, "already decided");
        app.stop().await;
    }
}

backend_test! {
    async fn confirmed_data_changes_by_request_and_staff_approval(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp, None).await;
        let (c, csrf) = register(&app, &smtp, "change@example.ru").await;
        let file = |fields: &[(&str, &str)], f: Option<(&str, &[u8])>| {
            c.post(app.url("/api/v1/me/change-requests")).header("X-CSRF-Token", csrf.clone()).multipart(form(fields, f)).send()
        };
        assert_eq!(patch(&app, &c, &csrf, full()).await.status(), 200);
        assert_eq!(file(&[("last_name", "Смирнова"), ("reason", "брак")], Some(("document", PDF))).await.unwrap().status(), 409, "not confirmed: edit directly");
        let (op, op_csrf) = staff(&app, "op2@kabinet.ru", "operator").await;
        let id = me(&app, &c).await["account_id"].as_str().unwrap().to_owned();
        op.post(app.url(&format!("/api/v1/staff/accounts/{id}/confirm-identity"))).header("X-CSRF-Token", &op_csrf).json(&json!({ "method": "in_person" })).send().await.unwrap();

        let res = file(&[("last_name", "Смирнова")], None).await.unwrap();
        assert_eq!(res.status(), 422);
        let names: Vec<String> = fields(&res.json::<Value>().await.unwrap()).into_iter().map(|(f, _)| f).collect();
        assert_eq!(names, ["reason", "document"]);
        let res = file(&[("last_name", "Иванова"), ("reason", "ничего")], Some(("document", PDF))).await.unwrap();
        assert_eq!(fields(&res.json::<Value>().await.unwrap())[0].1, "Измените хотя бы одно поле: фамилию, имя, отчество, дату рождения, паспорт или СНИЛС");
        let res = file(&[("snils", "112-233-445 96"), ("reason", "опечатка")], Some(("document", PDF))).await.unwrap();
        assert_eq!(fields(&res.json::<Value>().await.unwrap())[0].0, "snils");
        let res = file(&[("last_name", "Смирнова"), ("reason", "вступила в брак")], Some(("document", PDF))).await.unwrap();
        assert_eq!(res.status(), 201);
        let change_id = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
        assert_eq!(me(&app, &c).await["last_name"], "Иванова", "nothing changes before staff decide");
        let mine: Value = c.get(app.url("/api/v1/me/change-requests")).send().await.unwrap().json().await.unwrap();
        assert_eq!(mine["items"][0]["what"], "last_name");

        // The sealed new values: no plain text of the request in the database.
        assert!(!all_stored_text(&app).await.contains("Смирнова"));

        let approve = |rid: String| op.post(app.url(&format!("/api/v1/staff/change-requests/{rid}/approve"))).header("X-CSRF-Token", op_csrf.clone()).send();
        assert_eq!(approve(change_id.clone()).await.unwrap().status(), 200);
        assert_eq!(approve(change_id.clone()).await.unwrap().status(), 409, "once");
        let after = me(&app, &c).await;
        assert_eq!((after["last_name"].as_str().unwrap(), after["level"].as_str().unwrap()), ("Смирнова", "confirmed"));
        let h: Value = c.get(app.url("/api/v1/me/history")).send().await.unwrap().json().await.unwrap();
        let entry = h["items"].as_array().unwrap().iter().find(|i| i["field"] == "last_name" && i["new_value"] == "Смирнова").unwrap();
        assert_eq!((entry["old_value"].as_str().unwrap(), entry["actor_kind"].as_str().unwrap()), ("Иванова", "staff"));

        // A refusal needs a reason and is told to the person.
        let res = file(&[("first_name", "Марина"), ("reason", "ошибка в имени")], Some(("document", PDF))).await.unwrap();
        let second = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
        let refuse = |body: Value| op.post(app.url(&format!("/api/v1/staff/change-requests/{second}/refuse"))).header("X-CSRF-Token", op_csrf.clone()).json(&body).send();
        assert_eq!(refuse(json!({ "reason": " " })).await.unwrap().status(), 422);
        assert_eq!(refuse(json!({ "reason": "документ нечитаем" })).await.unwrap().status(), 200);
        assert_eq!(me(&app, &c).await["first_name"], "Мария");
        wait_until(WAIT, "the refusal reason reaches the person", || async {
            smtp.messages().iter().any(|m| m.body_text().contains("документ нечитаем"))
        })
        .await;
        app.stop().await;
    }
}

backend_test! {
    async fn export_everything_then_close_and_erase(backend) {
        let smtp = MailServer::start();
        let app = TestApp::spawn_with(backend, TestOptions {
            worker: true,
            manual_clock: true,
            env: vec![
                ("KABINET_SMTP_URL".into(), smtp.url()),
                ("KABINET_PASSWORD_ARGON2_MEMORY_KIB".into(), "1024".into()),
                ("KABINET_PASSWORD_ARGON2_ITERATIONS".into(), "1".into()),
                ("KABINET_PRIVACY_RETENTION_DAYS".into(), "30".into()),
            ],
            ..TestOptions::default()
        }).await;
        let clock = app.clock.clone().unwrap();
        let (c, csrf) = register(&app, &smtp, "leaving@example.ru").await;
        assert_eq!(patch(&app, &c, &csrf, full()).await.status(), 200);
        let res = c.post(app.url("/api/v1/me/identity-requests")).header("X-CSRF-Token", &csrf)
            .multipart(form(&[("method", "video")], Some(("scan", PDF)))).send().await.unwrap();
        assert_eq!(res.status(), 201);
        let account_id = me(&app, &c).await["account_id"].as_str().unwrap().to_owned();
        // A filed application with an attachment, and a draft.
        kabinet_app::catalog::import_demo(&app.app).await.unwrap();
        let res = c.post(app.url("/api/v1/applications")).header("X-CSRF-Token", &csrf)
            .json(&json!({ "service_id": "appeal-complaint", "fields": { "subject": "deadline", "text": "Срок рассмотрения заявления нарушен на неделю" } })).send().await.unwrap();
        let filed = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
        let part = reqwest::multipart::Form::new().text("kind", "evidence").part("file", reqwest::multipart::Part::bytes(PDF.to_vec()).file_name("evidence.pdf"));
        assert_eq!(c.post(app.url(&format!("/api/v1/applications/{filed}/attachments"))).header("X-CSRF-Token", &csrf).multipart(part).send().await.unwrap().status(), 201);
        assert_eq!(c.post(app.url(&format!("/api/v1/applications/{filed}/submit"))).header("X-CSRF-Token", &csrf).send().await.unwrap().status(), 200);
        c.post(app.url("/api/v1/applications")).header("X-CSRF-Token", &csrf).json(&json!({ "service_id": "appeal-question" })).send().await.unwrap();

        // The archive holds everything, readable and as JSON, with the files.
        let res = c.get(app.url("/api/v1/me/export")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], "application/zip");
        let bytes = res.bytes().await.unwrap().to_vec();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let read = |archive: &mut zip::ZipArchive<std::io::Cursor<Vec<u8>>>, name: &str| {
            let mut out = Vec::new();
            std::io::Read::read_to_end(&mut archive.by_name(name).unwrap(), &mut out).unwrap();
            out
        };
        let doc: Value = serde_json::from_slice(&read(&mut archive, "kabinet-data.json")).unwrap();
        assert_eq!(doc["account"]["id"], account_id.as_str());
        assert_eq!(doc["profile"]["snils"], "11223344595");
        assert_eq!(doc["profile"]["passport"]["number"], "654321");
        assert_eq!(doc["contacts"][0]["value"], "leaving@example.ru");
        assert!(doc["history"].as_array().unwrap().len() >= 7);
        assert!(!doc["sessions"].as_array().unwrap().is_empty());
        assert_eq!(doc["identity_requests"][0]["status"], "pending");
        assert!(doc["audit"].as_array().unwrap().iter().any(|a| a["action"] == "profile.updated"));
        assert!(doc["messages"].as_array().unwrap().iter().any(|m| m["content"].to_string().contains("персональные данные")), "{}", doc["messages"]);
        let apps = doc["applications"].as_array().unwrap();
        assert_eq!(apps.len(), 2);
        let complaint = apps.iter().find(|a| a["id"] == filed.as_str()).unwrap();
        assert_eq!(complaint["status"], "submitted");
        assert_eq!(complaint["answers"]["text"], "Срок рассмотрения заявления нарушен на неделю");
        assert_eq!(complaint["history"].as_array().unwrap().len(), 2);
        assert_eq!(complaint["files"][0]["kind"], "evidence");
        let in_archive = doc["files"].as_array().unwrap().iter().find(|f| f["file_name"] == "паспорт.pdf").unwrap()["in_archive"].as_str().unwrap().to_owned();
        assert_eq!(read(&mut archive, &in_archive), PDF);
        let html = String::from_utf8(read(&mut archive, "kabinet-data.html")).unwrap();
        assert!(html.contains("Личные данные") && html.contains("Иванова") && html.contains("lang=\"ru\""));
        assert_eq!(client().get(app.url("/api/v1/me/export")).send().await.unwrap().status(), 401);

        // Closing needs a recent password.
        clock.advance(time::Duration::minutes(11));
        let close = || c.delete(app.url("/api/v1/me")).header("X-CSRF-Token", csrf.clone()).send();
        assert_eq!(close().await.unwrap().status(), 403);
        let reauth = c.post(app.url("/api/v1/session/reauth")).header("X-CSRF-Token", &csrf).json(&json!({ "password": PASSWORD })).send().await.unwrap();
        assert_eq!(reauth.status(), 204);
        assert_eq!(close().await.unwrap().status(), 204);
        assert_eq!(c.get(app.url("/api/v1/me")).send().await.unwrap().status(), 401, "the session ended");
        assert_eq!(sign_in(&app, "leaving@example.ru").await, 401);
        assert_eq!(sign_in(&app, "112-233-445 95").await, 401);
        smtp.find_after(0, |m| m.body_text().contains("учётная запись в личном кабинете удалена")).await;

        // Within the retention period nothing is erased; after it, everything personal is.
        let file_id = doc["files"].as_array().unwrap().iter().find(|f| f["file_name"] == "паспорт.pdf").unwrap()["id"].as_str().unwrap().to_owned();
        let evidence = complaint["files"][0]["id"].as_str().unwrap().to_owned();
        assert_eq!(kabinet_app::privacy::maintenance(&app.app).await.unwrap().erased, 0);
        clock.advance(time::Duration::days(30));
        let done = kabinet_app::privacy::maintenance(&app.app).await.unwrap();
        assert_eq!(done.erased, 1);
        assert_eq!(kabinet_app::privacy::maintenance(&app.app).await.unwrap().erased, 0, "once");
        assert!(!app.data_dir().join("files").join(&file_id).exists(), "the scan is gone from disk");
        assert!(app.data_dir().join("files").join(&evidence).exists(), "a filed application keeps its files");
        let mut conn = app.app.store.pool().acquire().await.unwrap();
        let statuses: Vec<String> = sqlx::query("SELECT status FROM applications WHERE account_id = $1")
            .bind(&account_id).fetch_all(&mut *conn).await.unwrap().iter().map(|r| r.get(0)).collect();
        assert_eq!(statuses, ["submitted"], "the draft is erased, the filed application kept");
        drop(conn);
        let text = all_stored_text(&app).await;
        for gone in ["Иванова", "Петровна", "leaving@example.ru", "ул. Мясницкая"] {
            // The audit log is kept (docs/privacy.md): failed sign-ins name the login typed.
            let lines: Vec<&str> = text.lines().filter(|l| l.contains(gone) && !l.starts_with("audit_log:")).collect();
            assert!(lines.is_empty(), "{gone} left after erasure: {lines:?}");
        }
        assert!(text.contains("privacy.erased") && text.contains(&format!("account:{account_id}")), "the audit log stays");
        // The e-mail is free for a new account.
        let (_again, _) = register(&app, &smtp, "leaving@example.ru").await;
        app.stop().await;
    }
}

backend_test! {
    async fn keys_rotate_and_the_old_key_can_go(backend) {
        use kabinet_app::crypto::new_key_line;
        let [index, k1, k2] = ["index", "k1", "k2"].map(|id| new_key_line(id).unwrap());
        let smtp = MailServer::start();
        let app = TestApp::spawn_with(backend, TestOptions {
            worker: true,
            env: vec![
                ("KABINET_SMTP_URL".into(), smtp.url()),
                ("KABINET_PASSWORD_ARGON2_MEMORY_KIB".into(), "1024".into()),
                ("KABINET_PASSWORD_ARGON2_ITERATIONS".into(), "1".into()),
                ("KABINET_ENCRYPTION_KEYS".into(), format!("{index};{k1}")),
            ],
            ..TestOptions::default()
        }).await;
        let (c, csrf) = register(&app, &smtp, "rotate@example.ru").await;
        assert_eq!(patch(&app, &c, &csrf, full()).await.status(), 200);
        let res = c.post(app.url("/api/v1/me/identity-requests")).header("X-CSRF-Token", &csrf)
            .multipart(form(&[("method", "video")], Some(("scan", PDF)))).send().await.unwrap();
        assert_eq!(res.status(), 201);
        let (op, op_csrf) = staff(&app, "rot@kabinet.ru", "operator").await;
        let id = me(&app, &c).await["account_id"].as_str().unwrap().to_owned();
        op.post(app.url(&format!("/api/v1/staff/accounts/{id}/confirm-identity"))).header("X-CSRF-Token", &op_csrf).json(&json!({ "method": "video" })).send().await.unwrap();
        let res = c.post(app.url("/api/v1/me/change-requests")).header("X-CSRF-Token", &csrf)
            .multipart(form(&[("last_name", "Смирнова"), ("reason", "брак")], Some(("document", PDF)))).send().await.unwrap();
        assert_eq!(res.status(), 201);
        kabinet_app::catalog::import_demo(&app.app).await.unwrap();
        let res = c.post(app.url("/api/v1/applications")).header("X-CSRF-Token", &csrf)
            .json(&json!({ "service_id": "appeal-question", "fields": { "topic": "service", "question": "Вопрос о сроках услуги" } })).send().await.unwrap();
        assert_eq!(res.status(), 201);
        let application = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
        // An organisation (its identifiers sealed) with a change request (sealed too).
        let res = c.post(app.url("/api/v1/organizations")).header("X-CSRF-Token", &csrf)
            .json(&json!({ "kind": "legal_entity", "inn": "7707083893", "ogrn": "1027700132195", "kpp": "773601001", "full_name": "ООО «Ромашка»", "legal_address": "Москва" })).send().await.unwrap();
        assert_eq!(res.status(), 201);
        let org = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
        let res = c.post(app.url(&format!("/api/v1/organizations/{org}/change-requests"))).header("X-CSRF-Token", &csrf)
            .json(&json!({ "kpp": "773601002", "reason": "Переезд" })).send().await.unwrap();
        assert_eq!(res.status(), 201);
        let before = me(&app, &c).await;

        // The same database and files with k2 added as the current key.
        let open = |keys: String| {
            let env = vec![
                ("KABINET_DATA_DIR".to_owned(), app.data_dir().display().to_string()),
                ("KABINET_DATABASE_URL".to_owned(), app.app.settings.database_url().to_owned()),
                ("KABINET_LISTEN".to_owned(), "127.0.0.1:0".to_owned()),
                ("KABINET_WORKER".to_owned(), "false".to_owned()),
                ("KABINET_ENCRYPTION_KEYS".to_owned(), keys),
            ];
            let settings = std::sync::Arc::new(kabinet_app::Settings::load(None, env).unwrap());
            async move { kabinet::server::open(settings, std::sync::Arc::new(kabinet_app::SystemClock)).await.unwrap() }
        };
        let rotating = open(format!("{index};{k1};{k2}")).await;
        let done = kabinet_app::profile::rotate_keys(&rotating).await.unwrap();
        assert_eq!((done.profiles, done.change_requests, done.applications, done.files, done.organizations), (1, 1, 1, 2, 2));
        let again = kabinet_app::profile::rotate_keys(&rotating).await.unwrap();
        assert_eq!((again.profiles, again.change_requests, again.applications, again.files, again.organizations), (0, 0, 0, 0, 0), "nothing left under k1");
        let text = all_stored_text(&app).await;
        assert!(text.contains("profiles: k2:") && !text.contains("profiles: k1:"));

        // Without k1 at all, everything still opens: the data, the scan, the request.
        let without_k1 = open(format!("{index};{k2}")).await;
        let listener = kabinet::server::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let server = kabinet::server::start(without_k1.clone(), listener).await.unwrap();
        let url = |p: &str| format!("http://{}{p}", server.addr());
        let after: Value = c.get(url("/api/v1/me")).send().await.unwrap().json().await.unwrap();
        assert_eq!(after, before);
        let filed: Value = c.get(url(&format!("/api/v1/applications/{application}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(filed["fields"]["question"], "Вопрос о сроках услуги", "the answers open without k1");
        let card: Value = c.get(url(&format!("/api/v1/organizations/{org}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(card["inn"], "7707083893", "the identifiers open without k1");
        let changes: Value = c.get(url(&format!("/api/v1/organizations/{org}/change-requests"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(changes["items"][0]["kpp"], "773601002");
        let mine: Value = c.get(url("/api/v1/me/identity-requests")).send().await.unwrap().json().await.unwrap();
        let file_id = mine["items"][0]["file_id"].as_str().unwrap();
        assert_eq!(c.get(url(&format!("/api/v1/files/{file_id}"))).send().await.unwrap().bytes().await.unwrap().as_ref(), PDF);
        let queue: Value = op.get(url("/api/v1/staff/change-requests")).send().await.unwrap().json().await.unwrap();
        let change = queue["items"][0]["id"].as_str().unwrap();
        let res = op.post(url(&format!("/api/v1/staff/change-requests/{change}/approve"))).header("X-CSRF-Token", &op_csrf).send().await.unwrap();
        assert_eq!(res.status(), 200, "the re-sealed request opens");
        server.shutdown().await;
        app.stop().await;
    }
}
