//! Outgoing HTTPS (issue 16): kabinet's clients speak TLS — here to an SMS gateway behind
//! HTTPS with a private certificate authority, trusted only through `tls.ca_file` — on
//! both backends.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use kabinet_testkit::tls::TestCa;
use kabinet_testkit::{
    SmsGatewayStub, TestApp, TestBackend, TestOptions, WAIT, backend_test, wait_for,
};
use serde_json::json;
use sqlx::Row;

async fn spawn(backend: TestBackend, gateway: String, ca_file: Option<String>) -> TestApp {
    let mut env = vec![
        ("KABINET_SMS_GATEWAY_URL".to_owned(), gateway),
        (
            "KABINET_PASSWORD_ARGON2_MEMORY_KIB".to_owned(),
            "1024".to_owned(),
        ),
        (
            "KABINET_PASSWORD_ARGON2_ITERATIONS".to_owned(),
            "1".to_owned(),
        ),
    ];
    if let Some(ca) = ca_file {
        env.push(("KABINET_TLS_CA_FILE".to_owned(), ca));
    }
    TestApp::spawn_with(
        backend,
        TestOptions {
            worker: true,
            env,
            ..TestOptions::default()
        },
    )
    .await
}

async fn register_by_phone(app: &TestApp) {
    let res = app
        .client
        .post(app.url("/api/v1/registrations"))
        .json(&json!({ "contact": "+7 912 345-67-89", "password": "тихая лодка плывёт" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
}

/// The last error of the SMS job, once the worker has tried it.
async fn sms_error(app: &TestApp) -> Option<String> {
    wait_for(WAIT, "the worker tried the SMS", || async {
        app.app.outbox_wake.notify_one();
        let row = sqlx::query("SELECT status, last_error FROM outbox WHERE kind = 'sms'")
            .fetch_optional(app.app.store.pool())
            .await
            .unwrap()?;
        let error: Option<String> = row.try_get(1).unwrap();
        (error.is_some() || row.try_get::<String, _>(0).unwrap() == "sent").then_some(error)
    })
    .await
}

backend_test! {
    async fn an_https_gateway_with_a_private_authority(backend) {
        let ca = TestCa::generate();
        let sms = SmsGatewayStub::start().await;
        let front = ca.front(sms.addr()).await;
        let app = spawn(backend, front.url("/send"), Some(ca.ca_file.display().to_string())).await;
        register_by_phone(&app).await;
        let got = wait_for(WAIT, "the SMS went over HTTPS", || async {
            app.app.outbox_wake.notify_one();
            let got = sms.messages();
            (!got.is_empty()).then_some(got)
        })
        .await;
        assert_eq!(got.len(), 1, "the SMS went over HTTPS");
        assert_eq!(got[0].to, "+79123456789");
        assert_eq!(sms_error(&app).await, None);
        app.stop().await;
    }
}

backend_test! {
    async fn an_authority_that_is_not_trusted_is_refused(backend) {
        let ca = TestCa::generate();
        let sms = SmsGatewayStub::start().await;
        let front = ca.front(sms.addr()).await;
        // Without tls.ca_file the platform's store does not know the private authority.
        let app = spawn(backend, front.url("/send"), None).await;
        register_by_phone(&app).await;
        let error = sms_error(&app).await.expect("a delivery error");
        assert!(error.to_lowercase().contains("certificate") || error.contains("UnknownIssuer"), "{error}");
        assert!(sms.messages().is_empty(), "nothing reached the gateway");
        app.stop().await;
    }
}

#[test]
fn an_unreadable_authority_file_stops_start_up() {
    let settings = kabinet_app::settings::Settings::load(
        None,
        vec![(
            "KABINET_TLS_CA_FILE".to_owned(),
            "/nonexistent/ca.pem".to_owned(),
        )],
    )
    .unwrap();
    let err = kabinet_app::http::client_builder(&settings).unwrap_err();
    assert!(err.starts_with("tls.ca_file: cannot read"), "{err}");
}
