//! When PostgreSQL goes away under a running kabinet, requests are `503` with
//! `Retry-After` (problem+json in the API, a page elsewhere) and readiness says so — not
//! «stored data is inconsistent» or a bare 500; when it is back, kabinet serves again
//! without a restart. (PostgreSQL only: an embedded SQLite file cannot go away.)
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use kabinet_testkit::{TestApp, TestBackend, wait_until};
use sqlx::Connection;
use std::time::Duration;

/// Closes (`false`) or reopens (`true`) the test's database to new connections and ends
/// the ones open now, as a failover or a restart of the server would.
async fn set_reachable(admin_url: &str, database: &str, reachable: bool) {
    let mut conn = sqlx::postgres::PgConnection::connect(admin_url)
        .await
        .unwrap();
    let flag = if reachable { "true" } else { "false" };
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "ALTER DATABASE {database} WITH ALLOW_CONNECTIONS {flag}"
    )))
    .execute(&mut conn)
    .await
    .unwrap();
    if !reachable {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}' AND pid <> pg_backend_pid()"
        )))
        .execute(&mut conn)
        .await
        .unwrap();
    }
    conn.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    kabinet_no_pg,
    ignore = "PostgreSQL: set KABINET_TEST_PG=postgres://postgres@127.0.0.1/test"
)]
async fn a_lost_database_is_503_with_retry_after() {
    let Some(backend) = TestBackend::postgres() else {
        return;
    };
    let TestBackend::Postgres(admin_url) = backend.clone() else {
        unreachable!()
    };
    let app = TestApp::spawn(backend).await;
    let url = app.app.settings.database_url().to_owned();
    let database = url
        .rsplit('/')
        .next()
        .and_then(|tail| tail.split('?').next())
        .unwrap()
        .to_owned();
    assert_eq!(app.get("/readyz").await.status(), 200);
    assert_eq!(app.get("/api/v1/services").await.status(), 200);

    set_reachable(&admin_url, &database, false).await;
    // The API: a problem, 503, Retry-After; whatever the pool had open is gone.
    wait_until(Duration::from_secs(20), "the API answers 503", || async {
        app.get("/api/v1/services").await.status() == 503
    })
    .await;
    let res = app.get("/api/v1/services").await;
    assert_eq!(res.status(), 503);
    assert!(res.headers().contains_key("retry-after"));
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let problem: serde_json::Value = res.json().await.unwrap();
    assert_eq!(
        problem["type"], "urn:kabinet:problem:unavailable",
        "{problem}"
    );
    // A page: 503 with the Russian page, not a 500.
    let res = app.get("/services").await;
    assert_eq!(res.status(), 503);
    assert!(res.headers().contains_key("retry-after"));
    let html = res.text().await.unwrap();
    assert!(html.contains("lang=\"ru\""), "{html}");
    // Readiness says so.
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 503);

    // Back: served again, without a restart.
    set_reachable(&admin_url, &database, true).await;
    wait_until(
        Duration::from_secs(20),
        "the API answers 200 again",
        || async { app.get("/api/v1/services").await.status() == 200 },
    )
    .await;
    assert_eq!(app.get("/readyz").await.status(), 200);
    tokio::time::timeout(Duration::from_secs(30), app.stop())
        .await
        .expect("stops");
}
