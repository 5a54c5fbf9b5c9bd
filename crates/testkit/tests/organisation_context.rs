//! Acting for an organisation on both backends (ORG-1, ORG-2): applications filed in
//! its context belong to it, its members see them by role, nobody else — not the same
//! person acting privately, not another organisation — sees them at all (ASVS V8.4.1:
//! the access matrix with organisation roles and cross-organisation attempts); the
//! card's data, statutory documents, «История изменений» and identifier changes.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use kabinet_testkit::people::{User, register_user, staff_user};
use kabinet_testkit::{
    MailServer, TestApp, TestBackend, TestOptions, WAIT, backend_test, wait_for,
};
use reqwest::Method;
use serde_json::{Value, json};

async fn spawn(backend: TestBackend, smtp: &MailServer) -> TestApp {
    let app = TestApp::spawn_with(
        backend,
        TestOptions {
            worker: true,
            env: vec![
                ("KABINET_SMTP_URL".into(), smtp.url()),
                ("KABINET_PASSWORD_ARGON2_MEMORY_KIB".into(), "1024".into()),
                ("KABINET_PASSWORD_ARGON2_ITERATIONS".into(), "1".into()),
                ("KABINET_PRIVACY_RETENTION_DAYS".into(), "0".into()),
            ],
            ..TestOptions::default()
        },
    )
    .await;
    kabinet_app::catalog::import_demo(&app.app).await.unwrap();
    app
}

const LEGAL_INN: &str = "7707083893";
const OGRN: &str = "1027700132195";
const KPP: &str = "773601001";
const OTHER_INN: &str = "7736050003";
const OTHER_OGRN: &str = "1027700070518";

/// A person with standard data and their own ИНН, confirmed by staff.
async fn confirmed(app: &TestApp, smtp: &MailServer, op: &User, email: &str, inn: &str) -> User {
    let u = register_user(app, smtp, email).await;
    let snils = if inn == "500100732259" {
        "112-233-445 95"
    } else {
        "123-456-789 64"
    };
    let res = u.patch("/api/v1/me", json!({
        "last_name": "Иванова", "first_name": "Мария", "birth_date": "01.02.1990", "snils": snils, "inn": inn,
        "passport": { "series": "45 06", "number": "654321", "issued_on": "15.03.2010", "issuer_code": "770-001" }
    })).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let id = account_id(&u).await;
    let res = op
        .post(
            &format!("/api/v1/staff/accounts/{id}/confirm-identity"),
            json!({ "method": "in_person" }),
        )
        .await;
    assert_eq!(res.status(), 200);
    u
}

async fn account_id(u: &User) -> String {
    u.json("/api/v1/session").await["account_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A verified organisation of `admin`.
async fn organisation(admin: &User, op: &User, inn: &str, ogrn: &str, name: &str) -> String {
    let res = admin.post("/api/v1/organizations", json!({ "kind": "legal_entity", "inn": inn, "ogrn": ogrn, "kpp": KPP,
        "full_name": name, "legal_address": "123456, г. Москва, ул. Тверская, д. 1",
        "registered_on": "15.03.2012", "responsible": "Петров П. П., главный бухгалтер", "contact_email": "office@romashka.ru" })).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        op.post(
            &format!("/api/v1/staff/organizations/{id}/verify"),
            json!({})
        )
        .await
        .status(),
        200
    );
    id
}

fn code_in(text: &str) -> String {
    text.split("Код приглашения: ")
        .nth(1)
        .unwrap()
        .chars()
        .take(10)
        .collect()
}

/// Invites `who` (by their e-mail) with a role; they accept.
async fn join(app_smtp: &MailServer, admin: &User, org: &str, who: &User, email: &str, role: &str) {
    let seen = app_smtp.messages().len();
    let res = admin
        .post(
            &format!("/api/v1/organizations/{org}/invitations"),
            json!({ "contact": email, "role": role }),
        )
        .await;
    assert_eq!(res.status(), 201);
    let code = code_in(
        &app_smtp
            .find_after(seen, |m| m.to == [email])
            .await
            .body_text(),
    );
    assert_eq!(
        who.post("/api/v1/invitations/accept", json!({ "code": code }))
            .await
            .status(),
        200
    );
}

backend_test! {
    async fn acting_for_an_organisation_and_the_access_matrix(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp).await;
        let op = staff_user(&app, "op@kabinet.ru", "operator").await;
        let admin = confirmed(&app, &smtp, &op, "director@example.ru", "500100732259").await;
        let org = organisation(&admin, &op, LEGAL_INN, OGRN, "ООО «Ромашка»").await;
        let operator = register_user(&app, &smtp, "operator@example.ru").await;
        let observer = register_user(&app, &smtp, "observer@example.ru").await;
        join(&smtp, &admin, &org, &operator, "operator@example.ru", "operator").await;
        join(&smtp, &admin, &org, &observer, "observer@example.ru", "observer").await;
        let other_admin = confirmed(&app, &smtp, &op, "other@example.ru", "770123456703").await;
        let other = organisation(&other_admin, &op, OTHER_INN, OTHER_OGRN, "АО «Василёк»").await;
        let stranger = register_user(&app, &smtp, "stranger@example.ru").await;

        // The header is in the OpenAPI document of every application operation.
        let doc = stranger.json("/api/v1/openapi.json").await;
        for (path, method) in [("/api/v1/applications", "get"), ("/api/v1/applications", "post"), ("/api/v1/applications/{id}", "get"), ("/api/v1/applications/{id}/submit", "post")] {
            let params = doc["paths"][path][method]["parameters"].as_array().unwrap();
            assert!(params.iter().any(|p| p["name"] == "X-Kabinet-Organization" && p["in"] == "header"), "{path} {method}");
        }
        // The header: members only, and only for an active organisation.
        assert_eq!(stranger.acting_for(&org).get("/api/v1/applications").await.status(), 404);
        assert_eq!(operator.acting_for(&other).get("/api/v1/applications").await.status(), 404);
        assert_eq!(operator.acting_for("не-id").get("/api/v1/applications").await.status(), 404);
        let pending = admin.post("/api/v1/organizations", json!({ "kind": "sole_proprietor", "inn": "500100732259", "ogrn": "304500116000157", "full_name": "ИП Иванова", "legal_address": "Москва" })).await;
        let pending = pending.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
        assert_eq!(admin.acting_for(&pending).get("/api/v1/applications").await.status(), 409, "not verified yet");

        // The operator files an application for the organisation; the form is prefilled
        // with the organisation's data, not the person's.
        let as_operator = operator.acting_for(&org);
        assert_eq!(as_operator.post("/api/v1/applications", json!({ "service_id": "social-child-benefit" })).await.status(), 403, "a service for citizens only");
        // The acting person's own level still counts (the operator's account is simplified).
        assert_eq!(as_operator.post("/api/v1/applications", json!({ "service_id": "tax-no-debt" })).await.status(), 403);
        let res = admin.acting_for(&org).post("/api/v1/applications", json!({ "service_id": "tax-no-debt" })).await;
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
        let draft: Value = res.json().await.unwrap();
        let tax = draft["id"].as_str().unwrap().to_owned();
        let got = as_operator.json(&format!("/api/v1/applications/{tax}")).await;
        assert_eq!(got["fields"]["taxpayer_name"], "ООО «Ромашка»", "{got}");
        assert_eq!(got["fields"]["inn"], LEGAL_INN);
        let res = as_operator.post("/api/v1/applications", json!({ "service_id": "appeal-question", "fields": { "topic": "service", "question": "Когда будет готова справка для организации?" } })).await;
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
        let id = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
        let res = as_operator.post(&format!("/api/v1/applications/{id}/submit"), json!({})).await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
        let number = res.json::<Value>().await.unwrap()["number"].as_str().unwrap().to_owned();
        let mine = admin.post("/api/v1/applications", json!({ "service_id": "appeal-question", "fields": { "topic": "service", "question": "Личный вопрос администратора" } })).await;
        let mine = mine.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();

        // The matrix: who sees and who may change the organisation's application.
        let path = format!("/api/v1/applications/{id}");
        let cases: Vec<(&str, User, u16, u16)> = vec![
            // (who, caller, read, comment)
            ("administrator in context", admin.acting_for(&org), 200, 201),
            ("operator in context", operator.acting_for(&org), 200, 201),
            ("observer in context", observer.acting_for(&org), 200, 403),
            ("administrator as a private person", admin.clone(), 404, 404),
            ("operator as a private person", operator.clone(), 404, 404),
            ("observer as a private person", observer.clone(), 404, 404),
            ("another organisation's administrator", other_admin.acting_for(&other), 404, 404),
            ("another organisation's administrator privately", other_admin.clone(), 404, 404),
            ("a stranger", stranger.clone(), 404, 404),
        ];
        for (label, who, read, comment) in &cases {
            assert_eq!(who.get(&path).await.status().as_u16(), *read, "read: {label}");
            let res = who.post(&format!("{path}/comments"), json!({ "text": "Добавляем сведения" })).await;
            assert_eq!(res.status().as_u16(), *comment, "comment: {label}");
            let files = who.get(&format!("/api/v1/applications?number={number}")).await;
            let seen = if files.status() == 200 { files.json::<Value>().await.unwrap()["total"].as_i64().unwrap() } else { -1 };
            assert_eq!(seen, if *read == 200 { 1 } else { 0 }, "list: {label}");
        }
        // Drafts: the observer reads but neither fills, submits, attaches nor withdraws.
        let as_observer = observer.acting_for(&org);
        assert_eq!(as_observer.json(&format!("/api/v1/applications/{tax}")).await["status"], "draft");
        assert_eq!(as_observer.patch(&format!("/api/v1/applications/{tax}"), json!({ "fields": { "format": "paper" } })).await.status(), 403);
        assert_eq!(as_observer.post(&format!("/api/v1/applications/{tax}/submit"), json!({})).await.status(), 403);
        assert_eq!(as_observer.upload(&format!("/api/v1/applications/{tax}/attachments"), "other", "a.pdf", b"%PDF-1.4 x".to_vec()).await.status(), 403);
        assert_eq!(as_observer.post(&format!("/api/v1/applications/{id}/withdraw"), json!({})).await.status(), 403);
        assert_eq!(as_observer.post("/api/v1/applications", json!({ "service_id": "appeal-question" })).await.status(), 403);
        // Another organisation cannot touch it either, and the private application stays private.
        let as_other = other_admin.acting_for(&other);
        assert_eq!(as_other.patch(&format!("/api/v1/applications/{tax}"), json!({ "fields": { "format": "paper" } })).await.status(), 404);
        assert_eq!(as_other.post(&format!("/api/v1/applications/{tax}/submit"), json!({})).await.status(), 404);
        assert_eq!(admin.acting_for(&org).get(&format!("/api/v1/applications/{mine}")).await.status(), 404);
        assert_eq!(admin.get(&format!("/api/v1/applications/{mine}")).await.status(), 200);
        assert_eq!(admin.acting_for(&org).json("/api/v1/applications").await["total"], 2, "the organisation's two");
        assert_eq!(admin.json("/api/v1/applications").await["total"], 1, "the person's own");
        assert_eq!(operator.json("/api/v1/applications").await["total"], 0);

        // Staff move it: every member who may see it is told, nobody else.
        let news_before = stranger.json("/api/v1/notifications").await["items"].as_array().unwrap().len();
        assert_eq!(op.post(&format!("/api/v1/staff/applications/{id}/assign"), json!({ "assignee": "me" })).await.status(), 200);
        let page = op.get(&format!("/staff/applications/{id}")).await.text().await.unwrap();
        assert!(page.contains("Организация: ООО «Ромашка» (ИНН 7707083893)"), "staff see whose it is");
        // Taken into work by the assignment: a clarification can be asked at once.
        let res = op.post(&format!("/api/v1/staff/applications/{id}/transition"), json!({ "to": "needs_clarification", "reason": "Приложите доверенность" })).await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
        for u in [&admin, &operator, &observer] {
            let items = u.json("/api/v1/notifications").await;
            assert!(items["items"].as_array().unwrap().iter().any(|n| n["link"] == format!("/applications/{id}") && n["title"] == "Статус заявления изменился"), "{items}");
        }
        assert_eq!(stranger.json("/api/v1/notifications").await["items"].as_array().unwrap().len(), news_before);
        assert!(!other_admin.json("/api/v1/notifications").await["items"].as_array().unwrap().iter().any(|n| n["link"] == format!("/applications/{id}")));
        // The operator answers the clarification for the organisation.
        let res = as_operator.upload(&format!("/api/v1/applications/{id}/attachments"), "other", "доверенность.pdf", b"%PDF-1.4 power of attorney".to_vec()).await;
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
        assert_eq!(as_observer.json(&path).await["status"], "in_progress");
        let file = as_observer.json(&path).await["files"][0]["id"].as_str().unwrap().to_owned();
        assert_eq!(as_observer.get(&format!("{path}/files/{file}")).await.status(), 200, "observers read documents");
        assert_eq!(operator.get(&format!("{path}/files/{file}")).await.status(), 404, "not outside the context");
        assert_eq!(as_other.get(&format!("{path}/files/{file}")).await.status(), 404);

        // A member who leaves loses access at once.
        let observer_id = account_id(&observer).await;
        let res = admin.send(Method::DELETE, &format!("/api/v1/organizations/{org}/members/{observer_id}"), None).await;
        assert_eq!(res.status(), 204);
        assert_eq!(observer.acting_for(&org).get(&path).await.status(), 404);

        // Filed with the organisation, audited with the acting person.
        let mut conn = app.app.store.acquire().await.unwrap();
        let owner: Option<String> = sqlx::query_scalar("SELECT organization_id FROM applications WHERE id = $1").bind(&id).fetch_one(&mut *conn).await.unwrap();
        assert_eq!(owner.as_deref(), Some(org.as_str()));
        let audit = kabinet_store::audit::latest(&app.app.store, 300).await.unwrap();
        let operator_id = account_id(&operator).await;
        assert!(audit.iter().any(|e| e.action == "application.created" && e.actor == format!("account:{operator_id}") && e.details.contains(&org)));
    }
}

backend_test! {
    async fn card_documents_history_and_identifier_changes(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp).await;
        let op = staff_user(&app, "op@kabinet.ru", "operator").await;
        let admin = confirmed(&app, &smtp, &op, "director@example.ru", "500100732259").await;
        let org = organisation(&admin, &op, LEGAL_INN, OGRN, "ООО «Ромашка»").await;
        let operator = register_user(&app, &smtp, "operator@example.ru").await;
        join(&smtp, &admin, &org, &operator, "operator@example.ru", "operator").await;
        let stranger = register_user(&app, &smtp, "stranger@example.ru").await;
        let card = admin.json(&format!("/api/v1/organizations/{org}")).await;
        assert_eq!((card["registered_on"].as_str(), card["responsible"].as_str(), card["contact_email"].as_str()), (Some("2012-03-15"), Some("Петров П. П., главный бухгалтер"), Some("office@romashka.ru")));

        // Data: administrators only; field errors, nothing half-written.
        let path = format!("/api/v1/organizations/{org}");
        let data = json!({ "full_name": "ООО «Ромашка и партнёры»", "legal_address": "123456, г. Москва, ул. Тверская, д. 2", "registered_on": "15.03.2012", "contact_phone": "+7 495 123-45-67" });
        assert_eq!(operator.send(Method::PUT, &path, Some(data.clone())).await.status(), 403);
        assert_eq!(stranger.send(Method::PUT, &path, Some(data.clone())).await.status(), 404);
        let res = admin.send(Method::PUT, &path, Some(json!({ "full_name": "", "legal_address": "Москва", "registered_on": "01.01.2999", "contact_email": "не почта" }))).await;
        assert_eq!(res.status(), 422);
        let mut fields: Vec<String> = res.json::<Value>().await.unwrap()["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect();
        fields.sort();
        assert_eq!(fields, ["contact_email", "full_name", "registered_on"]);
        assert_eq!(admin.json(&path).await["full_name"], "ООО «Ромашка»");
        let res = admin.send(Method::PUT, &path, Some(data)).await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
        let got = admin.json(&path).await;
        assert_eq!((got["full_name"].as_str(), got["contact_phone"].as_str(), got["contact_email"].as_str()), (Some("ООО «Ромашка и партнёры»"), Some("+74951234567"), None));

        // Statutory documents: administrators upload, members read, others do not.
        let docs = format!("/api/v1/organizations/{org}/documents");
        assert_eq!(operator.upload(&docs, "charter", "устав.pdf", b"%PDF-1.4 charter".to_vec()).await.status(), 403);
        assert_eq!(admin.upload(&docs, "charter", "устав.exe", b"MZ\x90\x00".to_vec()).await.status(), 422, "not a PDF by content");
        assert_eq!(admin.upload(&docs, "secret", "устав.pdf", b"%PDF-1.4 charter".to_vec()).await.status(), 422);
        let res = admin.upload(&docs, "charter", "../../устав.pdf", b"%PDF-1.4 charter".to_vec()).await;
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
        let file = res.json::<Value>().await.unwrap()["file_id"].as_str().unwrap().to_owned();
        let list = operator.json(&docs).await;
        assert_eq!(list["items"][0]["kind"], "charter");
        assert!(!list["items"][0]["file_name"].as_str().unwrap().contains('/'));
        let res = operator.get(&format!("{docs}/{file}")).await;
        assert_eq!(res.status(), 200);
        assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
        assert_eq!(stranger.get(&format!("{docs}/{file}")).await.status(), 404);
        assert_eq!(op.get(&format!("{docs}/{file}")).await.status(), 200, "staff who verify");
        assert_eq!(admin.get(&format!("/api/v1/files/{file}")).await.status(), 404, "the organisation's, not the uploader's own file");

        // Identifier changes: checked together, a reason, one at a time, decided by staff.
        let changes = format!("/api/v1/organizations/{org}/change-requests");
        assert_eq!(operator.post(&changes, json!({ "kpp": "773601002", "reason": "Переезд" })).await.status(), 403);
        let res = admin.post(&changes, json!({ "ogrn": "304500116000157", "reason": "" })).await;
        assert_eq!(res.status(), 422);
        let mut fields: Vec<String> = res.json::<Value>().await.unwrap()["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect();
        fields.sort();
        assert_eq!(fields, ["ogrn", "reason"]);
        assert_eq!(admin.post(&changes, json!({ "kpp": KPP, "reason": "Тот же" })).await.status(), 422, "nothing changes");
        let res = admin.post(&changes, json!({ "kpp": "773601002", "reason": "Переезд в другой район" })).await;
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
        let request = res.json::<Value>().await.unwrap();
        assert_eq!(request["fields"], json!(["kpp"]));
        assert_eq!(admin.post(&changes, json!({ "kpp": "773601003", "reason": "Ещё раз" })).await.status(), 409);
        assert_eq!(admin.json(&path).await["kpp"], KPP, "not before staff decide");
        assert_eq!(admin.get("/api/v1/staff/organization-changes").await.status(), 403);
        let queue = op.json("/api/v1/staff/organization-changes").await;
        assert_eq!(queue["items"][0]["kpp"], "773601002");
        let rid = request["id"].as_str().unwrap();
        assert_eq!(op.post(&format!("/api/v1/staff/organization-changes/{rid}/refuse"), json!({})).await.status(), 422, "a reason to refuse");
        assert_eq!(op.post(&format!("/api/v1/staff/organization-changes/{rid}/approve"), json!({ "comment": "Сверено с ЕГРЮЛ" })).await.status(), 200);
        assert_eq!(op.post(&format!("/api/v1/staff/organization-changes/{rid}/approve"), json!({})).await.status(), 409);
        assert_eq!(admin.json(&path).await["kpp"], "773601002");
        let titles: Vec<String> = admin.json("/api/v1/notifications").await["items"].as_array().unwrap().iter().map(|n| n["title"].as_str().unwrap().to_owned()).collect();
        assert!(titles.iter().any(|t| t == "Реквизиты организации изменены"), "{titles:?}");

        // Two requests at the same moment: exactly one is taken.
        let (one, two) = tokio::join!(
            admin.post(&changes, json!({ "kpp": "773601003", "reason": "Первая" })),
            admin.post(&changes, json!({ "kpp": "773601004", "reason": "Вторая" }))
        );
        let mut got = [one.status().as_u16(), two.status().as_u16()];
        got.sort_unstable();
        assert_eq!(got, [201, 409]);

        // «История изменений»: what, when, who — for members only.
        let history = operator.json(&format!("/api/v1/organizations/{org}/history")).await;
        let what: Vec<&str> = history["items"].as_array().unwrap().iter().map(|e| e["what"].as_str().unwrap()).collect();
        for w in ["created", "verified", "invited", "invitation_accepted", "data_changed", "document_added", "change_requested", "identifiers_changed"] {
            assert!(what.contains(&w), "{w} in {what:?}");
        }
        let changed = history["items"].as_array().unwrap().iter().find(|e| e["what"] == "data_changed").unwrap();
        assert_eq!(changed["details"]["fields"], json!(["full_name", "legal_address", "responsible", "contact_email", "contact_phone"]), "PUT replaces the data: what is left out is cleared");
        assert_eq!(changed["actor"], format!("account:{}", account_id(&admin).await));
        assert_eq!(stranger.get(&format!("/api/v1/organizations/{org}/history")).await.status(), 404);
        // Identifiers never in clear at rest, in the history or the requests.
        let mut conn = app.app.store.acquire().await.unwrap();
        let texts: Vec<String> = sqlx::query_scalar("SELECT details FROM organization_history").fetch_all(&mut *conn).await.unwrap();
        let sealed: Vec<String> = sqlx::query_scalar("SELECT proposed_sealed FROM organization_change_requests").fetch_all(&mut *conn).await.unwrap();
        assert!(texts.iter().chain(&sealed).all(|t| !t.contains("773601002") && !t.contains(LEGAL_INN)));
        drop(conn);

        // Closing an account: the only administrator of an organisation with other
        // members hands it over first; after closing, the person is no member; once the
        // account is erased, the organisation keeps the documents they uploaded.
        assert_eq!(admin.send(Method::DELETE, "/api/v1/me", None).await.status(), 409);
        let operator_id = account_id(&operator).await;
        assert_eq!(admin.post(&format!("/api/v1/organizations/{org}/members/{operator_id}/role"), json!({ "role": "administrator" })).await.status(), 200);
        // Two administrators demoting each other at the same moment: one wins, the other
        // is no administrator any more by the time their change runs.
        let admin_id = account_id(&admin).await;
        let (demote_operator, demote_admin) = (
            format!("/api/v1/organizations/{org}/members/{operator_id}/role"),
            format!("/api/v1/organizations/{org}/members/{admin_id}/role"),
        );
        let (x, y) = tokio::join!(
            admin.post(&demote_operator, json!({ "role": "observer" })),
            operator.post(&demote_admin, json!({ "role": "observer" }))
        );
        let mut got = [x.status().as_u16(), y.status().as_u16()];
        got.sort_unstable();
        assert_eq!(got, [200, 403], "never both");
        let members = admin.json(&format!("/api/v1/organizations/{org}/members")).await;
        let admins: Vec<&str> = members["items"].as_array().unwrap().iter().filter(|m| m["role"] == "administrator").map(|m| m["account_id"].as_str().unwrap()).collect();
        assert_eq!(admins.len(), 1);
        let (winner, loser) = if admins[0] == admin_id { (&admin, &operator_id) } else { (&operator, &admin_id) };
        assert_eq!(winner.post(&format!("/api/v1/organizations/{org}/members/{loser}/role"), json!({ "role": "administrator" })).await.status(), 200);
        assert_eq!(admin.send(Method::DELETE, "/api/v1/me", None).await.status(), 204);
        let members = operator.json(&format!("/api/v1/organizations/{org}/members")).await;
        assert_eq!(members["items"].as_array().unwrap().len(), 1);
        assert!(kabinet_app::privacy::maintenance(&app.app).await.unwrap().erased >= 1);
        assert!(app.data_dir().join("files").join(&file).exists(), "the organisation's document stays");
        assert_eq!(operator.get(&format!("{docs}/{file}")).await.status(), 200);
    }
}

backend_test! {
    async fn the_switch_on_the_pages(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp).await;
        let op = staff_user(&app, "op@kabinet.ru", "operator").await;
        let admin = confirmed(&app, &smtp, &op, "director@example.ru", "500100732259").await;
        let org = organisation(&admin, &op, LEGAL_INN, OGRN, "ООО «Ромашка»").await;
        let observer = register_user(&app, &smtp, "observer@example.ru").await;
        join(&smtp, &admin, &org, &observer, "observer@example.ru", "observer").await;
        let post = |who: &User, path: &str, pairs: &[(&str, &str)]| {
            let mut form: Vec<(String, String)> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
            form.push(("csrf_token".into(), who.csrf.clone()));
            let c = who.c.clone();
            let url = app.url(path);
            async move { c.post(url).form(&form).send().await.unwrap() }
        };
        let page = admin.get("/applications").await.text().await.unwrap();
        assert!(page.contains("Вы действуете как частное лицо") && page.contains("Войти как организация"));
        // Without the CSRF token nothing switches.
        let res = admin.c.post(app.url(&format!("/organizations/{org}/act"))).form(&[("csrf_token", "x")]).send().await.unwrap();
        assert_eq!(res.status(), 403);
        let res = post(&admin, &format!("/organizations/{org}/act"), &[]).await;
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()["location"], "/applications");
        let page = admin.get("/applications").await.text().await.unwrap();
        assert!(page.contains("Вы действуете от имени организации «ООО «Ромашка»»"), "{page}");
        assert!(page.contains("Заявление организации"));
        // A draft made on the pages belongs to the organisation.
        let res = post(&admin, "/services/appeal-question/apply", &[]).await;
        assert!(res.status().is_redirection(), "{} {}", res.status(), res.text().await.unwrap());
        assert_eq!(admin.acting_for(&org).json("/api/v1/applications?drafts=true").await["total"], 1);
        assert_eq!(admin.json("/api/v1/applications").await["total"], 0, "the API acts by the header only");
        // The observer sees it read-only: no forms that change it.
        assert_eq!(post(&observer, &format!("/organizations/{org}/act"), &[]).await.status(), 303);
        let draft = admin.acting_for(&org).json("/api/v1/applications").await["items"][0]["id"].as_str().unwrap().to_owned();
        let page = observer.get(&format!("/applications/{draft}/review")).await.text().await.unwrap();
        assert!(page.contains("Наблюдатель") && !page.contains("/submit"), "{page}");
        let res = admin.acting_for(&org).post("/api/v1/applications", json!({ "service_id": "appeal-question", "fields": { "topic": "service", "question": "Вопрос организации о сроках" } })).await;
        let id = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
        assert_eq!(admin.acting_for(&org).post(&format!("/api/v1/applications/{id}/submit"), json!({})).await.status(), 200);
        let page = observer.get(&format!("/applications/{id}")).await.text().await.unwrap();
        assert!(page.contains("Наблюдатель") && !page.contains("name=\"text\""), "{page}");
        // Live status on the pages follows the session's context.
        let mut stream = observer.get("/applications/events").await;
        assert_eq!(stream.status(), 200);
        assert_eq!(op.post(&format!("/api/v1/staff/applications/{id}/transition"), json!({ "to": "in_progress" })).await.status(), 200);
        let mut seen = String::new();
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        while !seen.contains("in_progress") {
            let chunk = tokio::time::timeout_at(deadline, stream.chunk()).await.expect("an event within 10 s").unwrap().expect("open");
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
        assert!(seen.contains(&format!("\"id\":\"{id}\"")), "{seen}");
        // Signing out ends the stream.
        let res = observer.send(Method::DELETE, "/api/v1/session", None).await;
        assert_eq!(res.status(), 204);
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        while let Ok(Some(_)) = tokio::time::timeout_at(deadline, stream.chunk()).await.expect("the stream ends within 10 s") {}
        let page = admin.get(&format!("/applications/{id}")).await.text().await.unwrap();
        assert!(page.contains("name=\"text\""), "the administrator may comment");
        // The card page: history, documents, the administrator's forms.
        let page = admin.get(&format!("/organizations/{org}")).await.text().await.unwrap();
        for text in ["История изменений", "Уставные документы", "Изменить данные организации", "Изменение реквизитов", "Организация зарегистрирована", "Иванова Мария"] {
            assert!(page.contains(text), "{text}");
        }
        let res = post(&admin, &format!("/organizations/{org}/data"), &[("full_name", ""), ("legal_address", "Москва")]).await;
        assert_eq!(res.status(), 422);
        assert!(res.text().await.unwrap().contains("aria-invalid=\"true\""));
        let res = post(&admin, &format!("/organizations/{org}/change-request"), &[("kpp", "773601002"), ("reason", "Переезд")]).await;
        assert_eq!(res.status(), 303);
        assert!(admin.get(&format!("/organizations/{org}")).await.text().await.unwrap().contains("На рассмотрении"));
        let page = op.get("/staff/organizations").await.text().await.unwrap();
        assert!(page.contains("КПП 773601002"), "{page}");
        // Back to the private person.
        assert_eq!(post(&admin, "/organizations/personal", &[]).await.status(), 303);
        assert!(admin.get("/applications").await.text().await.unwrap().contains("Вы действуете как частное лицо"));
        assert_eq!(admin.get(&format!("/applications/{id}")).await.status(), 404);
    }
}

backend_test! {
    async fn the_registry_verifies_organisations(backend) {
        use kabinet_testkit::registry::{KnownPerson, RegistryStub};
        let smtp = MailServer::start();
        let registry = RegistryStub::start().await;
        registry.know("11223344595", KnownPerson { last_name: "Иванова".into(), birth_date: "1990-02-01".into(), passport_number: "654321".into() });
        registry.know_organization(LEGAL_INN, "ООО «Ромашка»");
        let app = TestApp::spawn_with(backend, TestOptions {
            worker: true,
            env: vec![
                ("KABINET_SMTP_URL".into(), smtp.url()),
                ("KABINET_REGISTRY_URL".into(), registry.url()),
                ("KABINET_OUTBOX_BACKOFF_SECS".into(), "1".into()),
                ("KABINET_PASSWORD_ARGON2_MEMORY_KIB".into(), "1024".into()),
                ("KABINET_PASSWORD_ARGON2_ITERATIONS".into(), "1".into()),
            ],
            ..TestOptions::default()
        }).await;
        let op = staff_user(&app, "op@kabinet.ru", "operator").await;
        let admin = confirmed(&app, &smtp, &op, "director@example.ru", "500100732259").await;
        let status = |id: String| {
            let admin = admin.clone();
            async move {
                wait_for(WAIT, "the registry was asked", || async {
                    let got = admin.json(&format!("/api/v1/organizations/{id}")).await;
                    (got["status"] != "pending_verification" || got["decision"].is_string()).then_some(got)
                })
                .await
            }
        };

        // Known to the registry, with a first failure retried: verified without staff.
        registry.fail_next(1);
        let res = admin.post("/api/v1/organizations", json!({ "kind": "legal_entity", "inn": LEGAL_INN, "ogrn": OGRN, "kpp": KPP, "full_name": "ООО «Ромашка»", "legal_address": "Москва" })).await;
        let created: Value = res.json().await.unwrap();
        assert_eq!(created["status"], "pending_verification", "as API.md fixes it");
        let got = status(created["id"].as_str().unwrap().to_owned()).await;
        assert_eq!(got["status"], "active");
        assert_eq!(got["decision"], "Сведения подтверждены реестром");
        let sent: Vec<Value> = registry.requests().into_iter().filter(|r| r.get("ogrn").is_some()).collect();
        assert_eq!(sent.len(), 2, "retried once");
        assert_eq!(sent[0], json!({ "kind": "legal_entity", "inn": LEGAL_INN, "ogrn": OGRN, "kpp": KPP, "full_name": "ООО «Ромашка»" }));
        let history = admin.json(&format!("/api/v1/organizations/{}/history", created["id"].as_str().unwrap())).await;
        assert!(history["items"].as_array().unwrap().iter().any(|e| e["what"] == "verified" && e["actor_kind"] == "system"));

        // Unknown: left to staff with the registry's reason; the administrator is told.
        let res = admin.post("/api/v1/organizations", json!({ "kind": "legal_entity", "inn": OTHER_INN, "ogrn": OTHER_OGRN, "kpp": KPP, "full_name": "АО «Василёк»", "legal_address": "Москва" })).await;
        let id = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
        let got = status(id.clone()).await;
        assert_eq!(got["status"], "pending_verification");
        assert!(got["decision"].as_str().unwrap().contains("ИНН не найден в ЕГРЮЛ/ЕГРИП"));
        let page = op.get("/staff/organizations").await.text().await.unwrap();
        assert!(page.contains("Реестр не подтвердил сведения: ИНН не найден"), "staff see why");
        let titles: Vec<String> = admin.json("/api/v1/notifications").await["items"].as_array().unwrap().iter().map(|n| n["title"].as_str().unwrap().to_owned()).collect();
        assert!(titles.iter().any(|t| t == "Реестр не подтвердил сведения об организации"), "{titles:?}");
        assert_eq!(op.post(&format!("/api/v1/staff/organizations/{id}/verify"), json!({ "comment": "Проверено по выписке" })).await.status(), 200);
        // The outbox never held the identifiers.
        let mut conn = app.app.store.acquire().await.unwrap();
        let payloads: Vec<String> = sqlx::query_scalar("SELECT payload FROM outbox WHERE kind = 'organization_check'").fetch_all(&mut *conn).await.unwrap();
        assert_eq!(payloads.len(), 2);
        assert!(payloads.iter().all(|p| !p.contains(LEGAL_INN) && !p.contains(OTHER_INN)));
    }
}
