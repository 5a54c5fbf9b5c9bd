//! Downloading all of one's data needs a recent password entry, as closing the
//! account does (issue 16).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use kabinet_testkit::people::{PASSWORD, register_user};
use kabinet_testkit::{MailServer, TestApp, TestOptions, backend_test};
use serde_json::{Value, json};

backend_test! {
    async fn the_data_archive_needs_a_recent_password(backend) {
        let smtp = MailServer::start();
        let app = TestApp::spawn_with(
            backend,
            TestOptions {
                worker: true,
                manual_clock: true,
                env: vec![
                    ("KABINET_SMTP_URL".into(), smtp.url()),
                    ("KABINET_PASSWORD_ARGON2_MEMORY_KIB".into(), "1024".into()),
                    ("KABINET_PASSWORD_ARGON2_ITERATIONS".into(), "1".into()),
                ],
                ..TestOptions::default()
            },
        )
        .await;
        let clock = app.clock.clone().unwrap();
        let u = register_user(&app, &smtp, "archive@example.ru").await;
        // Just signed in: a password entry a moment ago.
        assert_eq!(u.get("/api/v1/me/export").await.status(), 200);

        clock.advance(time::Duration::minutes(11));
        let res = u.get("/api/v1/me/export").await;
        assert_eq!(res.status(), 403);
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let problem: Value = res.json().await.unwrap();
        assert!(problem["detail"].as_str().is_some_and(|d| !d.is_empty()), "{problem}");
        assert_eq!(u.post("/api/v1/session/reauth", json!({ "password": PASSWORD })).await.status(), 204);
        assert_eq!(u.get("/api/v1/me/export").await.status(), 200);
    }
}
