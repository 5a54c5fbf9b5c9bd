//! The supervisor's overview counts overdue applications by status as it does by
//! service (issue 16: «submitted» said 0 overdue while its service said 1).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use kabinet_testkit::people::{register_user, staff_user};
use kabinet_testkit::{MailServer, TestApp, TestOptions, backend_test};
use serde_json::{Value, json};

backend_test! {
    async fn overview_counts_overdue_by_status(backend) {
        let smtp = MailServer::start();
        let app = TestApp::spawn_with(
            backend,
            TestOptions {
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
            },
        )
        .await;
        kabinet_app::catalog::import_demo(&app.app).await.unwrap();
        let clock = app.clock.clone().unwrap();
        let applicant = register_user(&app, &smtp, "citizen@example.ru").await;
        let sup = staff_user(&app, "sup@kabinet.ru", "supervisor").await;
        let res = applicant
            .post(
                "/api/v1/applications",
                json!({ "service_id": "appeal-question", "fields": { "topic": "service", "question": "Когда будет готова справка?" } }),
            )
            .await;
        assert_eq!(res.status(), 201);
        let id = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
        assert_eq!(applicant.post(&format!("/api/v1/applications/{id}/submit"), json!({})).await.status(), 200);

        let overview = sup.json("/api/v1/staff/overview").await;
        let submitted = overview["by_status"].as_array().unwrap().iter().find(|c| c["key"] == "submitted").unwrap().clone();
        assert_eq!((submitted["count"].as_i64(), submitted["overdue"].as_i64()), (Some(1), Some(0)), "{overview}");

        // Past the deadline: the status says so, as the service does.
        for _ in 0..12 {
            clock.advance(time::Duration::hours(20));
            assert_eq!(sup.get("/api/v1/session").await.status(), 200);
        }
        let overview = sup.json("/api/v1/staff/overview").await;
        let by_service = overview["by_service"].as_array().unwrap();
        assert_eq!(by_service.len(), 1, "{overview}");
        assert_eq!(by_service[0]["overdue"], 1, "{overview}");
        let submitted = overview["by_status"].as_array().unwrap().iter().find(|c| c["key"] == "submitted").unwrap().clone();
        assert_eq!(submitted["count"], 1, "{overview}");
        assert_eq!(submitted["overdue"], 1, "{overview}");
    }
}
