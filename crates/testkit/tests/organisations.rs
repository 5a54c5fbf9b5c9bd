//! Organisations through the API on both backends (ORG-1, first part): only confirmed
//! people register one; identifiers checked on their own and together; one per ИНН;
//! members see it, nobody else does; staff verify or refuse with a reason; the ИНН is
//! never stored in clear.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use kabinet_testkit::people::{User, register_user, staff_user};
use kabinet_testkit::{MailServer, TestApp, TestBackend, TestOptions, backend_test};
use serde_json::{Value, json};

async fn spawn(backend: TestBackend, smtp: &MailServer) -> TestApp {
    TestApp::spawn_with(
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
    .await
}

const PERSON_INN: &str = "500100732259";
const OGRNIP: &str = "304500116000157";
const LEGAL_INN: &str = "7707083893";
const OGRN: &str = "1027700132195";
const KPP: &str = "773601001";

/// A person with standard data and their own ИНН, confirmed by staff.
async fn confirmed(app: &TestApp, smtp: &MailServer, op: &User, email: &str) -> User {
    let u = register_user(app, smtp, email).await;
    let res = u.patch("/api/v1/me", json!({
        "last_name": "Иванова", "first_name": "Мария", "birth_date": "01.02.1990", "snils": "112-233-445 95", "inn": PERSON_INN,
        "passport": { "series": "45 06", "number": "654321", "issued_on": "15.03.2010", "issuer_code": "770-001" }
    })).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let id = u.json("/api/v1/session").await["account_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = op
        .post(
            &format!("/api/v1/staff/accounts/{id}/confirm-identity"),
            json!({ "method": "in_person" }),
        )
        .await;
    assert_eq!(res.status(), 200);
    u
}

fn fields(v: &Value) -> Vec<String> {
    v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

backend_test! {
    async fn register_verify_and_see_an_organisation(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp).await;
        let op = staff_user(&app, "op@kabinet.ru", "operator").await;
        let simple = register_user(&app, &smtp, "simple@example.ru").await;
        let legal = json!({ "kind": "legal_entity", "inn": LEGAL_INN, "ogrn": OGRN, "kpp": KPP,
            "full_name": "Публичное акционерное общество «Сбербанк России»", "short_name": "ПАО Сбербанк", "legal_address": "117312, г. Москва, ул. Вавилова, д. 19" });
        assert_eq!(simple.post("/api/v1/organizations", legal.clone()).await.status(), 403, "confirmed people only");

        let u = confirmed(&app, &smtp, &op, "director@example.ru").await;
        // Identifiers together: an ОГРНИП where an ОГРН belongs, a foreign ИНН for a sole proprietor.
        let res = u.post("/api/v1/organizations", json!({ "kind": "legal_entity", "inn": LEGAL_INN, "ogrn": OGRNIP, "kpp": "", "full_name": "", "legal_address": "Москва" })).await;
        assert_eq!(res.status(), 422);
        let mut f = fields(&res.json().await.unwrap());
        f.sort();
        assert_eq!(f, ["full_name", "kpp", "ogrn"]);
        let res = u.post("/api/v1/organizations", json!({ "kind": "sole_proprietor", "inn": "773173084809", "ogrn": OGRNIP, "full_name": "ИП Иванова М.", "legal_address": "Москва" })).await;
        assert_eq!(res.status(), 422);
        assert_eq!(fields(&res.json().await.unwrap()), ["inn"]);
        let res = u.post("/api/v1/organizations", json!({ "kind": "cooperative", "inn": "", "ogrn": "", "full_name": "", "legal_address": "" })).await;
        assert_eq!(res.status(), 422);

        // A legal entity and the person's own sole proprietorship.
        let res = u.post("/api/v1/organizations", legal.clone()).await;
        assert_eq!(res.status(), 201);
        let org: Value = res.json().await.unwrap();
        assert_eq!((org["status"].as_str().unwrap(), org["role"].as_str().unwrap()), ("pending_verification", "administrator"));
        let id = org["id"].as_str().unwrap().to_owned();
        assert_eq!(u.post("/api/v1/organizations", legal).await.status(), 409, "one organisation per ИНН");
        let res = u.post("/api/v1/organizations", json!({ "kind": "sole_proprietor", "inn": PERSON_INN, "ogrn": OGRNIP, "full_name": "ИП Иванова Мария", "legal_address": "Москва" })).await;
        assert_eq!(res.status(), 201);
        assert_eq!(u.json("/api/v1/organizations").await["items"].as_array().unwrap().len(), 2);

        // Members see it; nobody else does.
        let got = u.json(&format!("/api/v1/organizations/{id}")).await;
        assert_eq!((got["inn"].as_str().unwrap(), got["ogrn"].as_str().unwrap(), got["kpp"].as_str().unwrap()), (LEGAL_INN, OGRN, KPP));
        let members = u.json(&format!("/api/v1/organizations/{id}/members")).await;
        assert_eq!(members["items"][0]["role"], "administrator");
        assert_eq!(simple.get(&format!("/api/v1/organizations/{id}")).await.status(), 404);
        assert_eq!(simple.get(&format!("/api/v1/organizations/{id}/members")).await.status(), 404);

        // Staff: the queue, a refusal needs a reason, verification makes it active.
        assert_eq!(u.get("/api/v1/staff/organizations").await.status(), 403);
        let queue = op.json("/api/v1/staff/organizations").await;
        assert_eq!(queue["items"].as_array().unwrap().len(), 2, "a list is {{\"items\": […]}}");
        assert_eq!(op.post(&format!("/api/v1/staff/organizations/{id}/refuse"), json!({ "comment": " " })).await.status(), 422);
        assert_eq!(op.post(&format!("/api/v1/staff/organizations/{id}/verify"), json!({ "comment": "Сверено с ЕГРЮЛ" })).await.status(), 200);
        assert_eq!(op.post(&format!("/api/v1/staff/organizations/{id}/verify"), json!({})).await.status(), 409);
        assert_eq!(u.json(&format!("/api/v1/organizations/{id}")).await["status"], "active");
        let news = u.json("/api/v1/notifications").await;
        assert!(news["items"].as_array().unwrap().iter().any(|n| n["title"] == "Организация подтверждена"));

        // The ИНН is sealed at rest.
        let mut conn = app.app.store.acquire().await.unwrap();
        let stored: Vec<String> = sqlx::query_scalar("SELECT identifiers_sealed FROM organizations").fetch_all(&mut *conn).await.unwrap();
        assert!(stored.iter().all(|s| !s.contains(LEGAL_INN) && !s.contains(PERSON_INN)));
        let audit = kabinet_store::audit::latest(&app.app.store, 100).await.unwrap();
        assert!(audit.iter().any(|e| e.action == "organization.created"));
        assert!(audit.iter().any(|e| e.action == "organization.verified"));
    }
}

backend_test! {
    async fn the_pages_without_javascript(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp).await;
        let op = staff_user(&app, "op@kabinet.ru", "operator").await;
        let u = confirmed(&app, &smtp, &op, "director@example.ru").await;
        let page = u.get("/organizations").await.text().await.unwrap();
        assert!(page.contains("name=\"ogrn\"") && page.contains("Зарегистрировать"));
        let post = |pairs: &[(&str, &str)]| {
            let mut form: Vec<(String, String)> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
            form.push(("csrf_token".into(), u.csrf.clone()));
            let c = u.c.clone();
            let url = app.url("/organizations");
            async move { c.post(url).form(&form).send().await.unwrap() }
        };
        let res = post(&[("kind", "sole_proprietor"), ("inn", PERSON_INN), ("ogrn", OGRN), ("full_name", "ИП Иванова"), ("legal_address", "Москва")]).await;
        assert_eq!(res.status(), 422);
        let body = res.text().await.unwrap();
        assert!(body.contains("Это ОГРН юридического лица") && body.contains("ИП Иванова"), "the message and what was typed");
        let res = post(&[("kind", "sole_proprietor"), ("inn", PERSON_INN), ("ogrn", OGRNIP), ("full_name", "ИП Иванова Мария"), ("legal_address", "Москва")]).await;
        assert_eq!(res.status(), 303);
        let to = res.headers()["location"].to_str().unwrap().to_owned();
        let info = u.get(&to).await.text().await.unwrap();
        assert!(info.contains("Информация об организации") && info.contains(OGRNIP) && info.contains("На проверке") && info.contains("Администратор"));
        let queue = op.get("/staff/organizations").await.text().await.unwrap();
        assert!(queue.contains("ИП Иванова Мария") && queue.contains(OGRNIP));
        let id = to.trim_start_matches("/organizations/");
        let res = op.c.post(app.url(&format!("/staff/organizations/{id}/refuse"))).form(&[("csrf_token", op.csrf.as_str()), ("comment", "")]).send().await.unwrap();
        assert_eq!(res.status(), 422);
        let res = op.c.post(app.url(&format!("/staff/organizations/{id}/verify"))).form(&[("csrf_token", op.csrf.as_str()), ("comment", "")]).send().await.unwrap();
        assert_eq!(res.status(), 303);
        assert!(u.get(&to).await.text().await.unwrap().contains("Подтверждена"));

        // Invite from the page; the colleague enters the code on «Мои организации».
        let colleague = register_user(&app, &smtp, "colleague@example.ru").await;
        let seen = smtp.messages().len();
        let res = u.c.post(app.url(&format!("{to}/invite"))).form(&[("csrf_token", u.csrf.as_str()), ("contact", "не контакт"), ("role", "observer")]).send().await.unwrap();
        assert_eq!(res.status(), 422);
        let res = u.c.post(app.url(&format!("{to}/invite"))).form(&[("csrf_token", u.csrf.as_str()), ("contact", "colleague@example.ru"), ("role", "observer")]).send().await.unwrap();
        assert_eq!(res.status(), 303);
        let mail = smtp.find_after(seen, |m| m.to == ["colleague@example.ru"]).await.body_text();
        let code: String = mail.split("Код приглашения: ").nth(1).unwrap().chars().take(10).collect();
        let res = colleague.c.post(app.url("/organizations/invitation")).form(&[("csrf_token", colleague.csrf.as_str()), ("code", "НЕТАКОГО"), ("decision", "accept")]).send().await.unwrap();
        assert_eq!(res.status(), 422);
        let res = colleague.c.post(app.url("/organizations/invitation")).form(&[("csrf_token", colleague.csrf.as_str()), ("code", code.as_str()), ("decision", "accept")]).send().await.unwrap();
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()["location"], to.as_str());
        let info = colleague.get(&to).await.text().await.unwrap();
        assert!(info.contains("Наблюдатель") && info.contains("Выйти из организации") && !info.contains("Отправить приглашение"));
        let admin_view = u.get(&to).await.text().await.unwrap();
        assert!(admin_view.contains("Исключить") && admin_view.contains("Отправить приглашение"));
        // The colleague leaves from the page.
        let colleague_id = colleague.json("/api/v1/session").await["account_id"].as_str().unwrap().to_owned();
        let res = colleague.c.post(app.url(&format!("{to}/members/{colleague_id}/remove"))).form(&[("csrf_token", colleague.csrf.as_str())]).send().await.unwrap();
        assert_eq!(res.status(), 303);
        assert_eq!(colleague.get(&to).await.status(), 404);
    }
}

fn code_in(text: &str) -> String {
    text.split("Код приглашения: ")
        .nth(1)
        .unwrap()
        .chars()
        .take(10)
        .collect()
}

backend_test! {
    async fn invitations_members_and_the_last_administrator(backend) {
        let smtp = MailServer::start();
        let app = TestApp::spawn_with(backend, TestOptions {
            worker: true,
            manual_clock: true,
            env: vec![
                ("KABINET_SMTP_URL".into(), smtp.url()),
                ("KABINET_SESSION_IDLE_MINUTES".into(), "1440".into()),
                ("KABINET_SESSION_ABSOLUTE_HOURS".into(), "720".into()),
                ("KABINET_PASSWORD_ARGON2_MEMORY_KIB".into(), "1024".into()),
                ("KABINET_PASSWORD_ARGON2_ITERATIONS".into(), "1".into()),
            ],
            ..TestOptions::default()
        }).await;
        let clock = app.clock.clone().unwrap();
        let op = staff_user(&app, "op@kabinet.ru", "operator").await;
        let admin = confirmed(&app, &smtp, &op, "director@example.ru").await;
        let colleague = register_user(&app, &smtp, "colleague@example.ru").await;
        let stranger = register_user(&app, &smtp, "stranger@example.ru").await;
        let res = admin.post("/api/v1/organizations", json!({ "kind": "legal_entity", "inn": LEGAL_INN, "ogrn": OGRN, "kpp": KPP, "full_name": "ООО «Ромашка»", "legal_address": "Москва" })).await;
        let id = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
        let invite = |who: &User, contact: &str, role: &str| {
            let path = format!("/api/v1/organizations/{id}/invitations");
            let body = json!({ "contact": contact, "role": role });
            let who = who.clone();
            async move { who.post(&path, body).await }
        };
        assert_eq!(invite(&admin, "colleague@example.ru", "operator").await.status(), 409, "not verified yet");
        assert_eq!(op.post(&format!("/api/v1/staff/organizations/{id}/verify"), json!({})).await.status(), 200);
        assert_eq!(invite(&admin, "не контакт", "boss").await.status(), 422);
        assert_eq!(invite(&stranger, "colleague@example.ru", "operator").await.status(), 404, "not a member");

        // The code goes to the contact; only its owner may use it, once.
        let seen = smtp.messages().len();
        assert_eq!(invite(&admin, "colleague@example.ru", "operator").await.status(), 201);
        let code = code_in(&smtp.find_after(seen, |m| m.to == ["colleague@example.ru"]).await.body_text());
        assert_eq!(stranger.post("/api/v1/invitations/accept", json!({ "code": code })).await.status(), 403, "wrong person");
        assert_eq!(colleague.post("/api/v1/invitations/accept", json!({ "code": "AAAAAAAAAA" })).await.status(), 422);
        let res = colleague.post("/api/v1/invitations/accept", json!({ "code": code.to_lowercase() })).await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.json::<Value>().await.unwrap()["role"], "operator");
        assert_eq!(colleague.post("/api/v1/invitations/accept", json!({ "code": code })).await.status(), 409, "reused");
        assert_eq!(colleague.json(&format!("/api/v1/organizations/{id}")).await["role"], "operator");
        assert_eq!(invite(&colleague, "stranger@example.ru", "observer").await.status(), 403, "operators do not invite");

        // An expired code.
        let seen = smtp.messages().len();
        assert_eq!(invite(&admin, "stranger@example.ru", "observer").await.status(), 201);
        let late = code_in(&smtp.find_after(seen, |m| m.to == ["stranger@example.ru"]).await.body_text());
        for _ in 0..9 {
            clock.advance(time::Duration::hours(20));
            for u in [&admin, &colleague, &stranger] {
                u.get("/api/v1/session").await;
            }
        }
        assert_eq!(stranger.post("/api/v1/invitations/accept", json!({ "code": late })).await.status(), 409, "expired");

        // The last administrator can neither leave nor be demoted; after a second one, yes.
        let admin_id = admin.json("/api/v1/session").await["account_id"].as_str().unwrap().to_owned();
        let colleague_id = colleague.json("/api/v1/session").await["account_id"].as_str().unwrap().to_owned();
        let role = |who: &User, account: &str, role: &str| {
            let path = format!("/api/v1/organizations/{id}/members/{account}/role");
            let body = json!({ "role": role });
            let who = who.clone();
            async move { who.post(&path, body).await.status().as_u16() }
        };
        assert_eq!(role(&admin, &admin_id, "observer").await, 409);
        let leave = admin.c.delete(app.url(&format!("/api/v1/organizations/{id}/members/{admin_id}"))).header("X-CSRF-Token", &admin.csrf).send().await.unwrap();
        assert_eq!(leave.status(), 409);
        assert_eq!(role(&colleague, &colleague_id, "administrator").await, 403, "operators do not change roles");
        assert_eq!(role(&admin, &colleague_id, "administrator").await, 200);
        assert_eq!(role(&admin, &admin_id, "observer").await, 200);
        let members = colleague.json(&format!("/api/v1/organizations/{id}/members")).await;
        assert_eq!(members["items"][0]["role"], "administrator");
        let leave = admin.c.delete(app.url(&format!("/api/v1/organizations/{id}/members/{admin_id}"))).header("X-CSRF-Token", &admin.csrf).send().await.unwrap();
        assert_eq!(leave.status(), 204, "an observer may leave");
        assert_eq!(admin.get(&format!("/api/v1/organizations/{id}")).await.status(), 404);
        let audit = kabinet_store::audit::latest(&app.app.store, 200).await.unwrap();
        for action in ["organization.invited", "organization.invitation_accepted", "organization.role_changed", "organization.member_removed"] {
            assert!(audit.iter().any(|e| e.action == action), "{action}");
        }
    }
}
