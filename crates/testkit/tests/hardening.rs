//! Findings of the security probe (issue 15), on both backends: the client address
//! behind proxies, control characters in input, redirect targets, the metrics endpoint.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use kabinet_testkit::{TestApp, TestOptions, backend_test, people};
use serde_json::json;

const DEMO_LOGIN: &str = "demo@example.ru";
const DEMO_PASSWORD: &str = "демонстрационный вход";

fn demo_with(env: &[(&str, &str)]) -> TestOptions {
    TestOptions {
        demo: true,
        env: env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
        ..TestOptions::default()
    }
}

/// Signs the demo account in with a fresh client, sending `forwarded` as
/// `X-Forwarded-For`; returns the client and its CSRF token.
async fn demo_sign_in(app: &TestApp, forwarded: Option<&str>) -> (reqwest::Client, String) {
    let c = people::client();
    let mut req = c
        .post(app.url("/api/v1/session"))
        .json(&json!({ "login": DEMO_LOGIN, "password": DEMO_PASSWORD }));
    if let Some(f) = forwarded {
        req = req.header("x-forwarded-for", f);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let csrf = people::csrf_of(app, &c).await;
    (c, csrf)
}

backend_test! {
    async fn the_forwarded_client_is_the_hop_the_trusted_proxy_appended(backend) {
        let app = TestApp::spawn_with(backend, demo_with(&[
            ("KABINET_TRUST_FORWARDED_HEADERS", "true"),
        ])).await;
        // A forged leftmost entry, then the one the proxy appended.
        let (c, _) = demo_sign_in(&app, Some("6.6.6.6, 10.1.2.3")).await;
        // Not an address where the proxy's entry should be: the socket's address.
        demo_sign_in(&app, Some("10.9.9.9, not-an-address")).await;
        let page = c.get(app.url("/security")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("10.1.2.3"), "{page}");
        assert!(page.contains("127.0.0.1"), "{page}");
        assert!(!page.contains("6.6.6.6") && !page.contains("10.9.9.9"), "{page}");
        app.stop().await;
    }
}

backend_test! {
    async fn two_trusted_proxies_skip_two_hops(backend) {
        let app = TestApp::spawn_with(backend, demo_with(&[
            ("KABINET_TRUST_FORWARDED_HEADERS", "true"),
            ("KABINET_TRUSTED_PROXIES", "2"),
        ])).await;
        let (c, _) = demo_sign_in(&app, Some("6.6.6.6, 10.1.2.3, 10.0.0.7")).await;
        let page = c.get(app.url("/security")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("10.1.2.3"), "{page}");
        assert!(!page.contains("6.6.6.6") && !page.contains("10.0.0.7"), "{page}");
        app.stop().await;
    }
}
