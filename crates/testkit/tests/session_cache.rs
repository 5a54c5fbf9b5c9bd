//! Two kabinet processes on one database (issue 5): API calls on PostgreSQL resolve
//! sessions from each process's cache, and a change made through one process — signing
//! out, blocking the account — is refused by the other at once, because PostgreSQL tells
//! every process (triggers + LISTEN/NOTIFY). On SQLite there is no cache: the same
//! journey holds trivially. And reads go on when PostgreSQL drops every connection.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use kabinet_testkit::people::{User, register_user, staff_user};
use kabinet_testkit::{MailServer, TestApp, TestBackend, TestOptions, backend_test, wait_until};
use secrecy::ExposeSecret;
use serde_json::json;

fn options(smtp: &MailServer, shared: Option<(String, String)>) -> TestOptions {
    let mut env = vec![
        ("KABINET_SMTP_URL".to_owned(), smtp.url()),
        (
            "KABINET_PASSWORD_ARGON2_MEMORY_KIB".to_owned(),
            "1024".to_owned(),
        ),
        (
            "KABINET_PASSWORD_ARGON2_ITERATIONS".to_owned(),
            "1".to_owned(),
        ),
    ];
    if let Some((url, dir)) = shared {
        env.push(("KABINET_DATABASE_URL".to_owned(), url));
        env.push(("KABINET_DATA_DIR".to_owned(), dir));
    }
    TestOptions {
        worker: true,
        env,
        ..TestOptions::default()
    }
}

/// The same person's session, sent to the other process.
fn on(other: &TestApp, u: &User) -> User {
    User {
        base: other.url(""),
        ..u.clone()
    }
}

/// Waits (at most 2 s — far below the cache's 30 s) until `path` answers `status`.
async fn answers(u: &User, path: &str, status: u16) {
    wait_until(
        std::time::Duration::from_secs(2),
        &format!("{path} answers {status}"),
        || async { u.get(path).await.status().as_u16() == status },
    )
    .await;
}

backend_test! {
    async fn a_change_in_one_process_is_seen_by_the_other(backend) {
        let smtp = MailServer::start();
        let a = TestApp::spawn_with(backend.clone(), options(&smtp, None)).await;
        let url = a.app.settings.database_url.expose_secret().to_owned();
        let dir = a.data_dir().display().to_string();
        let b = TestApp::spawn_with(backend.clone(), options(&smtp, Some((url, dir)))).await;
        let admin = staff_user(&a, "admin@kabinet.ru", "admin").await;

        // Signing out in A: B refuses the session.
        let u = register_user(&a, &smtp, "one@example.ru").await;
        let u_b = on(&b, &u);
        u_b.json("/api/v1/session").await;
        u_b.json("/api/v1/session").await;
        let res = u.c.delete(a.url("/api/v1/session")).header("X-CSRF-Token", &u.csrf).send().await.unwrap();
        assert_eq!(res.status(), 204);
        answers(&u_b, "/api/v1/session", 401).await;

        // Blocking the account in A: B refuses it.
        let v = register_user(&a, &smtp, "two@example.ru").await;
        let v_b = on(&b, &v);
        let id = v_b.json("/api/v1/session").await["account_id"].as_str().unwrap().to_owned();
        v_b.json("/api/v1/applications").await;
        assert_eq!(admin.post(&format!("/api/v1/staff/accounts/{id}/block"), json!({ "reason": "Компрометация" })).await.status(), 200);
        answers(&v_b, "/api/v1/applications", 401).await;

        if let TestBackend::Postgres(_) = backend {
            // B really keeps sessions: a deletion PostgreSQL does not announce goes
            // unnoticed until it is announced — the notification is what keeps it right.
            let w = register_user(&a, &smtp, "three@example.ru").await;
            let w_b = on(&b, &w);
            let account = w_b.json("/api/v1/session").await["account_id"].as_str().unwrap().to_owned();
            w_b.json("/api/v1/session").await;
            let mut conn = a.app.store.acquire().await.unwrap();
            sqlx::raw_sql("ALTER TABLE sessions DISABLE TRIGGER sessions_notify").execute(&mut *conn).await.unwrap();
            sqlx::query("DELETE FROM sessions WHERE account_id = $1").bind(&account).execute(&mut *conn).await.unwrap();
            sqlx::raw_sql("ALTER TABLE sessions ENABLE TRIGGER sessions_notify").execute(&mut *conn).await.unwrap();
            assert_eq!(w_b.get("/api/v1/session").await.status(), 200, "served from B's cache");
            sqlx::query("SELECT pg_notify('kabinet_sessions', $1)").bind(&account).execute(&mut *conn).await.unwrap();
            answers(&w_b, "/api/v1/session", 401).await;
            // Pages never use the cache.
            assert_eq!(w_b.get("/profile").await.status(), 303);
        }
        b.stop().await;
        a.stop().await;
    }
}

backend_test! {
    async fn reads_survive_the_database_dropping_every_connection(backend) {
        // A PostgreSQL restart (or a network cut) closes every connection a process
        // holds — the pool's, the held readers', the listener's. The next reads must
        // still answer: a lost held connection is replaced and the read tried again.
        let smtp = MailServer::start();
        let app = TestApp::spawn_with(backend.clone(), options(&smtp, None)).await;
        kabinet_app::catalog::import_demo(&app.app).await.unwrap();
        let u = register_user(&app, &smtp, "restart@example.ru").await;
        let res = u
            .post(
                "/api/v1/applications",
                json!({ "service_id": "appeal-question", "fields": { "topic": "service", "question": "Когда будет готово решение по заявлению?" } }),
            )
            .await;
        assert_eq!(res.status(), 201);
        let id = res.json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/applications/{id}");
        // Warm every held reader (eight by default) and the session cache.
        for _ in 0..20 {
            assert_eq!(u.get(&path).await.status(), 200);
        }
        if let TestBackend::Postgres(_) = backend {
            use sqlx::Connection;
            let url = app.app.settings.database_url.expose_secret().to_owned();
            let mut own = sqlx::postgres::PgConnection::connect(&url).await.unwrap();
            let dropped: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid()) t",
            )
            .fetch_one(&mut own)
            .await
            .unwrap();
            assert!(dropped >= 2, "the process's connections were dropped ({dropped})");
        }
        for i in 0..20 {
            let res = u.get(&path).await;
            assert_eq!(res.status(), 200, "read {i} after the connections were dropped");
            assert_eq!(u.get("/api/v1/session").await.status(), 200, "session {i}");
        }
        app.stop().await;
    }
}
