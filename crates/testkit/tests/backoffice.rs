//! The back office on both backends: the access matrix over every staff and applicant
//! route, the assignment race, the queue with its filters and deadlines, the overview,
//! overdue notices raised once, staff administration and blocking, the audit log for
//! auditors (search, CSV, read-only, staff views recorded) and the staff pages.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use kabinet_testkit::people::{User, register_user, staff_user};
use kabinet_testkit::{MailServer, TestApp, TestBackend, TestOptions, backend_test};
use serde_json::{Value, json};

async fn spawn(backend: TestBackend, smtp: &MailServer, manual_clock: bool) -> TestApp {
    let app = TestApp::spawn_with(
        backend,
        TestOptions {
            worker: true,
            manual_clock,
            env: vec![
                ("KABINET_SMTP_URL".into(), smtp.url()),
                // Sessions outlive the days the clock is moved on by.
                ("KABINET_SESSION_IDLE_MINUTES".into(), "1440".into()),
                ("KABINET_SESSION_ABSOLUTE_HOURS".into(), "720".into()),
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

/// Files an appeal (a service for any level) and returns its id.
async fn filed(u: &User, question: &str) -> String {
    let res = u
        .post(
            "/api/v1/applications",
            json!({ "service_id": "appeal-question", "fields": { "topic": "service", "question": question } }),
        )
        .await;
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        u.post(&format!("/api/v1/applications/{id}/submit"), json!({}))
            .await
            .status(),
        200
    );
    id
}

async fn status(res: reqwest::Response) -> u16 {
    res.status().as_u16()
}

backend_test! {
    async fn access_matrix_over_every_route(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp, false).await;
        let applicant = register_user(&app, &smtp, "citizen@example.ru").await;
        let id = filed(&applicant, "Когда будет готова справка о доходах?").await;
        let op = staff_user(&app, "op@kabinet.ru", "operator").await;
        let sup = staff_user(&app, "sup@kabinet.ru", "supervisor").await;
        let aud = staff_user(&app, "aud@kabinet.ru", "auditor").await;
        let adm = staff_user(&app, "adm@kabinet.ru", "admin").await;
        let people = [("applicant", &applicant), ("operator", &op), ("supervisor", &sup), ("auditor", &aud), ("admin", &adm)];

        // (method, path, body, who may) — "may" means anything but 401/403.
        let routes: Vec<(&str, String, Value, &[&str])> = vec![
            ("GET", "/api/v1/staff/applications".into(), Value::Null, &["operator", "supervisor"]),
            ("GET", format!("/api/v1/staff/applications/{id}"), Value::Null, &["operator", "supervisor"]),
            ("POST", format!("/api/v1/staff/applications/{id}/comments"), json!({ "text": "Проверяю", "internal": true }), &["operator", "supervisor"]),
            ("POST", format!("/api/v1/staff/applications/{id}/assign"), json!({ "assignee": "nobody-with-this-id" }), &["supervisor"]),
            ("GET", "/api/v1/staff/overview".into(), Value::Null, &["supervisor", "admin"]),
            ("GET", "/api/v1/staff/accounts".into(), Value::Null, &["admin"]),
            ("POST", "/api/v1/staff/accounts".into(), json!({ "email": "не почта", "role": "operator" }), &["admin"]),
            ("GET", "/api/v1/staff/audit".into(), Value::Null, &["auditor", "admin"]),
            ("GET", "/api/v1/staff/identity-requests".into(), Value::Null, &["operator", "supervisor", "admin"]),
            ("GET", "/api/v1/staff/change-requests".into(), Value::Null, &["operator", "supervisor", "admin"]),
            ("GET", "/api/v1/staff/support/tickets".into(), Value::Null, &["operator", "supervisor"]),
            ("GET", "/api/v1/support/tickets".into(), Value::Null, &["applicant", "operator", "supervisor", "auditor", "admin"]),
            ("GET", "/staff/support".into(), Value::Null, &["operator", "supervisor"]),
            ("GET", "/staff/identity-requests".into(), Value::Null, &["operator", "supervisor", "admin"]),
            ("GET", "/staff/change-requests".into(), Value::Null, &["operator", "supervisor", "admin"]),
            ("GET", "/support".into(), Value::Null, &["applicant", "operator", "supervisor", "auditor", "admin"]),
            ("GET", "/api/v1/applications".into(), Value::Null, &["applicant"]),
            ("GET", format!("/api/v1/applications/{id}"), Value::Null, &["applicant"]),
            ("GET", "/staff".into(), Value::Null, &["operator", "supervisor", "auditor", "admin"]),
            ("GET", "/staff/applications".into(), Value::Null, &["operator", "supervisor"]),
            ("GET", format!("/staff/applications/{id}"), Value::Null, &["operator", "supervisor"]),
            ("GET", "/staff/overview".into(), Value::Null, &["supervisor", "admin"]),
            ("GET", "/staff/accounts".into(), Value::Null, &["admin"]),
            ("GET", "/staff/audit".into(), Value::Null, &["auditor", "admin"]),
            ("GET", "/staff/audit.csv".into(), Value::Null, &["auditor", "admin"]),
        ];
        for (method, path, body, allowed) in &routes {
            for (name, who) in people {
                let code = if *method == "GET" { status(who.get(path).await).await } else { status(who.post(path, body.clone()).await).await };
                let denied = code == 403 || code == 401;
                assert_eq!(!denied, allowed.contains(&name), "{method} {path} as {name}: {code}");
            }
        }
        // Not signed in: the API says 401, the pages send to sign-in.
        let anon = kabinet_testkit::people::client();
        assert_eq!(anon.get(app.url("/api/v1/staff/applications")).send().await.unwrap().status(), 401);
        let res = anon.get(app.url("/staff")).send().await.unwrap();
        assert_eq!(res.status(), 303);
    }
}

backend_test! {
    async fn two_operators_take_the_same_application_at_once(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp, false).await;
        let applicant = register_user(&app, &smtp, "citizen@example.ru").await;
        let a = staff_user(&app, "a@kabinet.ru", "operator").await;
        let b = staff_user(&app, "b@kabinet.ru", "operator").await;
        for round in 0..5 {
            let id = filed(&applicant, &format!("Вопрос номер {round} о сроках услуги")).await;
            let path = format!("/api/v1/staff/applications/{id}/assign");
            let (ra, rb) = tokio::join!(a.post(&path, json!({ "assignee": "me" })), b.post(&path, json!({ "assignee": "me" })));
            let (ca, cb) = (ra.status().as_u16(), rb.status().as_u16());
            let mut codes = [ca, cb];
            codes.sort_unstable();
            assert_eq!(codes, [200, 409], "round {round}: exactly one wins");
            let loser = if ca == 409 { ra } else { rb };
            let problem: Value = loser.json().await.unwrap();
            assert!(problem["detail"].as_str().unwrap().contains("другой сотрудник"), "{problem}");
            // Taking it started it: the winner's, in work. The loser cannot move it; the
            // winner can.
            let (winner, other) = if ca == 200 { (&a, &b) } else { (&b, &a) };
            let got = winner.json(&format!("/api/v1/staff/applications/{id}")).await;
            assert_eq!(got["status"], "in_progress", "{got}");
            let path = format!("/api/v1/staff/applications/{id}/transition");
            let body = json!({ "to": "needs_clarification", "reason": "Приложите копию паспорта" });
            assert_eq!(other.post(&path, body.clone()).await.status(), 409);
            assert_eq!(winner.post(&path, body).await.status(), 200);
            let mine = winner.json("/api/v1/staff/applications?assignee=me").await;
            assert!(mine["items"].as_array().unwrap().iter().any(|i| i["id"] == id.as_str()));
        }
    }
}

backend_test! {
    async fn queue_deadlines_overview_and_overdue_notices(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp, true).await;
        let clock = app.clock.clone().unwrap();
        let applicant = register_user(&app, &smtp, "citizen@example.ru").await;
        let op = staff_user(&app, "op@kabinet.ru", "operator").await;
        let sup = staff_user(&app, "sup@kabinet.ru", "supervisor").await;
        let first = filed(&applicant, "Первый вопрос о сроках услуги").await;
        let second = filed(&applicant, "Второй вопрос о сроках услуги").await;

        let q = op.json("/api/v1/staff/applications").await;
        assert_eq!(q["total"], 2);
        assert!(q["items"].as_array().unwrap().iter().all(|i| i["urgency"] == "on_time" && i["assignee"].is_null()));
        assert_eq!(op.get("/api/v1/staff/applications?status=dreaming").await.status(), 422);
        assert_eq!(op.post(&format!("/api/v1/staff/applications/{first}/assign"), json!({ "assignee": "me" })).await.status(), 200);
        assert_eq!(op.json("/api/v1/staff/applications?assignee=me").await["total"], 1);
        assert_eq!(op.json("/api/v1/staff/applications?assignee=none").await["items"][0]["id"], second.as_str());
        // Operators cannot reassign; supervisors can, to active operators only.
        let op_id = op.json("/api/v1/session").await["account_id"].as_str().unwrap().to_owned();
        let sup_id = sup.json("/api/v1/session").await["account_id"].as_str().unwrap().to_owned();
        assert_eq!(op.post(&format!("/api/v1/staff/applications/{second}/assign"), json!({ "assignee": sup_id })).await.status(), 403);
        assert_eq!(sup.post(&format!("/api/v1/staff/applications/{second}/assign"), json!({ "assignee": "nobody" })).await.status(), 422);
        assert_eq!(sup.post(&format!("/api/v1/staff/applications/{second}/assign"), json!({ "assignee": op_id })).await.status(), 200);
        assert_eq!(op.json("/api/v1/staff/applications?assignee=me").await["total"], 2);

        // Time passes: both are overdue; supervisors are told once.
        for _ in 0..12 {
            clock.advance(time::Duration::hours(20));
            assert_eq!(op.get("/api/v1/session").await.status(), 200);
            assert_eq!(sup.get("/api/v1/session").await.status(), 200);
        }
        let q = op.json("/api/v1/staff/applications?overdue=true").await;
        assert_eq!(q["total"], 2);
        assert!(q["items"].as_array().unwrap().iter().all(|i| i["urgency"] == "overdue"));
        assert_eq!(kabinet_app::backoffice::raise_overdue(&app.app).await.unwrap(), 2);
        assert_eq!(kabinet_app::backoffice::raise_overdue(&app.app).await.unwrap(), 0, "once");
        let overview = sup.json("/api/v1/staff/overview").await;
        assert_eq!(overview["per_day"].as_array().unwrap().len(), 30);
        let by_operator = overview["by_operator"].as_array().unwrap();
        assert_eq!(by_operator[0]["key"], "op@kabinet.ru");
        assert_eq!(by_operator[0]["overdue"], 2);
        let count_of = |status: &str| {
            overview["by_status"].as_array().unwrap().iter()
                .find(|c| c["key"] == status).map_or(0, |c| c["count"].as_i64().unwrap())
        };
        // One was taken into work (assigned and started in one step), one waits.
        assert_eq!((count_of("submitted"), count_of("in_progress")), (1, 1), "{overview}");
        assert_eq!(op.get("/api/v1/staff/overview").await.status(), 403);
        let entries = kabinet_store::audit::latest(&app.app.store, 200).await.unwrap();
        assert_eq!(entries.iter().filter(|e| e.action == "application.overdue").count(), 2);

        // The supervisor's page: an SVG chart with a text alternative and the table.
        let page = sup.get("/staff/overview").await.text().await.unwrap();
        assert!(page.contains("<svg role=\"img\""));
        assert!(page.contains("Сплошные столбцы"));
        let queue = op.get("/staff/applications?overdue=true").await.text().await.unwrap();
        assert!(queue.contains("row-overdue") && queue.contains("Просрочено"));
    }
}

backend_test! {
    async fn administrators_manage_staff_and_block_accounts(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp, false).await;
        let applicant = register_user(&app, &smtp, "citizen@example.ru").await;
        let adm = staff_user(&app, "adm@kabinet.ru", "admin").await;

        let res = adm.post("/api/v1/staff/accounts", json!({ "email": "new@kabinet.ru", "role": "wizard" })).await;
        assert_eq!(res.status(), 422);
        let res = adm.post("/api/v1/staff/accounts", json!({ "email": "new@kabinet.ru", "role": "operator" })).await;
        assert_eq!(res.status(), 201);
        let made: Value = res.json().await.unwrap();
        let new_id = made["id"].as_str().unwrap().to_owned();
        assert!(made["one_time_password"].as_str().unwrap().len() >= 20);
        assert_eq!(adm.post("/api/v1/staff/accounts", json!({ "email": "new@kabinet.ru", "role": "operator" })).await.status(), 409);
        let list = adm.json("/api/v1/staff/accounts").await;
        assert!(list["items"].as_array().unwrap().iter().any(|i| i["email"] == "new@kabinet.ru" && i["role"] == "operator"));
        assert_eq!(adm.post(&format!("/api/v1/staff/accounts/{new_id}/role"), json!({ "role": "supervisor" })).await.status(), 200);
        let adm_id = adm.json("/api/v1/session").await["account_id"].as_str().unwrap().to_owned();
        assert_eq!(adm.post(&format!("/api/v1/staff/accounts/{adm_id}/role"), json!({ "role": "operator" })).await.status(), 409, "not one's own");

        // Blocking needs a reason and ends the person's sessions at once.
        let who = applicant.json("/api/v1/session").await;
        let applicant_id = who["account_id"].as_str().unwrap().to_owned();
        assert_eq!(adm.post(&format!("/api/v1/staff/accounts/{applicant_id}/block"), json!({ "reason": " " })).await.status(), 422);
        assert_eq!(applicant.get("/api/v1/session").await.status(), 200, "nothing half-done");
        assert_eq!(adm.post(&format!("/api/v1/staff/accounts/{applicant_id}/block"), json!({ "reason": "Заявление о компрометации" })).await.status(), 200);
        assert_eq!(applicant.get("/api/v1/session").await.status(), 401);
        let res = kabinet_testkit::people::client()
            .post(app.url("/api/v1/session"))
            .json(&json!({ "login": "citizen@example.ru", "password": kabinet_testkit::people::PASSWORD }))
            .send().await.unwrap();
        assert_ne!(res.status(), 200, "a blocked account cannot sign in");
        assert_eq!(adm.post(&format!("/api/v1/staff/accounts/{applicant_id}/unblock"), json!({})).await.status(), 200);
        assert_eq!(adm.post(&format!("/api/v1/staff/accounts/{applicant_id}/unblock"), json!({})).await.status(), 409);
        let res = kabinet_testkit::people::client()
            .post(app.url("/api/v1/session"))
            .json(&json!({ "login": "citizen@example.ru", "password": kabinet_testkit::people::PASSWORD }))
            .send().await.unwrap();
        assert_eq!(res.status(), 200);
        let entries = kabinet_store::audit::latest(&app.app.store, 200).await.unwrap();
        for action in ["staff.created", "staff.role_changed", "account.blocked", "account.unblocked"] {
            assert!(entries.iter().any(|e| e.action == action && e.actor == format!("account:{adm_id}")), "{action}");
        }
    }
}

backend_test! {
    async fn auditors_search_and_export_and_staff_views_are_recorded(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp, false).await;
        let applicant = register_user(&app, &smtp, "citizen@example.ru").await;
        let id = filed(&applicant, "Вопрос, с запятой и \"кавычками\"").await;
        let op = staff_user(&app, "op@kabinet.ru", "operator").await;
        let aud = staff_user(&app, "aud@kabinet.ru", "auditor").await;
        let op_id = op.json("/api/v1/session").await["account_id"].as_str().unwrap().to_owned();

        // An operator reads the application: that is itself an audit entry.
        op.json(&format!("/api/v1/staff/applications/{id}")).await;
        let found = aud.json(&format!("/api/v1/staff/audit?actor=account:{op_id}&action=application.viewed")).await;
        let items = found["items"].as_array().unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["object"], format!("application:{id}"));
        // Families and kinds.
        let by_kind = aud.json("/api/v1/staff/audit?object=application:&action=application.").await;
        assert!(by_kind["items"].as_array().unwrap().len() >= 3, "{by_kind}");
        assert!(by_kind["items"].as_array().unwrap().iter().all(|i| i["object"].as_str().unwrap().starts_with("application:")));
        // Paging.
        let page = aud.json("/api/v1/staff/audit?limit=2").await;
        let before = page["next_before"].as_i64().unwrap();
        let next = aud.json(&format!("/api/v1/staff/audit?limit=2&before={before}")).await;
        assert!(next["items"][0]["seq"].as_i64().unwrap() < before);
        // Dates are checked.
        let res = aud.get("/api/v1/staff/audit?from=31.02.2026").await;
        assert_eq!(res.status(), 422);
        // CSV.
        let res = aud.get("/api/v1/staff/audit?format=csv&object=application:").await;
        assert_eq!(res.status(), 200);
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
        let csv = res.text().await.unwrap();
        assert!(csv.starts_with("seq,at,actor,action,object,source,request_id,details,hash\r\n"));
        assert!(csv.contains("application.viewed"));
        // Read-only: no route changes the log; the search itself is logged.
        let entries = kabinet_store::audit::latest(&app.app.store, 50).await.unwrap();
        assert!(entries.iter().any(|e| e.action == "audit.searched"));
        let page = aud.get("/staff/audit?action=application.viewed").await.text().await.unwrap();
        assert!(page.contains("application.viewed"));
        assert!(kabinet_store::audit::verify(&app.app.store).await.unwrap().first_break.is_none());
    }
}

backend_test! {
    async fn the_whole_path_through_the_staff_pages(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp, false).await;
        let applicant = register_user(&app, &smtp, "citizen@example.ru").await;
        let id = filed(&applicant, "Прошу разъяснить порядок получения справки").await;
        let op = staff_user(&app, "op@kabinet.ru", "operator").await;
        let form = |pairs: &[(&str, &str)]| {
            let mut v: Vec<(String, String)> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
            v.push(("csrf_token".into(), op.csrf.clone()));
            v
        };
        let post = |path: String, body: Vec<(String, String)>| {
            let c = op.c.clone();
            let url = app.url(&path);
            async move { c.post(url).form(&body).send().await.unwrap() }
        };
        let queue = op.get("/staff/applications").await.text().await.unwrap();
        assert!(queue.contains(&format!("/staff/applications/{id}")));
        // «Взять в работу» moves a submitted one to «В работе».
        let res = post(format!("/staff/applications/{id}/assign"), form(&[("assignee", "me")])).await;
        assert_eq!(res.status(), 303);
        assert_eq!(applicant.json(&format!("/api/v1/applications/{id}")).await["status"], "in_progress");
        // A clarification needs a reason: the form says so and nothing changes.
        let res = post(format!("/staff/applications/{id}/transition"), form(&[("to", "needs_clarification"), ("reason", "")])).await;
        assert_eq!(res.status(), 422);
        assert!(res.text().await.unwrap().contains("Укажите причину"));
        assert_eq!(applicant.json(&format!("/api/v1/applications/{id}")).await["status"], "in_progress");
        let res = post(format!("/staff/applications/{id}/transition"), form(&[("to", "needs_clarification"), ("reason", "Уточните номер договора")])).await;
        assert_eq!(res.status(), 303);
        // An internal note stays internal.
        post(format!("/staff/applications/{id}/comment"), form(&[("text", "Проверить договор в архиве"), ("internal", "1")])).await;
        let seen = applicant.json(&format!("/api/v1/applications/{id}")).await;
        assert!(!seen.to_string().contains("архиве"));
        let page = op.get(&format!("/staff/applications/{id}")).await.text().await.unwrap();
        assert!(page.contains("Проверить договор в архиве") && page.contains("внутренняя заметка"));
        // Without the session's token nothing happens.
        let res = op.c.post(app.url(&format!("/staff/applications/{id}/transition"))).form(&[("to", "rejected"), ("reason", "x")]).send().await.unwrap();
        assert_eq!(res.status(), 403);
        assert_eq!(applicant.json(&format!("/api/v1/applications/{id}")).await["status"], "needs_clarification");

        post(format!("/staff/applications/{id}/comment"), form(&[("text", "Спасибо, договор получен")])).await;
        // The applicant answers with a document: back in work by itself.
        let pdf = b"%PDF-1.7\n% contract\n%%EOF\n".to_vec();
        let res = applicant.upload(&format!("/api/v1/applications/{id}/attachments"), "other", "Договор.pdf", pdf.clone()).await;
        assert_eq!(res.status(), 201);
        assert_eq!(applicant.json(&format!("/api/v1/applications/{id}")).await["status"], "in_progress");
        // Approve, attach the result and complete — all from the staff pages.
        let res = post(format!("/staff/applications/{id}/transition"), form(&[("to", "approved"), ("reason", "Договор найден")])).await;
        assert_eq!(res.status(), 303);
        let multipart = reqwest::multipart::Form::new()
            .text("csrf_token", op.csrf.clone())
            .part("file", reqwest::multipart::Part::bytes(pdf).file_name("Ответ.pdf"));
        let res = op.c.post(app.url(&format!("/staff/applications/{id}/result"))).multipart(multipart).send().await.unwrap();
        assert_eq!(res.status(), 303);
        let res = post(format!("/staff/applications/{id}/transition"), form(&[("to", "completed"), ("reason", "")])).await;
        assert_eq!(res.status(), 303);
        // The applicant downloads the result and sees every step.
        let d = applicant.json(&format!("/api/v1/applications/{id}")).await;
        assert_eq!(d["status"], "completed");
        let result = d["files"].as_array().unwrap().iter().find(|f| f["kind"] == "result").unwrap();
        let res = applicant.get(&format!("/api/v1/applications/{id}/files/{}", result["id"].as_str().unwrap())).await;
        assert_eq!(res.status(), 200);
        assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
        let statuses: Vec<&str> = d["history"].as_array().unwrap().iter().map(|h| h["status"].as_str().unwrap()).collect();
        assert_eq!(statuses, ["draft", "submitted", "in_progress", "needs_clarification", "in_progress", "approved", "completed"]);
        assert_eq!(d["files"].as_array().unwrap().len(), 2);
        let comments: Vec<&str> = d["comments"].as_array().unwrap().iter().map(|c| c["text"].as_str().unwrap()).collect();
        assert_eq!(comments, ["Спасибо, договор получен"], "public comments only");
        parts_in_step(&app.app.store, &id).await;
    }
}

/// The applicant's view kept in the application's row (ADR 0008) says what the tables
/// say — as written step by step, after a file's key is re-sealed, and as the migration
/// that made the column fills it from the tables.
async fn parts_in_step(store: &kabinet_store::Store, id: &str) {
    async fn same(conn: &mut kabinet_store::Conn, id: &str) -> kabinet_store::applications::Parts {
        let (_, kept) = kabinet_store::applications::get_with_parts(conn, id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            kept,
            kabinet_store::applications::parts(conn, id, false)
                .await
                .unwrap()
        );
        kept
    }
    let mut conn = store.pool().acquire().await.unwrap();
    let kept = same(&mut conn, id).await;
    assert!(
        !kept.0.is_empty() && !kept.1.is_empty() && !kept.2.is_empty(),
        "{kept:?}"
    );
    assert!(kept.1.iter().all(|c| !c.internal));
    for (file, _, _) in &kept.2 {
        let fresh = format!("v9:test:{}", file.id);
        kabinet_store::requests::set_data_key(&mut conn, &file.id, &fresh)
            .await
            .unwrap();
    }
    let kept = same(&mut conn, id).await;
    assert!(
        kept.2
            .iter()
            .all(|(f, _, _)| f.data_key.as_deref() == Some(format!("v9:test:{}", f.id).as_str()))
    );

    sqlx::query("UPDATE applications SET parts = '' WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await
        .unwrap();
    let migration = kabinet_store::migrate::embedded(store.dialect())
        .iter()
        .find(|m| m.version == 21)
        .unwrap();
    let (_, backfill) = migration.sql.split_once("DEFAULT '';").unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(backfill))
        .execute(&mut *conn)
        .await
        .unwrap();
    assert_eq!(same(&mut conn, id).await, kept);
}

const SCAN: &[u8] = b"%PDF-1.7\n% scan\n%%EOF\n";

async fn multipart(
    u: &User,
    path: &str,
    fields: &[(&str, &str)],
    file: (&str, &[u8]),
) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in fields {
        form = form.text((*k).to_owned(), (*v).to_owned());
    }
    form = form.part(
        file.0.to_owned(),
        reqwest::multipart::Part::bytes(file.1.to_vec()).file_name("скан.pdf"),
    );
    u.c.post(format!("{}{path}", u.base))
        .header("X-CSRF-Token", &u.csrf)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

backend_test! {
    async fn identity_and_change_queues_as_pages(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp, false).await;
        let applicant = register_user(&app, &smtp, "citizen@example.ru").await;
        let res = applicant.patch("/api/v1/me", json!({
            "last_name": "Иванова", "first_name": "Мария", "birth_date": "01.02.1990", "snils": "112-233-445 95",
            "passport": { "series": "45 06", "number": "654321", "issued_on": "15.03.2010", "issuer_code": "770-001" }
        })).await;
        assert_eq!(res.status(), 200);
        let res = multipart(&applicant, "/api/v1/me/identity-requests", &[("method", "video")], ("scan", SCAN)).await;
        assert_eq!(res.status(), 201);
        let rid = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
        let op = staff_user(&app, "op@kabinet.ru", "operator").await;
        let aud = staff_user(&app, "aud@kabinet.ru", "auditor").await;
        let form = |pairs: &[(&str, &str)]| {
            let mut v: Vec<(String, String)> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
            v.push(("csrf_token".into(), op.csrf.clone()));
            v
        };
        let post = |path: String, body: Vec<(String, String)>| {
            let c = op.c.clone();
            let url = app.url(&path);
            async move { c.post(url).form(&body).send().await.unwrap() }
        };

        let list = op.get("/staff/identity-requests").await.text().await.unwrap();
        assert!(list.contains(&format!("/staff/identity-requests/{rid}")), "{list}");
        let page = op.get(&format!("/staff/identity-requests/{rid}")).await.text().await.unwrap();
        assert!(page.contains("Иванова"), "{page}");
        assert!(page.contains("654321"), "{page}");
        assert!(page.contains("/api/v1/files/"), "{page}");
        assert_eq!(aud.get("/staff/identity-requests").await.status(), 403);
        assert_eq!(op.get("/staff/no-such-queue/1").await.status(), 404);
        // A refusal needs a reason; then the identity is confirmed from the page.
        let res = post(format!("/staff/identity-requests/{rid}/refuse"), form(&[("reason", " ")])).await;
        assert_eq!(res.status(), 422);
        let res = post(format!("/staff/identity-requests/{rid}/confirm"), form(&[("method", "video"), ("comment", "сверено по видеосвязи")])).await;
        assert_eq!(res.status(), 303);
        assert_eq!(applicant.json("/api/v1/me").await["level"], "confirmed");
        let again = op.get(&format!("/staff/identity-requests/{rid}")).await.text().await.unwrap();
        assert!(again.contains("Личность подтверждена") && !again.contains("/confirm\""));

        // A change of confirmed data: now and as it would become, then approved.
        let res = multipart(&applicant, "/api/v1/me/change-requests", &[("last_name", "Смирнова"), ("reason", "вступила в брак")], ("document", SCAN)).await;
        assert_eq!(res.status(), 201);
        let cid = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
        let page = op.get(&format!("/staff/change-requests/{cid}")).await.text().await.unwrap();
        assert!(page.contains("Смирнова") && page.contains("меняется") && page.contains("вступила в брак"));
        let res = post(format!("/staff/change-requests/{cid}/approve"), form(&[])).await;
        assert_eq!(res.status(), 303);
        assert_eq!(applicant.json("/api/v1/me").await["last_name"], "Смирнова");
        let res = post(format!("/staff/change-requests/{cid}/approve"), form(&[])).await;
        assert_eq!(res.status(), 409, "once");
        let entries = kabinet_store::audit::latest(&app.app.store, 100).await.unwrap();
        assert!(entries.iter().any(|e| e.action == "identity.request_viewed"));
        assert!(entries.iter().any(|e| e.action == "profile.change_request_viewed"));
    }
}

backend_test! {
    async fn clarification_reminders_three_days_before_and_when_overdue_once(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp, true).await;
        let clock = app.clock.clone().unwrap();
        let applicant = register_user(&app, &smtp, "citizen@example.ru").await;
        let id = filed(&applicant, "Вопрос о сроках услуги с уточнением").await;
        let op = staff_user(&app, "op@kabinet.ru", "operator").await;
        let mv = |to: &str, reason: &str| {
            let path = format!("/api/v1/staff/applications/{id}/transition");
            let body = json!({ "to": to, "reason": reason });
            let op = op.clone();
            async move { op.post(&path, body).await.status().as_u16() }
        };
        assert_eq!(mv("in_progress", "").await, 200);
        assert_eq!(mv("needs_clarification", "Приложите договор").await, 200);
        // 10 working days from Thursday 12 March 2026: 26 March; the page says so.
        let page = applicant.get(&format!("/applications/{id}")).await.text().await.unwrap();
        assert!(page.contains("Ответьте до 26.03.2026"), "{page}");
        let reminders = |kind: &'static str| {
            let app = &app;
            async move {
                let mut conn = app.app.store.acquire().await.unwrap();
                let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM notifications WHERE category = 'deadlines' AND title LIKE '{kind}%'"))).fetch_one(&mut *conn).await.unwrap();
                n
            }
        };
        assert_eq!(kabinet_app::applications::send_clarification_reminders(&app.app).await.unwrap(), 0, "not yet");
        // About eleven days later (sessions kept alive): three days before the due date.
        for _ in 0..14 {
            clock.advance(time::Duration::hours(20));
            applicant.get("/api/v1/session").await;
            op.get("/api/v1/session").await;
        }
        assert_eq!(kabinet_app::applications::send_clarification_reminders(&app.app).await.unwrap(), 1);
        assert_eq!(kabinet_app::applications::send_clarification_reminders(&app.app).await.unwrap(), 0, "once");
        assert_eq!(reminders("Осталось").await, 1);
        // Past the due date: the overdue reminder, once.
        for _ in 0..4 {
            clock.advance(time::Duration::hours(20));
            applicant.get("/api/v1/session").await;
            op.get("/api/v1/session").await;
        }
        assert_eq!(kabinet_app::applications::send_clarification_reminders(&app.app).await.unwrap(), 1);
        assert_eq!(kabinet_app::applications::send_clarification_reminders(&app.app).await.unwrap(), 0);
        assert_eq!(reminders("Срок ответа").await, 1);
        let n = applicant.json("/api/v1/notifications?category=deadlines").await;
        assert_eq!(n["items"][0]["link"], format!("/applications/{id}"));
        // Answering ends the schedule; a new request starts it afresh.
        assert_eq!(applicant.post(&format!("/api/v1/applications/{id}/comments"), json!({ "text": "Договор приложу завтра" })).await.status(), 201);
        assert_eq!(applicant.json(&format!("/api/v1/applications/{id}")).await["status"], "in_progress");
        assert_eq!(mv("needs_clarification", "Договор не приложен").await, 200);
        assert_eq!(kabinet_app::applications::send_clarification_reminders(&app.app).await.unwrap(), 0, "a new due date, nothing due yet");
    }
}
