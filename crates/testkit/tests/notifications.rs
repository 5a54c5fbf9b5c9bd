//! Notifications on both backends (NTF-1 … NTF-3): events land in «Мои сообщения» with
//! their category and link, preferences per category and channel are honoured,
//! security cannot be turned off, read state, delivery state per channel, the pages.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Duration;

use kabinet_testkit::people::{User, register_user, staff_user};
use kabinet_testkit::{
    MailServer, TestApp, TestBackend, TestOptions, WAIT, backend_test, wait_for,
};
use serde_json::{Value, json};

async fn spawn(backend: TestBackend, smtp: &MailServer) -> TestApp {
    let app = TestApp::spawn_with(
        backend,
        TestOptions {
            worker: true,
            env: vec![
                ("KABINET_SMTP_URL".into(), smtp.url()),
                ("KABINET_WORKER_POLL_MS".into(), "50".into()),
                (
                    "KABINET_PUBLIC_URL".into(),
                    "https://portal.example.ru".into(),
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

async fn filed(u: &User) -> String {
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
    assert_eq!(
        u.post(&format!("/api/v1/applications/{id}/submit"), json!({}))
            .await
            .status(),
        200
    );
    id
}

/// The deliveries of a notification once the worker has had its turn.
async fn deliveries(u: &User, id: &str) -> Vec<Value> {
    wait_for(WAIT, "no delivery still queued", || async {
        let d = u.json(&format!("/api/v1/notifications/{id}")).await;
        let list = d["deliveries"].as_array().unwrap().clone();
        list.iter().all(|x| x["status"] != "queued").then_some(list)
    })
    .await
}

backend_test! {
    async fn events_reach_the_inbox_and_the_chosen_channels(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp).await;
        let u = register_user(&app, &smtp, "citizen@example.ru").await;
        let other = register_user(&app, &smtp, "other@example.ru").await;
        let op = staff_user(&app, "op@kabinet.ru", "operator").await;

        // Submitting: «Заявление принято» in the inbox, with its category and link, and by mail.
        let id = filed(&u).await;
        let unread = u.json("/api/v1/notifications?unread=true").await;
        let first = unread["items"].as_array().unwrap().iter().find(|n| n["category"] == "application_status").unwrap().clone();
        assert_eq!(first["title"], "Заявление принято");
        assert_eq!(first["link"], format!("/applications/{id}"));
        assert_eq!(first["read"], false);
        let nid = first["id"].as_str().unwrap().to_owned();
        let sent = deliveries(&u, &nid).await;
        assert_eq!(sent.len(), 1);
        assert_eq!((sent[0]["channel"].as_str().unwrap(), sent[0]["status"].as_str().unwrap()), ("email", "sent"));
        let page = u.get("/applications").await.text().await.unwrap();
        assert!(page.contains("class=\"badge\""), "the unread count is in the header");

        // Someone else's notification does not exist for them.
        assert_eq!(other.get(&format!("/api/v1/notifications/{nid}")).await.status(), 404);
        assert_eq!(other.post(&format!("/api/v1/notifications/{nid}/read"), json!({})).await.status(), 404);
        assert_eq!(u.post(&format!("/api/v1/notifications/{nid}/read"), json!({})).await.status(), 204);
        let after = u.json("/api/v1/notifications?unread=true").await;
        assert!(after["items"].as_array().unwrap().iter().all(|n| n["id"] != nid.as_str()));

        // E-mail off for application statuses: the next change is in the inbox only.
        let settings = u.json("/api/v1/me/notification-settings").await;
        assert_eq!(settings["categories"]["application_status"], json!({ "inbox": true, "email": true, "sms": false, "webhook": true }));
        assert_eq!(settings["categories"]["news"]["email"], false);
        let res = u.c.put(app.url("/api/v1/me/notification-settings")).header("X-CSRF-Token", &u.csrf)
            .json(&json!({ "categories": { "application_status": { "email": false }, "weather": { "email": true } } })).send().await.unwrap();
        assert_eq!(res.status(), 422, "unknown categories are refused, nothing saved");
        assert_eq!(u.json("/api/v1/me/notification-settings").await["categories"]["application_status"]["email"], true);
        let res = u.c.put(app.url("/api/v1/me/notification-settings")).header("X-CSRF-Token", &u.csrf)
            .json(&json!({ "categories": { "application_status": { "email": false }, "security": { "email": false, "inbox": false } } })).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let effective: Value = res.json().await.unwrap();
        assert_eq!(effective["categories"]["application_status"]["email"], false);
        assert_eq!(effective["categories"]["security"]["email"], true, "security cannot be turned off");
        assert_eq!(effective["categories"]["security"]["inbox"], true);
        let res = op.post(&format!("/api/v1/staff/applications/{id}/transition"), json!({ "to": "in_progress", "reason": "" })).await;
        assert_eq!(res.status(), 200);
        let moved = u.json("/api/v1/notifications?unread=true&category=application_status").await;
        let moved = moved["items"][0].clone();
        assert_eq!(moved["title"], "Статус заявления изменился");
        assert!(deliveries(&u, moved["id"].as_str().unwrap()).await.is_empty(), "no e-mail when it is off");

        // A security event still reaches the confirmed e-mail.
        let res = u.post("/api/v1/me/password", json!({ "current_password": kabinet_testkit::people::PASSWORD, "new_password": "совсем другой пароль для входа" })).await;
        assert_eq!(res.status(), 204);
        let csrf = kabinet_testkit::people::csrf_of(&app, &u.c).await;
        let u = User { csrf, ..u };
        let security = u.json("/api/v1/notifications?category=security").await;
        let sid = security["items"][0]["id"].as_str().unwrap().to_owned();
        let sent = deliveries(&u, &sid).await;
        assert!(sent.iter().any(|d| d["channel"] == "email" && d["status"] == "sent"));

        // Staff see the same delivery state for the account (and that is recorded).
        let account = u.json("/api/v1/session").await["account_id"].as_str().unwrap().to_owned();
        assert_eq!(u.get(&format!("/api/v1/staff/accounts/{account}/notifications")).await.status(), 403);
        let seen = op.json(&format!("/api/v1/staff/accounts/{account}/notifications")).await;
        let submitted = seen["items"].as_array().unwrap().iter().find(|n| n["title"] == "Заявление принято").unwrap().clone();
        assert_eq!(submitted["deliveries"][0]["channel"], "email");
        assert_eq!(submitted["deliveries"][0]["status"], "sent");
        let page = op.get(&format!("/staff/accounts/{account}/notifications")).await.text().await.unwrap();
        assert!(page.contains("Заявление принято") && page.contains("Отправлено"));
        let audit = kabinet_store::audit::latest(&app.app.store, 50).await.unwrap();
        assert!(audit.iter().any(|e| e.action == "notifications.viewed_by_staff"));

        // «Отметить все прочитанными»; filters are checked.
        assert_eq!(u.get("/api/v1/notifications?category=weather").await.status(), 422);
        let marked = u.post("/api/v1/notifications/read-all", json!({})).await.json::<Value>().await.unwrap();
        assert!(marked["marked"].as_u64().unwrap() >= 2);
        assert_eq!(u.json("/api/v1/notifications?unread=true").await["total"], 0);
    }
}

backend_test! {
    async fn the_pages_without_javascript(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp).await;
        let u = register_user(&app, &smtp, "citizen@example.ru").await;
        let id = filed(&u).await;
        let page = u.get("/messages").await.text().await.unwrap();
        assert!(page.contains("Заявление принято") && page.contains("Статус заявлений") && page.contains("новое"));
        // «Открыть» marks it read and goes to the application.
        let n = u.json("/api/v1/notifications?category=application_status").await;
        let nid = n["items"][0]["id"].as_str().unwrap().to_owned();
        let res = u.c.post(app.url(&format!("/messages/{nid}/read"))).form(&[("csrf_token", u.csrf.as_str()), ("next", &format!("/applications/{id}"))]).send().await.unwrap();
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()["location"], format!("/applications/{id}").as_str());
        assert_eq!(u.json(&format!("/api/v1/notifications/{nid}")).await["read"], true);
        let res = u.c.post(app.url(&format!("/messages/{nid}/read"))).form(&[("csrf_token", u.csrf.as_str()), ("next", "https://evil.example/")]).send().await.unwrap();
        assert_eq!(res.headers()["location"], "/messages", "never an open redirect");
        let detail = u.get(&format!("/messages/{nid}")).await.text().await.unwrap();
        assert!(detail.contains("Электронная почта"));
        // Opening an unread message reads it (review D20).
        filed(&u).await;
        let unread = u.json("/api/v1/notifications?unread=true").await;
        assert!(unread["total"].as_i64().unwrap() > 0, "{unread}");
        let other = unread["items"][0]["id"].as_str().unwrap().to_owned();
        assert_eq!(u.get(&format!("/messages/{other}")).await.status(), 200);
        assert_eq!(u.json(&format!("/api/v1/notifications/{other}")).await["read"], true);

        // Settings: the grid; unticking saves off, security stays on.
        let settings = u.get("/settings/notifications").await.text().await.unwrap();
        assert!(settings.contains("name=\"application_status.email\"") && settings.contains("disabled"));
        let mut form: Vec<(String, String)> = vec![("csrf_token".into(), u.csrf.clone())];
        form.push(("application_status.inbox".into(), "on".into()));
        let res = u.c.post(app.url("/settings/notifications")).form(&form).send().await.unwrap();
        assert_eq!(res.status(), 303);
        let s = u.json("/api/v1/me/notification-settings").await;
        assert_eq!(s["categories"]["application_status"], json!({ "inbox": true, "email": false, "sms": false, "webhook": false }));
        assert_eq!(s["categories"]["security"]["email"], true);
        assert_eq!(s["categories"]["support"]["inbox"], false);
    }
}

backend_test! {
    async fn mail_has_both_parts_and_a_one_click_unsubscribe(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp).await;
        let u = register_user(&app, &smtp, "citizen@example.ru").await;
        let seen = smtp.messages().len();
        let id = filed(&u).await;
        let mail = smtp.find_after(seen, |m| m.to == ["citizen@example.ru"] && m.data.contains("List-Unsubscribe")).await;
        assert!(mail.data.contains("multipart/alternative"), "a plain-text and an HTML part");
        assert!(mail.data.contains("text/html"));
        assert_eq!(mail.header("List-Unsubscribe-Post").as_deref(), Some("List-Unsubscribe=One-Click"));
        let header = mail.header("List-Unsubscribe").unwrap();
        let url = header.trim_start_matches('<').trim_end_matches('>').to_owned();
        assert!(url.starts_with("https://portal.example.ru/unsubscribe?t="), "{url}");
        assert!(mail.body_text().contains(&format!("https://portal.example.ru/applications/{id}")), "an absolute link: {}", mail.body_text());
        let path = url.trim_start_matches("https://portal.example.ru");

        // A forged or altered token does nothing.
        let forged = format!("{}0", path);
        let anon = kabinet_testkit::people::client();
        let res = anon.post(app.url(&forged)).header("content-type", "application/x-www-form-urlencoded").body("List-Unsubscribe=One-Click").send().await.unwrap();
        assert_eq!(res.status(), 404);
        // GET only asks; the one-click POST (no session, no cookie) turns e-mail off.
        let res = anon.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(u.json("/api/v1/me/notification-settings").await["categories"]["application_status"]["email"], true);
        let res = anon.post(app.url(path)).header("content-type", "application/x-www-form-urlencoded").body("List-Unsubscribe=One-Click").send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(u.json("/api/v1/me/notification-settings").await["categories"]["application_status"]["email"], false);

        // Security mail has no unsubscribe, and its token would not work anyway.
        let seen = smtp.messages().len();
        let res = u.post("/api/v1/me/password", json!({ "current_password": kabinet_testkit::people::PASSWORD, "new_password": "совсем другой пароль для входа" })).await;
        assert_eq!(res.status(), 204);
        let mail = smtp.find_after(seen, |m| m.to == ["citizen@example.ru"]).await;
        assert!(mail.header("List-Unsubscribe").is_none());
        let account = u.json("/api/v1/session").await["account_id"].as_str().unwrap().to_owned();
        let token = kabinet_app::inbox::unsubscribe_token(&app.app, &account, kabinet_domain::notify::Category::Security);
        let res = anon.post(app.url(&format!("/unsubscribe?t={token}"))).send().await.unwrap();
        assert_eq!(res.status(), 409);
    }
}

backend_test! {
    async fn a_broadcast_reaches_everyone_in_batches_respecting_choices(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp).await;
        let dir = tempfile::tempdir().unwrap();
        kabinet_app::seed::seed(&app.app, 2300, 0, 0, 0, &dir.path().join("targets.txt")).await.unwrap();
        let u = register_user(&app, &smtp, "reader@example.ru").await;
        let res = u.c.put(app.url("/api/v1/me/notification-settings")).header("X-CSRF-Token", &u.csrf)
            .json(&json!({ "categories": { "news": { "email": true } } })).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let adm = staff_user(&app, "adm@kabinet.ru", "admin").await;
        let op = staff_user(&app, "op@kabinet.ru", "operator").await;

        assert_eq!(op.post("/api/v1/staff/broadcasts", json!({ "title": "Новость", "text": "Текст" })).await.status(), 403);
        let res = adm.post("/api/v1/staff/broadcasts", json!({ "title": "", "text": "", "level": "gold" })).await;
        assert_eq!(res.status(), 422);
        let seen = smtp.messages().len();
        let res = adm.post("/api/v1/staff/broadcasts", json!({ "title": "Новые услуги", "text": "В каталоге появились услуги нотариата." })).await;
        assert_eq!(res.status(), 201);
        let b: Value = res.json().await.unwrap();
        assert_eq!(b["total"], 2301, "every active person, staff excluded");
        let id = b["id"].as_str().unwrap().to_owned();
        // 2301 recipients: longer than the usual wait.
        let progress = wait_for(Duration::from_secs(30), "the broadcast is done", || async {
            let progress = adm.json(&format!("/api/v1/staff/broadcasts/{id}")).await;
            (progress["status"] == "done").then_some(progress)
        })
        .await;
        assert_eq!(progress["status"], "done", "{progress}");
        assert_eq!(progress["processed"], 2301);
        // In everyone's inbox, once; by mail only to who asked for news by mail.
        let news = u.json("/api/v1/notifications?category=news").await;
        assert_eq!(news["total"], 1);
        assert_eq!(news["items"][0]["title"], "Новые услуги");
        let mut conn = app.app.store.acquire().await.unwrap();
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE category = 'news'").fetch_one(&mut *conn).await.unwrap();
        assert_eq!(count, 2301);
        let mails: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox o JOIN notifications n ON n.id = o.notification_id WHERE n.category = 'news'").fetch_one(&mut *conn).await.unwrap();
        assert_eq!(mails, 1);
        drop(conn);
        let mail = smtp.find_after(seen, |m| m.to == ["reader@example.ru"]).await;
        assert!(mail.body_text().contains("нотариата"));
        assert!(mail.header("List-Unsubscribe").is_some());
        // A level: nobody is confirmed here.
        let res = adm.post("/api/v1/staff/broadcasts", json!({ "title": "Для подтверждённых", "text": "Текст", "level": "confirmed" })).await;
        assert_eq!(res.json::<Value>().await.unwrap()["total"], 0);
        let page = adm.get("/staff/broadcasts").await.text().await.unwrap();
        assert!(page.contains("<progress") && page.contains("2301 из 2301"));
    }
}

/// A webhook receiver: every request's headers (lower-case names) and body.
async fn receiver() -> (
    String,
    tokio::sync::mpsc::UnboundedReceiver<(Vec<(String, String)>, String)>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let n = s.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf).to_string();
                    if let Some((head, body)) = text.split_once("\r\n\r\n") {
                        let headers: Vec<(String, String)> = head
                            .lines()
                            .skip(1)
                            .filter_map(|l| l.split_once(": "))
                            .map(|(k, v)| (k.to_ascii_lowercase(), v.to_owned()))
                            .collect();
                        let len: usize = headers
                            .iter()
                            .find(|(k, _)| k == "content-length")
                            .map_or(0, |(_, v)| v.parse().unwrap());
                        if body.len() >= len {
                            let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").await;
                            let _ = tx.send((headers, body[..len].to_owned()));
                            return;
                        }
                    }
                }
            });
        }
    });
    (url, rx)
}

backend_test! {
    async fn a_signed_webhook_the_receiver_can_verify(backend) {
        use hmac::{KeyInit, Mac};
        let smtp = MailServer::start();
        let app = TestApp::spawn_with(backend, TestOptions {
            worker: true,
            env: vec![
                ("KABINET_SMTP_URL".into(), smtp.url()),
                ("KABINET_WORKER_POLL_MS".into(), "50".into()),
                ("KABINET_NOTIFY_WEBHOOK_ALLOW_INSECURE".into(), "true".into()),
                ("KABINET_PASSWORD_ARGON2_MEMORY_KIB".into(), "1024".into()),
                ("KABINET_PASSWORD_ARGON2_ITERATIONS".into(), "1".into()),
            ],
            ..TestOptions::default()
        }).await;
        kabinet_app::catalog::import_demo(&app.app).await.unwrap();
        let u = register_user(&app, &smtp, "citizen@example.ru").await;
        let (url, mut rx) = receiver().await;
        let put = |body: Value| u.c.put(app.url("/api/v1/me/notification-webhook")).header("X-CSRF-Token", &u.csrf).json(&body).send();
        assert_eq!(put(json!({ "url": "ftp://example.ru/x" })).await.unwrap().status(), 422);
        let res = put(json!({ "url": url })).await.unwrap();
        assert_eq!(res.status(), 200);
        let secret = res.json::<Value>().await.unwrap()["secret"].as_str().unwrap().to_owned();
        assert_eq!(secret.len(), 64);
        // The «webhook set» security notice itself goes to the webhook.
        let (_, _) = tokio::time::timeout(Duration::from_secs(10), rx.recv()).await.unwrap().unwrap();

        let id = filed(&u).await;
        let (headers, body) = tokio::time::timeout(Duration::from_secs(10), rx.recv()).await.unwrap().unwrap();
        let get = |k: &str| headers.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap();
        let ts = get("x-kabinet-timestamp");
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{ts}.{body}").as_bytes());
        assert_eq!(get("x-kabinet-signature"), format!("sha256={}", hex::encode(mac.finalize().into_bytes())));
        assert!(!get("x-kabinet-event").is_empty());
        let payload: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(payload["category"], "application_status");
        assert_eq!(payload["title"], "Заявление принято");
        assert_eq!(payload["link"], format!("/applications/{id}"));
        let sent = deliveries(&u, payload["id"].as_str().unwrap()).await;
        assert!(sent.iter().any(|d| d["channel"] == "webhook" && d["status"] == "sent"), "{sent:?}");

        // Turned off for a category: nothing goes there; removed: nothing at all.
        let res = u.c.put(app.url("/api/v1/me/notification-settings")).header("X-CSRF-Token", &u.csrf)
            .json(&json!({ "categories": { "application_status": { "webhook": false } } })).send().await.unwrap();
        assert_eq!(res.json::<Value>().await.unwrap()["categories"]["application_status"]["webhook"], false);
        filed(&u).await;
        let latest = u.json("/api/v1/notifications?category=application_status").await;
        let nid = latest["items"][0]["id"].as_str().unwrap().to_owned();
        assert!(deliveries(&u, &nid).await.iter().all(|d| d["channel"] != "webhook"));
        let res = u.c.delete(app.url("/api/v1/me/notification-webhook")).header("X-CSRF-Token", &u.csrf).send().await.unwrap();
        assert_eq!(res.status(), 204);
        assert!(rx.try_recv().is_err(), "nothing more arrived");
    }
}
