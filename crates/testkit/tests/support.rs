//! Support tickets on both backends (BO-5): «Обратная связь» from a visitor (contact,
//! answer by mail, a limit per address) and from a signed-in person (attachments,
//! «Мои обращения», isolation), the staff side (answer, waiting, close, escalation to
//! supervisors), who may do what, and the pages.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use kabinet_testkit::people::{User, client, register_user, staff_user};
use kabinet_testkit::{MailServer, TestApp, TestBackend, TestOptions, backend_test};
use serde_json::{Value, json};

const PDF: &[u8] = b"%PDF-1.7\n% a receipt\n%%EOF\n";

async fn spawn(backend: TestBackend, smtp: &MailServer) -> TestApp {
    TestApp::spawn_with(
        backend,
        TestOptions {
            worker: true,
            env: vec![
                ("KABINET_SMTP_URL".into(), smtp.url()),
                ("KABINET_WORKER_POLL_MS".into(), "50".into()),
                ("KABINET_PASSWORD_ARGON2_MEMORY_KIB".into(), "1024".into()),
                ("KABINET_PASSWORD_ARGON2_ITERATIONS".into(), "1".into()),
            ],
            ..TestOptions::default()
        },
    )
    .await
}

async fn upload(u: &User, path: &str, name: &str, bytes: &[u8], text: &str) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .text("text", text.to_owned())
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_owned()),
        );
    u.c.post(format!("{}{path}", u.base))
        .header("X-CSRF-Token", &u.csrf)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

fn field_names(v: &Value) -> Vec<String> {
    v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

backend_test! {
    async fn tickets_from_visitors_and_people_to_staff_and_back(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp).await;
        let anon = client();

        // A visitor: a contact is required; the number goes to it.
        let res = anon.post(app.url("/api/v1/support/tickets")).json(&json!({ "subject": "Вопрос", "text": "Как записаться на приём?" })).send().await.unwrap();
        assert_eq!(res.status(), 422);
        assert_eq!(field_names(&res.json().await.unwrap()), ["contact"]);
        let res = anon.post(app.url("/api/v1/support/tickets")).json(&json!({ "subject": "ой", "text": "", "contact": "не контакт" })).send().await.unwrap();
        let mut names = field_names(&res.json().await.unwrap());
        names.sort();
        assert_eq!(names, ["contact", "subject", "text"]);
        let seen = smtp.messages().len();
        let res = anon.post(app.url("/api/v1/support/tickets")).json(&json!({ "subject": "Запись на приём", "text": "Как записаться на приём к нотариусу?", "contact": "visitor@example.ru", "page": "/services/notary-request" })).send().await.unwrap();
        assert_eq!(res.status(), 201);
        let visitor_ticket: Value = res.json().await.unwrap();
        let number = visitor_ticket["number"].as_str().unwrap().to_owned();
        assert!(number.starts_with("ОБР-") && number.len() == "ОБР-26-000001".len(), "{number}");
        let mail = smtp.find_after(seen, |m| m.to == ["visitor@example.ru"]).await;
        assert!(mail.body_text().contains(&number));

        // A signed-in person: CSRF, «Мои обращения», documents by content.
        let u = register_user(&app, &smtp, "citizen@example.ru").await;
        let other = register_user(&app, &smtp, "other@example.ru").await;
        let res = u.c.post(app.url("/api/v1/support/tickets")).json(&json!({ "subject": "Справка", "text": "Не пришла справка о доходах" })).send().await.unwrap();
        assert_eq!(res.status(), 403, "the CSRF header is required when signed in");
        let res = u.post("/api/v1/support/tickets", json!({ "subject": "Справка", "text": "Не пришла справка о доходах" })).await;
        assert_eq!(res.status(), 201);
        let id = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
        assert_eq!(u.json("/api/v1/support/tickets").await["items"][0]["status"], "new");
        assert_eq!(other.get(&format!("/api/v1/support/tickets/{id}")).await.status(), 404);
        assert_eq!(other.json("/api/v1/support/tickets").await["items"].as_array().unwrap().len(), 0);
        assert_eq!(upload(&u, &format!("/api/v1/support/tickets/{id}/attachments"), "virus.pdf", b"MZ\x90\x00", "").await.status(), 415);
        assert_eq!(upload(&u, &format!("/api/v1/support/tickets/{id}/attachments"), "квитанция.pdf", PDF, "Квитанция об оплате").await.status(), 201);
        let mine = u.json(&format!("/api/v1/support/tickets/{id}")).await;
        let file_id = mine["messages"][1]["file_id"].as_str().unwrap().to_owned();
        assert_eq!(u.get(&format!("/api/v1/support/tickets/{id}/files/{file_id}")).await.status(), 200);
        assert_eq!(other.get(&format!("/api/v1/support/tickets/{id}/files/{file_id}")).await.status(), 404);

        // Staff: who may; the queue; the visitor's contact; answers with a status.
        let op = staff_user(&app, "op@kabinet.ru", "operator").await;
        let sup = staff_user(&app, "sup@kabinet.ru", "supervisor").await;
        let aud = staff_user(&app, "aud@kabinet.ru", "auditor").await;
        assert_eq!(aud.get("/api/v1/staff/support/tickets").await.status(), 403);
        assert_eq!(u.get("/api/v1/staff/support/tickets").await.status(), 403);
        let queue = op.json("/api/v1/staff/support/tickets").await;
        assert_eq!(queue["items"].as_array().unwrap().len(), 2);
        let v = op.json(&format!("/api/v1/staff/support/tickets/{}", visitor_ticket["id"].as_str().unwrap())).await;
        assert_eq!(v["contact"], "visitor@example.ru");
        assert_eq!(v["page"], "/services/notary-request");
        assert_eq!(op.get(&format!("/api/v1/staff/support/tickets/{id}/files/{file_id}")).await.status(), 404, "staff use the ticket's own file route");
        assert_eq!(op.get(&format!("/api/v1/support/tickets/{id}/files/{file_id}")).await.status(), 200);

        let seen = smtp.messages().len();
        let answer = |who: &User, tid: &str, text: &str, status: &str| {
            let path = format!("/api/v1/staff/support/tickets/{tid}/messages");
            let body = json!({ "text": text, "status": status });
            let who = who.clone();
            async move { who.post(&path, body).await.status().as_u16() }
        };
        assert_eq!(answer(&op, &id, "Уточните дату заявления", "dreaming").await, 422);
        assert_eq!(answer(&op, &id, "  ", "waiting").await, 422);
        assert_eq!(answer(&op, &id, "Уточните дату заявления", "waiting").await, 201);
        assert_eq!(u.json(&format!("/api/v1/support/tickets/{id}")).await["status"], "waiting");
        smtp.find_after(seen, |m| m.to == ["citizen@example.ru"] && m.body_text().contains("дан ответ")).await;
        // The person answers: it waits for staff again.
        assert_eq!(u.post(&format!("/api/v1/support/tickets/{id}/messages"), json!({ "text": "Подавала 3 марта" })).await.status(), 201);
        assert_eq!(u.json(&format!("/api/v1/support/tickets/{id}")).await["status"], "new");
        // The visitor gets the answer itself by mail.
        let vid = visitor_ticket["id"].as_str().unwrap().to_owned();
        let seen = smtp.messages().len();
        assert_eq!(answer(&op, &vid, "Запишитесь через раздел «Нотариат»", "answered").await, 201);
        let mail = smtp.find_after(seen, |m| m.to == ["visitor@example.ru"]).await;
        assert!(mail.body_text().contains("Запишитесь через раздел"));

        // Escalation to supervisors, once, with a reason.
        let esc = |who: &User, reason: &str| {
            let path = format!("/api/v1/staff/support/tickets/{id}/escalate");
            let body = json!({ "reason": reason });
            let who = who.clone();
            async move { who.post(&path, body).await.status().as_u16() }
        };
        assert_eq!(esc(&op, "").await, 422);
        let seen = smtp.messages().len();
        assert_eq!(esc(&op, "Жалоба на сотрудника").await, 200);
        assert_eq!(esc(&op, "ещё раз").await, 409);
        smtp.find_after(seen, |m| m.to == ["sup@kabinet.ru"] && m.body_text().contains("Жалоба на сотрудника")).await;
        let escalated = sup.json("/api/v1/staff/support/tickets?escalated=true").await;
        assert_eq!(escalated["items"].as_array().unwrap().len(), 1);
        assert_eq!(escalated["items"][0]["id"], id.as_str());

        // Closed: nobody writes any more; the person sees it closed.
        assert_eq!(answer(&sup, &id, "Вопрос решён, справка отправлена", "closed").await, 201);
        assert_eq!(u.post(&format!("/api/v1/support/tickets/{id}/messages"), json!({ "text": "Спасибо" })).await.status(), 409);
        assert_eq!(u.json("/api/v1/support/tickets").await["items"][0]["status"], "closed");
        let entries = kabinet_store::audit::latest(&app.app.store, 200).await.unwrap();
        for action in ["support.ticket_created", "support.answered", "support.user_replied", "support.escalated", "support.ticket_viewed", "support.file_viewed"] {
            assert!(entries.iter().any(|e| e.action == action), "{action}");
        }
    }
}

backend_test! {
    async fn visitors_are_limited_and_the_pages_work_without_javascript(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp).await;
        let anon = client();
        for i in 0..5 {
            let res = anon.post(app.url("/api/v1/support/tickets")).json(&json!({ "subject": format!("Вопрос {i}"), "text": "Как записаться на приём?", "contact": "+7 912 345-67-89" })).send().await.unwrap();
            assert_eq!(res.status(), 201);
        }
        let res = anon.post(app.url("/api/v1/support/tickets")).json(&json!({ "subject": "Вопрос 6", "text": "Как записаться на приём?", "contact": "+7 912 345-67-89" })).send().await.unwrap();
        assert_eq!(res.status(), 409);
        assert!(res.json::<Value>().await.unwrap()["detail"].as_str().unwrap().contains("слишком много"));

        // The form: «Обратная связь» is linked from every page.
        let home = client().get(app.url("/")).send().await.unwrap().text().await.unwrap();
        assert!(home.contains("href=\"/feedback\""));
        let u = register_user(&app, &smtp, "citizen@example.ru").await;
        let page = u.get("/feedback?from=/applications").await.text().await.unwrap();
        assert!(page.contains("name=\"file\"") && !page.contains("name=\"contact\""));
        let form = reqwest::multipart::Form::new()
            .text("csrf_token", u.csrf.clone())
            .text("page", "/applications")
            .text("subject", "")
            .text("text", "Не открывается заявление");
        let res = u.c.post(app.url("/feedback")).multipart(form).send().await.unwrap();
        assert_eq!(res.status(), 422);
        let body = res.text().await.unwrap();
        assert!(body.contains("Не открывается заявление"), "what was typed stays");
        let form = reqwest::multipart::Form::new()
            .text("csrf_token", u.csrf.clone())
            .text("page", "/applications")
            .text("subject", "Заявление")
            .text("text", "Не открывается заявление")
            .part("file", reqwest::multipart::Part::bytes(PDF.to_vec()).file_name("скрин.pdf"));
        let res = u.c.post(app.url("/feedback")).multipart(form).send().await.unwrap();
        assert_eq!(res.status(), 303);
        let to = res.headers()["location"].to_str().unwrap().to_owned();
        assert!(to.starts_with("/support/"));
        let ticket = u.get(&to).await.text().await.unwrap();
        assert!(ticket.contains("Не открывается заявление") && ticket.contains("Приложенный файл"));
        let list = u.get("/support").await.text().await.unwrap();
        assert!(list.contains("Заявление") && list.contains("Новое"));
        let op = staff_user(&app, "op@kabinet.ru", "operator").await;
        let queue = op.get("/staff/support").await.text().await.unwrap();
        assert!(queue.contains(&to.replace("/support/", "/staff/support/")));
        let staff_page = op.get(&to.replace("/support/", "/staff/support/")).await.text().await.unwrap();
        assert!(staff_page.contains("/applications") && staff_page.contains("Передать руководителю"));
    }
}
