//! Applications through the API on both backends: drafts with prefill, field errors
//! per type, submission with a checked number and a working-day due date, the status
//! machine with staff, the clarification loop, results, isolation, uploads (by
//! content, 413 early, 415), filters, and the version an application keeps.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Duration as StdDuration;

use kabinet_app::Ctx;
use kabinet_testkit::people::{
    PASSWORD, User, client, register_user as register, staff_user as staff,
};
use kabinet_testkit::{
    MailServer, TestApp, TestBackend, TestOptions, WAIT, backend_test, wait_for,
};
use serde_json::{Value, json};

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n";

async fn spawn(backend: TestBackend, smtp: &MailServer) -> TestApp {
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
    kabinet_app::catalog::import_demo(&app.app).await.unwrap();
    app
}

fn errors(v: &Value) -> Vec<String> {
    v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

backend_test! {
    async fn draft_submit_list_and_isolation(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp).await;
        let u = register(&app, &smtp, "applicant@example.ru").await;
        let other = register(&app, &smtp, "other@example.ru").await;

        // The level a service needs.
        let res = u.post("/api/v1/applications", json!({ "service_id": "education-certificate" })).await;
        assert_eq!(res.status(), 403);
        assert!(res.json::<Value>().await.unwrap()["detail"].as_str().unwrap().contains("стандартная"));
        assert_eq!(u.post("/api/v1/applications", json!({ "service_id": "no-such" })).await.status(), 404);

        // Field errors per type; unknown fields refused; nothing created.
        let res = u.post("/api/v1/applications", json!({ "service_id": "appeal-question", "fields": { "question": "коротко", "topic": "weather", "colour": "red" } })).await;
        assert_eq!(res.status(), 422);
        let mut fields = errors(&res.json::<Value>().await.unwrap());
        fields.sort();
        assert_eq!(fields, ["colour", "question", "topic"]);
        assert_eq!(u.json("/api/v1/applications").await["total"], 0);

        let res = u.post("/api/v1/applications", json!({ "service_id": "appeal-question", "fields": { "question": "Когда будет готова справка?" } })).await;
        assert_eq!(res.status(), 201);
        let draft: Value = res.json().await.unwrap();
        let id = draft["id"].as_str().unwrap().to_owned();
        assert_eq!((draft["status"].as_str(), draft["number"].as_str()), (Some("draft"), None));
        // Submitting with a required field missing names it.
        let res = u.post(&format!("/api/v1/applications/{id}/submit"), json!({})).await;
        assert_eq!(res.status(), 422);
        assert_eq!(errors(&res.json::<Value>().await.unwrap()), ["topic"]);
        assert_eq!(u.patch(&format!("/api/v1/applications/{id}"), json!({ "fields": { "topic": "service" } })).await.status(), 200);
        let res = u.post(&format!("/api/v1/applications/{id}/submit"), json!({})).await;
        assert_eq!(res.status(), 200);
        let done: Value = res.json().await.unwrap();
        let number = done["number"].as_str().unwrap().to_owned();
        assert!(kabinet_domain::application::Number::parse(&number).is_some(), "{number}");
        assert_eq!(done["status"], "submitted");
        let today = app.app.clock.now().date();
        let due = kabinet_domain::profile::date(done["due_on"].as_str().unwrap()).unwrap();
        let calendar = {
            let mut conn = app.app.store.pool().acquire().await.unwrap();
            kabinet_app::catalog::calendar(&mut conn).await.unwrap()
        };
        assert_eq!(due, calendar.add_working_days(today, 5), "5 working days");
        assert_eq!(u.post(&format!("/api/v1/applications/{id}/submit"), json!({})).await.status(), 409);
        assert_eq!(u.patch(&format!("/api/v1/applications/{id}"), json!({ "fields": { "topic": "other" } })).await.status(), 409);

        let detail = u.json(&format!("/api/v1/applications/{id}")).await;
        let history: Vec<&str> = detail["history"].as_array().unwrap().iter().map(|h| h["status"].as_str().unwrap()).collect();
        assert_eq!(history, ["draft", "submitted"]);
        assert_eq!(detail["fields"]["question"], "Когда будет готова справка?");

        // A second one left as a draft; filters.
        u.post("/api/v1/applications", json!({ "service_id": "appeal-complaint" })).await;
        assert_eq!(u.json("/api/v1/applications").await["total"], 2);
        assert_eq!(u.json("/api/v1/applications?status=submitted").await["total"], 1);
        assert_eq!(u.json("/api/v1/applications?drafts=true").await["items"][0]["service_id"], "appeal-complaint");
        assert_eq!(u.json(&format!("/api/v1/applications?number={}", number.replace('-', ""))).await["total"], 1);
        assert_eq!(u.json("/api/v1/applications?service_id=appeal-question").await["total"], 1);
        assert_eq!(u.json(&format!("/api/v1/applications?from={today}&to={today}")).await["total"], 2);
        assert_eq!(u.json("/api/v1/applications?from=2000-01-01&to=2000-12-31").await["total"], 0);
        assert_eq!(u.get("/api/v1/applications?status=lost").await.status(), 422);
        assert_eq!(u.get("/api/v1/applications?from=вчера").await.status(), 422);
        assert_eq!(u.json("/api/v1/applications?per_page=1&page=2").await["items"].as_array().unwrap().len(), 1);

        // Another person sees nothing of it.
        assert_eq!(other.get(&format!("/api/v1/applications/{id}")).await.status(), 404);
        assert_eq!(other.post(&format!("/api/v1/applications/{id}/comments"), json!({ "text": "чужое" })).await.status(), 404);
        assert_eq!(other.post(&format!("/api/v1/applications/{id}/withdraw"), json!({})).await.status(), 404);
        assert_eq!(other.upload(&format!("/api/v1/applications/{id}/attachments"), "", "a.pdf", PDF.to_vec()).await.status(), 404);
        assert_eq!(other.json("/api/v1/applications").await["total"], 0);
        assert_eq!(client().get(app.url("/api/v1/applications")).send().await.unwrap().status(), 401);

        // Withdraw until a decision.
        assert_eq!(u.post(&format!("/api/v1/applications/{id}/withdraw"), json!({ "reason": "передумал" })).await.status(), 200);
        assert_eq!(u.post(&format!("/api/v1/applications/{id}/withdraw"), json!({})).await.status(), 409);
        assert_eq!(u.json(&format!("/api/v1/applications/{id}")).await["status"], "withdrawn");
        app.stop().await;
    }
}

async fn standard(app: &TestApp, u: &User) {
    let res = u.patch("/api/v1/me", json!({
        "last_name": "Иванова", "first_name": "Мария", "birth_date": "01.02.1990", "snils": "112-233-445 95",
        "passport": { "series": "45 06", "number": "654321", "issued_on": "15.03.2010", "issuer_code": "770-001" }
    })).await;
    assert_eq!(res.status(), 200);
    assert_eq!(u.json("/api/v1/me").await["level"], "standard");
    let _ = app;
}

backend_test! {
    async fn staff_process_with_clarification_and_result(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp).await;
        let u = register(&app, &smtp, "family@example.ru").await;
        standard(&app, &u).await;
        let op = staff(&app, "op@kabinet.ru", "operator").await;
        let auditor = staff(&app, "aud@kabinet.ru", "auditor").await;

        // Prefilled from the profile.
        let res = u.post("/api/v1/applications", json!({ "service_id": "education-certificate" })).await;
        let draft: Value = res.json().await.unwrap();
        assert_eq!(draft["fields"]["student_full_name"], "Иванова Мария");
        assert_eq!(draft["fields"]["student_birth_date"], "1990-02-01");
        let id = draft["id"].as_str().unwrap().to_owned();
        assert_eq!(u.patch(&format!("/api/v1/applications/{id}"), json!({ "fields": { "group": "ИС-21", "purpose": "social", "copies": "2" } })).await.status(), 200);
        assert_eq!(u.post(&format!("/api/v1/applications/{id}/submit"), json!({})).await.status(), 200);

        async fn mv(who: &User, id: &str, to: &str, reason: &str) -> u16 {
            who.post(&format!("/api/v1/staff/applications/{id}/transition"), json!({ "to": to, "reason": reason })).await.status().as_u16()
        }
        assert_eq!(mv(&u, &id, "in_progress", "").await, 403, "applicants do not use staff calls");
        assert_eq!(mv(&auditor, &id, "in_progress", "").await, 403, "auditors read only");
        assert_eq!(mv(&op, &id, "approved", "").await, 409, "not from submitted");
        assert_eq!(mv(&op, &id, "dreaming", "").await, 422);
        assert_eq!(mv(&op, &id, "in_progress", "").await, 200);
        assert_eq!(mv(&op, &id, "needs_clarification", " ").await, 422, "a reason is required");
        assert_eq!(mv(&op, &id, "needs_clarification", "Укажите класс полностью").await, 200);
        assert_eq!(u.json(&format!("/api/v1/applications/{id}")).await["status"], "needs_clarification");

        // The answer returns it to work by itself.
        assert_eq!(u.post(&format!("/api/v1/applications/{id}/comments"), json!({ "text": "9 «Б» класс" })).await.status(), 201);
        let d = u.json(&format!("/api/v1/applications/{id}")).await;
        assert_eq!(d["status"], "in_progress");
        let last = d["history"].as_array().unwrap().last().unwrap().clone();
        assert_eq!((last["actor"].as_str(), last["status"].as_str()), (Some("system"), Some("in_progress")));
        let clar = d["history"].as_array().unwrap().iter().find(|h| h["status"] == "needs_clarification").unwrap().clone();
        assert_eq!(clar["reason"], "Укажите класс полностью");

        // Internal notes stay internal; public comments are seen.
        op.post(&format!("/api/v1/staff/applications/{id}/comments"), json!({ "text": "проверить в журнале", "internal": true })).await;
        op.post(&format!("/api/v1/staff/applications/{id}/comments"), json!({ "text": "Справка готовится" })).await;
        let d = u.json(&format!("/api/v1/applications/{id}")).await;
        let texts: Vec<&str> = d["comments"].as_array().unwrap().iter().map(|c| c["text"].as_str().unwrap()).collect();
        assert_eq!(texts, ["9 «Б» класс", "Справка готовится"]);
        let staff_view = op.json(&format!("/api/v1/staff/applications/{id}")).await;
        assert_eq!(staff_view["comments"].as_array().unwrap().len(), 3);
        assert_eq!(u.get(&format!("/api/v1/staff/applications/{id}")).await.status(), 403);

        assert_eq!(mv(&op, &id, "approved", "").await, 200);
        assert_eq!(mv(&op, &id, "completed", "").await, 409, "no result yet");
        assert_eq!(op.upload(&format!("/api/v1/staff/applications/{id}/result"), "", "result.exe", b"MZ\x90\x00".to_vec()).await.status(), 415);
        assert_eq!(op.upload(&format!("/api/v1/staff/applications/{id}/result"), "", "Справка.pdf", PDF.to_vec()).await.status(), 201);
        assert_eq!(mv(&op, &id, "completed", "").await, 200);
        assert_eq!(u.post(&format!("/api/v1/applications/{id}/withdraw"), json!({})).await.status(), 409, "decided");

        // The applicant downloads the result: an attachment, never sniffed.
        let d = u.json(&format!("/api/v1/applications/{id}")).await;
        let result = d["files"].as_array().unwrap().iter().find(|f| f["kind"] == "result").unwrap().clone();
        let res = u.get(&format!("/api/v1/applications/{id}/files/{}", result["id"].as_str().unwrap())).await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["x-content-type-options"], "nosniff");
        assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("attachment;"));
        assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);
        let statuses: Vec<String> = d["history"].as_array().unwrap().iter().map(|h| h["status"].as_str().unwrap().to_owned()).collect();
        assert_eq!(statuses, ["draft", "submitted", "in_progress", "needs_clarification", "in_progress", "approved", "completed"]);
        // The applicant was told about each move.
        let told = wait_for(WAIT, "one notice per move (5)", || async {
            let told = smtp.messages().iter().filter(|m| m.body_text().contains("Заявление №")).count();
            (told >= 5).then_some(told)
        })
        .await;
        assert!(told >= 5, "one notice per move: {told}");
        app.stop().await;
    }
}

/// Sends a 6 MB upload by hand but stops writing after 5.5 MB, then reads the answer:
/// the server must have answered `413` without waiting for the rest of the body.
async fn early_413(app: &TestApp, email: &str, path: &str) -> String {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let plain = reqwest::Client::new();
    let res = plain
        .post(app.url("/api/v1/session"))
        .json(&json!({ "login": email, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    let cookie = res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let session: Value = plain
        .get(app.url("/api/v1/session"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let csrf = session["csrf_token"].as_str().unwrap().to_owned();
    let boundary = "kabinetboundary";
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nbirth_certificate\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7\n"
    );
    let total = head.len() + 6 * 1024 * 1024 + boundary.len() + 8;
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nCookie: {cookie}\r\nX-CSRF-Token: {csrf}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {total}\r\n\r\n{head}",
        app.addr
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let chunk = vec![b' '; 64 * 1024];
    for _ in 0..88 {
        if stream.write_all(&chunk).await.is_err() {
            break; // the server stopped reading: that is the point
        }
    }
    let mut reader = tokio::io::BufReader::new(stream);
    let mut status = String::new();
    tokio::time::timeout(StdDuration::from_secs(10), reader.read_line(&mut status))
        .await
        .expect("an answer before the body ends")
        .unwrap();
    status.trim().to_owned()
}

backend_test! {
    async fn uploads_are_judged_by_content_and_size(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp).await;
        let u = register(&app, &smtp, "uploads@example.ru").await;
        standard(&app, &u).await;
        let res = u.post("/api/v1/applications", json!({ "service_id": "education-enrolment", "fields": {
            "child_full_name": "Иванов Пётр", "child_birth_date": "01.09.2014", "child_snils": "112-233-445 95",
            "programme": "chess", "parent_phone": "8 999 123-45-67" } })).await;
        assert_eq!(res.status(), 201);
        let id = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/applications/{id}/attachments");

        // A required document is missing.
        let res = u.post(&format!("/api/v1/applications/{id}/submit"), json!({})).await;
        assert_eq!(errors(&res.json::<Value>().await.unwrap()), ["document_birth_certificate"]);
        // An executable named .pdf: 415. A 6 MB PDF: 413. An unknown kind: 422.
        assert_eq!(u.upload(&path, "birth_certificate", "scan.pdf", b"MZ\x90\x00\x03".to_vec()).await.status(), 415);
        assert_eq!(early_413(&app, "uploads@example.ru", &path).await, "HTTP/1.1 413 Payload Too Large", "413 before the rest is sent");
        assert_eq!(u.upload(&path, "diploma", "a.pdf", PDF.to_vec()).await.status(), 422);
        // A real PDF with a path-like name: stored under its id, the name harmless.
        let res = u.upload(&path, "birth_certificate", "../../etc/passwd.pdf", PDF.to_vec()).await;
        assert_eq!(res.status(), 201);
        let file = res.json::<Value>().await.unwrap();
        assert_eq!(file["content_type"], "application/pdf");
        let file_id = file["id"].as_str().unwrap().to_owned();
        assert!(app.data_dir().join("files").join(&file_id).exists());
        assert!(!app.data_dir().join("etc").exists());
        let d = u.json(&format!("/api/v1/applications/{id}")).await;
        assert_eq!(d["files"][0]["file_name"], "....etcpasswd.pdf");
        let res = u.get(&format!("/api/v1/applications/{id}/files/{file_id}")).await;
        assert!(res.headers()["content-disposition"].to_str().unwrap().contains("filename=\"....etcpasswd.pdf\""));
        assert_eq!(u.post(&format!("/api/v1/applications/{id}/submit"), json!({})).await.status(), 200);
        // After submission, no more attachments (until a clarification).
        assert_eq!(u.upload(&path, "birth_certificate", "b.pdf", PDF.to_vec()).await.status(), 409);
        app.stop().await;
    }
}

backend_test! {
    async fn an_application_keeps_the_version_it_was_filed_under(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp).await;
        let u = register(&app, &smtp, "versions@example.ru").await;
        let res = u.post("/api/v1/applications", json!({ "service_id": "appeal-question", "fields": { "topic": "service", "question": "Вопрос о сроках услуги" } })).await;
        let id = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
        // A new version of the definition: another title and the question field renamed.
        let source = kabinet_app::catalog::DEMO.iter().find(|(n, _)| *n == "appeal-question.toml").unwrap().1
            .replace("title = \"Вопрос оператору\"", "title = \"Вопрос в поддержку\"")
            .replace("name = \"question\"", "name = \"text\"");
        let done = kabinet_app::catalog::import_sources(&app.app, &Ctx::cli(), &[("appeal-question.toml".into(), source)]).await.unwrap();
        assert_eq!(done.new_versions, 1);
        assert_eq!(u.json("/api/v1/services/appeal-question").await["version"], 2);
        let d = u.json(&format!("/api/v1/applications/{id}")).await;
        assert_eq!((d["service_version"].as_i64(), d["service_title"].as_str()), (Some(1), Some("Вопрос оператору")));
        assert_eq!(u.post(&format!("/api/v1/applications/{id}/submit"), json!({})).await.status(), 200, "checked against version 1");
        let res = u.post("/api/v1/applications", json!({ "service_id": "appeal-question" })).await;
        assert_eq!(res.json::<Value>().await.unwrap()["service_version"], 2, "new drafts use the current version");
        app.stop().await;
    }
}

backend_test! {
    async fn live_status_reaches_an_open_stream(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp).await;
        let u = register(&app, &smtp, "live@example.ru").await;
        let op = staff(&app, "live-op@kabinet.ru", "operator").await;
        let res = u.post("/api/v1/applications", json!({ "service_id": "appeal-question", "fields": { "topic": "service", "question": "Вопрос о сроках услуги" } })).await;
        let id = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
        u.post(&format!("/api/v1/applications/{id}/submit"), json!({})).await;

        let mut stream = u.get("/api/v1/applications/events").await;
        assert_eq!(stream.status(), 200);
        assert!(stream.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
        // A move made by staff through the API (any process on the same database).
        let res = op.post(&format!("/api/v1/staff/applications/{id}/transition"), json!({ "to": "in_progress" })).await;
        assert_eq!(res.status(), 200);
        let mut seen = String::new();
        let deadline = tokio::time::Instant::now() + StdDuration::from_secs(10);
        while !seen.contains("in_progress") {
            let chunk = tokio::time::timeout_at(deadline, stream.chunk()).await.expect("an event within 10 s").unwrap().expect("the stream stays open");
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
        assert!(seen.contains("event: application"), "{seen}");
        assert!(seen.contains(&format!("\"id\":\"{id}\"")), "{seen}");
        // Someone else's stream does not hear of it.
        assert_eq!(client().get(app.url("/api/v1/applications/events")).send().await.unwrap().status(), 401);
        app.stop().await;
    }
}
