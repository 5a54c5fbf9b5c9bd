//! «Предыдущий вход» on «Безопасность» is the sign-in before this one, not the current
//! one (review: it showed the moment of the session one was looking from).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use kabinet_app::Clock as _;
use kabinet_testkit::people::{self, PASSWORD};
use kabinet_testkit::{MailServer, TestApp, TestOptions, backend_test};
use serde_json::json;

fn previous_on(html: &str) -> String {
    let at = html.find("Предыдущий вход").expect("the row");
    let dd = html[at..].find("<dd>").expect("its value") + at + "<dd>".len();
    let end = html[dd..].find("</dd>").expect("closed") + dd;
    html[dd..end].to_owned()
}

backend_test! {
    async fn the_previous_sign_in_is_the_one_before(backend) {
        let smtp = MailServer::start();
        let app = TestApp::spawn_with(backend, TestOptions {
            manual_clock: true,
            ..TestOptions::with_mail(&smtp)
        }).await;
        let clock = app.clock.clone().unwrap();
        let first = people::register_user(&app, &smtp, "twice@example.ru").await;
        let first_at = kabinet_app::format::datetime(clock.now());
        let page = first.get("/security").await.text().await.unwrap();
        let shown = previous_on(&page);
        assert_ne!(shown, first_at, "not the current sign-in");

        // Three hours later, from another browser: the first sign-in is the previous one.
        clock.advance(time::Duration::hours(3));
        let c = people::client();
        let res = c.post(app.url("/api/v1/session")).json(&json!({ "login": "twice@example.ru", "password": PASSWORD })).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let page = c.get(app.url("/security")).send().await.unwrap().text().await.unwrap();
        assert_eq!(previous_on(&page), first_at);
        app.stop().await;
    }
}
