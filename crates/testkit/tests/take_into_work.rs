//! «Взять в работу» is one use case for the page and the API (issue 16): after the
//! API's `assign` with `me` the application is in work, so a clarification request
//! follows directly; both audit entries and the applicant's notice are there.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use kabinet_testkit::people::{User, register_user, staff_user};
use kabinet_testkit::{MailServer, TestApp, TestBackend, TestOptions, backend_test};
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
            ],
            ..TestOptions::default()
        },
    )
    .await;
    kabinet_app::catalog::import_demo(&app.app).await.unwrap();
    app
}

async fn filed(u: &User) -> String {
    let res = u
        .post(
            "/api/v1/applications",
            json!({ "service_id": "appeal-question", "fields": { "topic": "service", "question": "Когда будет готова справка?" } }),
        )
        .await;
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = u
        .post(&format!("/api/v1/applications/{id}/submit"), json!({}))
        .await;
    assert_eq!(res.status(), 200);
    id
}

backend_test! {
    async fn assign_through_the_api_takes_into_work(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp).await;
        let applicant = register_user(&app, &smtp, "citizen@example.ru").await;
        let op = staff_user(&app, "op@kabinet.ru", "operator").await;
        let other = staff_user(&app, "other@kabinet.ru", "operator").await;
        let id = filed(&applicant).await;
        let assign = format!("/api/v1/staff/applications/{id}/assign");

        let res = op.post(&assign, json!({ "assignee": "me" })).await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
        assert_eq!(applicant.json(&format!("/api/v1/applications/{id}")).await["status"], "in_progress");
        // The clarification request follows directly (it was 409 while «assign» only assigned).
        let res = op
            .post(
                &format!("/api/v1/staff/applications/{id}/transition"),
                json!({ "to": "needs_clarification", "reason": "Уточните номер договора" }),
            )
            .await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());

        // Both audit entries, in order; the applicant was told of the start of work.
        let entries = kabinet_store::audit::latest(&app.app.store, 200).await.unwrap();
        let object = format!("application:{id}");
        let actions: Vec<&str> = entries
            .iter()
            .filter(|e| e.object == object && e.action != "application.viewed")
            .map(|e| e.action.as_str())
            .collect();
        assert!(actions.contains(&"application.taken"), "{actions:?}");
        assert!(actions.contains(&"application.moved"), "{actions:?}");
        let history = applicant.json(&format!("/api/v1/applications/{id}")).await;
        let statuses: Vec<&str> = history["history"].as_array().unwrap().iter().map(|h| h["status"].as_str().unwrap()).collect();
        assert_eq!(statuses, ["draft", "submitted", "in_progress", "needs_clarification"]);

        // Another operator cannot take it; taking it again is harmless.
        assert_eq!(other.post(&assign, json!({ "assignee": "me" })).await.status(), 409);
        assert_eq!(op.post(&assign, json!({ "assignee": "me" })).await.status(), 200);
        assert_eq!(applicant.json(&format!("/api/v1/applications/{id}")).await["status"], "needs_clarification");
    }
}
