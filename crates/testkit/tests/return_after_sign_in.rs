//! Coming back where you were (review D5) and staff landing at work (D13): «Войдите,
//! чтобы получить услугу» returns to the service after signing in (local paths only — no
//! open redirect), and staff go to `/staff`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use kabinet_testkit::people::{self, PASSWORD};
use kabinet_testkit::{MailServer, TestApp, TestOptions, backend_test};

/// Signs in through the page form with `return_to`; the redirect's target.
async fn sign_in_returning(app: &TestApp, login: &str, return_to: &str) -> String {
    let c = people::client();
    let page = c
        .get(app.url(&format!("/login?return_to={}", urlencode(return_to))))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = people::hidden(&page, "csrf_token");
    let res = c
        .post(app.url("/login"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("login", login),
            ("password", PASSWORD),
            ("return_to", return_to),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    res.headers()["location"].to_str().unwrap().to_owned()
}

fn urlencode(s: &str) -> String {
    kabinet_web::format::percent_encode(s)
}

backend_test! {
    async fn sign_in_returns_to_the_service_and_staff_land_at_work(backend) {
        let smtp = MailServer::start();
        let app = TestApp::spawn_with(backend, TestOptions::with_mail(&smtp)).await;
        kabinet_app::catalog::import_demo(&app.app).await.unwrap();
        people::register_user(&app, &smtp, "back@example.ru").await;

        // The service page sends a visitor to sign in with the way back.
        let page = app.get("/services/appeal-question").await.text().await.unwrap();
        assert!(page.contains("href=\"/login?return_to=/services/appeal-question\""), "{page}");
        let form = app.get("/login?return_to=/services/appeal-question").await.text().await.unwrap();
        assert_eq!(people::hidden(&form, "return_to"), "/services/appeal-question");

        // Signed in: back at the service.
        assert_eq!(sign_in_returning(&app, "back@example.ru", "/services/appeal-question").await, "/services/appeal-question");
        // Never to another site.
        for evil in ["https://evil.example/", "//evil.example/x", "/\\evil.example"] {
            assert_eq!(sign_in_returning(&app, "back@example.ru", evil).await, "/security", "{evil}");
        }
        let form = app.get("/login?return_to=https://evil.example/").await.text().await.unwrap();
        assert!(!form.contains("evil.example"), "not even kept in the form");

        // Staff land at work; signed-in people asked to sign in go where they were going.
        let staff = people::staff_user(&app, "op@kabinet.ru", "operator").await;
        let res = staff.get("/login").await;
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()["location"], "/staff");
        let person = people::register_user(&app, &smtp, "second@example.ru").await;
        let res = person.get("/login?return_to=/applications").await;
        assert_eq!(res.headers()["location"], "/applications");
        app.stop().await;
    }
}
