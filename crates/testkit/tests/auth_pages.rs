//! The sign-in pages without JavaScript, on both backends: forms post and redirect,
//! CSRF tokens are required, errors come back as a summary linked to the fields.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Duration;

use kabinet_testkit::{MailServer, TestApp, TestOptions, backend_test};

use kabinet_testkit::people::hidden;

backend_test! {
    async fn register_and_sign_in_through_the_pages(backend) {
        let smtp = MailServer::start();
        let app = TestApp::spawn_with(backend, TestOptions {
            worker: true,
            env: vec![
                ("KABINET_SMTP_URL".into(), smtp.url()),
                ("KABINET_PASSWORD_ARGON2_MEMORY_KIB".into(), "1024".into()),
                ("KABINET_PASSWORD_ARGON2_ITERATIONS".into(), "1".into()),
            ],
            ..TestOptions::default()
        }).await;
        let page = app.get("/registration").await;
        assert!(page.headers()["set-cookie"].to_str().unwrap().starts_with("kabinet_csrf="));
        let html = page.text().await.unwrap();
        let csrf = hidden(&html, "csrf_token");

        // Without the token nothing happens.
        let res = app.client.post(app.url("/registration"))
            .form(&[("csrf_token", "forged"), ("contact", "a@example.ru"), ("password", "тихая лодка плывёт")])
            .send().await.unwrap();
        assert_eq!(res.status(), 400);
        assert!(res.text().await.unwrap().contains("Форма устарела"));

        let res = app.client.post(app.url("/registration"))
            .form(&[("csrf_token", csrf.as_str()), ("contact", "a@"), ("password", "12345")])
            .send().await.unwrap();
        assert_eq!(res.status(), 422);
        let html = res.text().await.unwrap();
        assert!(html.contains("<a href=\"#contact\">") && html.contains("<a href=\"#password\">"));
        assert!(html.contains("value=\"a@\""), "the contact is kept");
        assert!(!html.contains("value=\"12345\""), "a password is never echoed");

        let res = app.client.post(app.url("/registration"))
            .form(&[("csrf_token", csrf.as_str()), ("contact", "a@example.ru"), ("password", "тихая лодка плывёт")])
            .send().await.unwrap();
        assert_eq!(res.status(), 303);
        let code_page = res.headers()["location"].to_str().unwrap().to_owned();
        let html = app.get(&code_page).await.text().await.unwrap();
        assert!(html.contains("<h1>Введите код</h1>") && html.contains("a@example.ru"));
        let code = smtp.wait_for(1, Duration::from_secs(10)).await[0].code().unwrap();
        let res = app.client.post(app.url(&code_page))
            .form(&[("csrf_token", csrf.as_str()), ("code", code.as_str())])
            .send().await.unwrap();
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()["location"], "/security");
        let html = app.get("/security").await.text().await.unwrap();
        assert!(html.contains("<h1>Безопасность</h1>") && html.contains("Активен") && html.contains("этот сеанс"));

        // Sign out needs the session's token, then the pages are closed.
        let session_csrf = hidden(&html, "csrf_token");
        let res = app.client.post(app.url("/logout")).form(&[("csrf_token", "forged")]).send().await.unwrap();
        assert_eq!(res.status(), 403);
        let res = app.client.post(app.url("/logout")).form(&[("csrf_token", session_csrf.as_str())]).send().await.unwrap();
        assert_eq!(res.headers()["location"], "/login?done=signed-out");
        assert_eq!(app.get("/security").await.headers()["location"], "/login");

        let res = app.client.post(app.url("/login"))
            .form(&[("csrf_token", csrf.as_str()), ("login", "A@EXAMPLE.RU"), ("password", "тихая лодка плывёт")])
            .send().await.unwrap();
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()["location"], "/security");
        app.stop().await;
    }
}
