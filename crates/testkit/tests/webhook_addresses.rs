//! Where a notification webhook may point (issue 15 F8), on both backends: private
//! addresses in disguise are refused when set; a name that resolves to loopback at
//! delivery is not called and the delivery fails for good; a redirect is not followed.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use kabinet_testkit::people::{User, register_user};
use kabinet_testkit::{
    MailServer, TestApp, TestBackend, TestOptions, WAIT, backend_test, wait_for,
};
use serde_json::{Value, json};

async fn spawn(backend: TestBackend, smtp: &MailServer, allow_insecure: bool) -> TestApp {
    let app = TestApp::spawn_with(
        backend,
        TestOptions {
            worker: true,
            env: vec![
                ("KABINET_SMTP_URL".into(), smtp.url()),
                ("KABINET_WORKER_POLL_MS".into(), "50".into()),
                (
                    "KABINET_NOTIFY_WEBHOOK_ALLOW_INSECURE".into(),
                    allow_insecure.to_string(),
                ),
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

/// A server on 127.0.0.1 answering every request with `response`; counts requests.
async fn server(response: String) -> (u16, Arc<AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            let response = response.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 8192];
                let _ = s.read(&mut buf).await;
                let _ = s.write_all(response.as_bytes()).await;
            });
        }
    });
    (port, hits)
}

async fn file_application(u: &User) {
    let res = u
        .post(
            "/api/v1/applications",
            json!({ "service_id": "appeal-question", "fields": { "topic": "service", "question": "Когда будет готова справка?" } }),
        )
        .await;
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = u
        .post(&format!("/api/v1/applications/{id}/submit"), json!({}))
        .await;
    assert_eq!(res.status(), 200);
}

/// The webhook deliveries `(status, attempts, last_error)` once `n` have left `pending`
/// (a retried one stays `pending`, so a delivery error taken as temporary fails here).
async fn webhook_outcomes(app: &TestApp, n: usize) -> Vec<(String, i64, String)> {
    let what = format!("{n} webhook deliveries finished, none left pending");
    wait_for(WAIT, &what, || async {
        let mut conn = app.app.store.acquire().await.unwrap();
        let rows: Vec<(String, i64, String)> = sqlx::query_as::<_, (String, i64, Option<String>)>(
            "SELECT status, attempts, last_error FROM outbox WHERE kind = 'webhook' ORDER BY id",
        )
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .into_iter()
        .map(|(s, a, e)| (s, a, e.unwrap_or_default()))
        .collect();
        (rows.len() >= n && rows.iter().all(|(s, _, _)| s != "pending")).then_some(rows)
    })
    .await
}

/// Sets the webhook in the database as if its name had been public when it was set
/// (DNS answers can change afterwards).
async fn put_webhook_directly(app: &TestApp, u: &User, url: &str) {
    let account = u.json("/api/v1/me").await["account_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut conn = app.app.store.acquire().await.unwrap();
    let sealed = app
        .app
        .keys
        .seal(&format!("webhooks:{account}"), "secret")
        .unwrap();
    kabinet_store::notifications::put_webhook(
        &mut conn,
        &account,
        url,
        &sealed,
        app.app.clock.now(),
    )
    .await
    .unwrap();
}

backend_test! {
    async fn private_addresses_in_disguise_are_refused_when_set(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp, false).await;
        let u = register_user(&app, &smtp, "hooks@example.ru").await;
        let put = |url: &str| {
            u.c.put(app.url("/api/v1/me/notification-webhook"))
                .header("X-CSRF-Token", &u.csrf)
                .json(&json!({ "url": url }))
                .send()
        };
        for url in [
            "https://[::ffff:127.0.0.1]/hook",
            "https://[::ffff:7f00:1]/hook",
            "https://[::127.0.0.1]/hook",
            "https://[::ffff:a9fe:a9fe]/latest",
            "https://localhost./hook",
            "https://0.0.0.0/hook",
            "https://[::]/hook",
            "https://2130706433/hook",
            "https://0x7f.1/hook",
            "https://0177.0.0.1/hook",
            "https://100.64.0.1/hook",
            "https://[fe80::1]/hook",
        ] {
            let res = put(url).await.unwrap();
            assert_eq!(res.status(), 422, "{url}");
            let body = res.json::<Value>().await.unwrap();
            assert_eq!(body["errors"][0]["field"], "url", "{url}: {body}");
            assert!(body["errors"][0]["message"].as_str().unwrap().contains("внутренней сети"), "{body}");
        }
        assert_eq!(put("https://bot.example.ru/hook").await.unwrap().status(), 200);
        app.stop().await;
    }
}

backend_test! {
    async fn a_name_resolving_to_loopback_is_not_called(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp, false).await;
        let u = register_user(&app, &smtp, "rebind@example.ru").await;
        let (port, hits) = server("HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".into()).await;

        // A name: resolved at delivery, refused, failed for good after one attempt.
        put_webhook_directly(&app, &u, &format!("http://localhost:{port}/hook")).await;
        file_application(&u).await;
        let rows = webhook_outcomes(&app, 1).await;
        assert_eq!(rows[0].0, "dead", "{rows:?}");
        assert_eq!(rows[0].1, 1, "{rows:?}");
        assert!(rows[0].2.contains("not a public address"), "{rows:?}");

        // An address written as one (never resolved): the same.
        put_webhook_directly(&app, &u, &format!("http://[::ffff:127.0.0.1]:{port}/hook")).await;
        file_application(&u).await;
        let rows = webhook_outcomes(&app, 2).await;
        assert_eq!((rows[1].0.as_str(), rows[1].1), ("dead", 1), "{rows:?}");
        assert!(rows[1].2.contains("not a public address"), "{rows:?}");
        assert_eq!(hits.load(Ordering::SeqCst), 0, "the receiver was called");
        app.stop().await;
    }
}

backend_test! {
    async fn a_redirect_is_not_followed(backend) {
        let smtp = MailServer::start();
        // Private addresses allowed (the test servers are on 127.0.0.1).
        let app = spawn(backend, &smtp, true).await;
        let u = register_user(&app, &smtp, "redirect@example.ru").await;
        let (target, stolen) = server("HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".into()).await;
        let (port, hits) = server(format!(
            "HTTP/1.1 302 Found\r\nlocation: http://127.0.0.1:{target}/stolen\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
        ))
        .await;
        let res = u.c.put(app.url("/api/v1/me/notification-webhook"))
            .header("X-CSRF-Token", &u.csrf)
            .json(&json!({ "url": format!("http://127.0.0.1:{port}/hook") }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        // The «webhook set» notice goes to the webhook: answered 302, not followed.
        let rows = webhook_outcomes(&app, 1).await;
        assert_eq!((rows[0].0.as_str(), rows[0].1), ("dead", 1), "{rows:?}");
        assert!(rows[0].2.contains("302") && rows[0].2.contains("redirects are not followed"), "{rows:?}");
        assert_eq!(hits.load(Ordering::SeqCst), 1);
        assert_eq!(stolen.load(Ordering::SeqCst), 0, "the redirect was followed");
        app.stop().await;
    }
}
