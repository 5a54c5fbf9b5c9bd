//! Test support: the real kabinet server on port 0 with a fresh database — SQLite in a
//! temporary directory, or a fresh PostgreSQL database when `KABINET_TEST_PG` names a
//! server — a cookie-keeping HTTP client, a real SMTP server and an SMS gateway
//! stand-in that capture what kabinet sends. No sleeping: the server is bound before
//! `spawn` returns, and what the worker does in its own time is waited for as a
//! condition ([`wait_until`], [`wait_for`], [`TestApp::outbox_drained`]).
#![forbid(unsafe_code)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod people;
mod pg;
pub mod registry;
pub mod sms;
pub mod smtp;
pub mod tls;
pub mod wait;

use std::net::SocketAddr;
use std::sync::Arc;

use kabinet::server::{self, Server};
use kabinet_app::{App, Clock, ManualClock, Settings, SystemClock};
use time::macros::datetime;

pub use pg::PgDatabase;
pub use registry::{KnownPerson, RegistryStub};
pub use sms::SmsGatewayStub;
pub use smtp::{MailServer, ReceivedMail, first_code};
pub use wait::{WAIT, wait_for, wait_until};

/// Which database a test runs on.
#[derive(Clone, Debug)]
pub enum TestBackend {
    /// A fresh SQLite file in a temporary directory.
    Sqlite,
    /// A fresh database on the PostgreSQL server at this URL.
    Postgres(String),
}

impl TestBackend {
    /// PostgreSQL when `KABINET_TEST_PG` is set. Without it the PostgreSQL variant of a
    /// test is ignored locally (see [`backend_test!`]; run anyway, it returns with a
    /// note) and fails in CI (`CI=true`).
    pub fn postgres() -> Option<TestBackend> {
        match std::env::var("KABINET_TEST_PG") {
            Ok(url) if !url.is_empty() => Some(TestBackend::Postgres(url)),
            _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
                panic!("CI=true but KABINET_TEST_PG is not set: PostgreSQL tests must run in CI")
            }
            _ => {
                eprintln!(
                    "skipped on PostgreSQL: set KABINET_TEST_PG=postgres://postgres@127.0.0.1/test"
                );
                None
            }
        }
    }

    /// `sqlite` or `postgres`, for messages.
    pub fn name(&self) -> &'static str {
        match self {
            TestBackend::Sqlite => "sqlite",
            TestBackend::Postgres(_) => "postgres",
        }
    }
}

/// Runs a test body on SQLite and on PostgreSQL: generates a module with two tests,
/// `sqlite` and `postgres`. The body sees the backend as the named variable.
///
/// Without `KABINET_TEST_PG` (and outside CI) the `postgres` test is `#[ignore]`d, so
/// `cargo test` reports it as ignored, not passed: the using package's build script
/// sets `cfg(kabinet_no_pg)` (a cfg is the package's own, and the attribute is read
/// where the macro expands — copy `crates/testkit/build.rs` into any other package
/// that uses this macro). Run with `--include-ignored` and no server, it returns early.
#[macro_export]
macro_rules! backend_test {
    ($(#[$meta:meta])* async fn $name:ident($backend:ident) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let $backend = $crate::TestBackend::Sqlite;
                $body
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(kabinet_no_pg, ignore = "PostgreSQL: set KABINET_TEST_PG=postgres://postgres@127.0.0.1/test")]
            async fn postgres() {
                let Some($backend) = $crate::TestBackend::postgres() else { return };
                $body
            }
        }
    };
}

/// How to start a test server.
#[derive(Clone, Debug, Default)]
pub struct TestOptions {
    /// Run the delivery worker inside the server.
    pub worker: bool,
    /// Start the clock at a fixed moment and let the test move it.
    pub manual_clock: bool,
    /// Load demo data.
    pub demo: bool,
    /// Further `KABINET_*` settings.
    pub env: Vec<(String, String)>,
}

impl TestOptions {
    /// The usual options of a test that registers and signs people in: the delivery
    /// worker on, mail to `smtp`, and a cheap password hash (tests hash many passwords).
    pub fn with_mail(smtp: &MailServer) -> TestOptions {
        TestOptions {
            worker: true,
            env: vec![
                ("KABINET_SMTP_URL".into(), smtp.url()),
                ("KABINET_PASSWORD_ARGON2_MEMORY_KIB".into(), "1024".into()),
                ("KABINET_PASSWORD_ARGON2_ITERATIONS".into(), "1".into()),
            ],
            ..TestOptions::default()
        }
    }
}

/// A running kabinet for one test.
pub struct TestApp {
    /// The application (use cases, store, settings) the server runs.
    pub app: App,
    /// The server's address.
    pub addr: SocketAddr,
    /// The separate metrics address, when `KABINET_METRICS_LISTEN` is set.
    pub metrics_addr: Option<SocketAddr>,
    /// A client that keeps cookies and does not follow redirects.
    pub client: reqwest::Client,
    /// The manual clock, when asked for.
    pub clock: Option<Arc<ManualClock>>,
    /// Which backend.
    pub backend: TestBackend,
    server: Option<Server>,
    dir: tempfile::TempDir,
    pg: Option<PgDatabase>,
}

impl TestApp {
    /// A server on `backend` with default options (no worker).
    pub async fn spawn(backend: TestBackend) -> TestApp {
        TestApp::spawn_with(backend, TestOptions::default()).await
    }

    /// A server on `backend` with options.
    pub async fn spawn_with(backend: TestBackend, options: TestOptions) -> TestApp {
        let dir = tempfile::tempdir().expect("temporary directory");
        let (database_url, pg) = match &backend {
            TestBackend::Sqlite => (
                format!("sqlite://{}", dir.path().join("kabinet.db").display()),
                None,
            ),
            TestBackend::Postgres(admin_url) => {
                let db = PgDatabase::create(admin_url).await;
                (db.url().to_owned(), Some(db))
            }
        };
        let mut env = vec![
            (
                "KABINET_DATA_DIR".to_owned(),
                dir.path().display().to_string(),
            ),
            ("KABINET_DATABASE_URL".to_owned(), database_url),
            ("KABINET_LISTEN".to_owned(), "127.0.0.1:0".to_owned()),
            ("KABINET_DEMO".to_owned(), options.demo.to_string()),
            ("KABINET_WORKER".to_owned(), options.worker.to_string()),
            ("KABINET_WORKER_POLL_MS".to_owned(), "50".to_owned()),
            ("KABINET_SHUTDOWN_GRACE_SECS".to_owned(), "5".to_owned()),
        ];
        env.extend(options.env.iter().cloned());
        let settings = Arc::new(Settings::load(None, env).expect("test settings"));
        let manual = options
            .manual_clock
            .then(|| Arc::new(ManualClock::new(datetime!(2026-03-12 09:00 UTC))));
        let clock: Arc<dyn Clock> = match &manual {
            Some(m) => m.clone(),
            None => Arc::new(SystemClock),
        };
        let app = server::open(settings.clone(), clock)
            .await
            .expect("open the test database");
        let listener = server::bind(settings.listen).await.expect("bind port 0");
        let server = server::start(app.clone(), listener)
            .await
            .expect("start the test server");
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        TestApp {
            app,
            addr: server.addr(),
            metrics_addr: server.metrics_addr(),
            client,
            clock: manual,
            backend,
            server: Some(server),
            dir,
            pg,
        }
    }

    /// The absolute URL of a path.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// `GET path` with the test client.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    /// Waits until the outbox has nothing left to send (no event `pending`), waking the
    /// worker meanwhile: everything committed so far has been delivered or given up.
    /// Panics after `timeout`. The server must run the worker.
    pub async fn outbox_drained(&self, timeout: std::time::Duration) {
        wait_until(timeout, "the outbox has no pending event", || async {
            self.app.outbox_wake.notify_one();
            let pending: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE status = 'pending'")
                    .fetch_one(self.app.store.pool())
                    .await
                    .expect("count pending outbox events");
            pending == 0
        })
        .await;
    }

    /// The directory holding this test's data.
    pub fn data_dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Stops the server gracefully and drops the test database.
    pub async fn stop(mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await;
        }
        if let Some(pg) = self.pg.take() {
            pg.drop_database().await;
        }
    }
}
