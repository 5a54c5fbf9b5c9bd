//! The `kabinet` binary as an operator uses it: start-up failures with clear messages
//! and exit codes, migrations, `audit verify` catching tampering (with and without an
//! anchor), serve and SIGTERM.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

use kabinet_testkit::{PgDatabase, TestBackend, backend_test};

fn kabinet(dir: &std::path::Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kabinet"));
    cmd.current_dir(dir)
        .args(args)
        .env("KABINET_LOG_LEVEL", "warn");
    for (k, _) in std::env::vars() {
        if k.starts_with("KABINET_") && k != "KABINET_TEST_PG" {
            cmd.env_remove(k);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run kabinet")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn a_bad_value_names_the_key_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = kabinet(dir.path(), &[("KABINET_LISTEN", "somewhere")], &["serve"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("KABINET_LISTEN: \"somewhere\" is not an address"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");

    std::fs::write(
        dir.path().join("k.toml"),
        "listen = \"127.0.0.1:0\"\nworker_poll_ms = \"often\"\n",
    )
    .unwrap();
    let out = kabinet(dir.path(), &[], &["--config", "k.toml", "serve"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("`worker_poll_ms` in k.toml"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_unreachable_database_names_the_target_without_its_password() {
    let dir = tempfile::tempdir().unwrap();
    let out = kabinet(
        dir.path(),
        &[(
            "KABINET_DATABASE_URL",
            "postgres://kab:hunter2@127.0.0.1:1/kab",
        )],
        &["serve"],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("cannot connect to the database at postgres://kab:***@127.0.0.1:1/kab"),
        "{err}"
    );
    assert!(
        !err.contains("hunter2") && !err.contains("panicked"),
        "{err}"
    );
}

#[test]
fn config_show_redacts_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let out = kabinet(
        dir.path(),
        &[("KABINET_SMTP_URL", "smtp://u:topsecret@relay:25")],
        &["config", "show"],
    );
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(
        text.contains("smtp://u:***@relay:25") && !text.contains("topsecret"),
        "{text}"
    );
}

fn database_url(backend: &TestBackend, dir: &std::path::Path) -> (String, Option<PgDatabase>) {
    match backend {
        TestBackend::Sqlite => (format!("sqlite://{}", dir.join("k.db").display()), None),
        TestBackend::Postgres(admin) => {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let db = rt.block_on(PgDatabase::create(admin));
            (db.url().to_owned(), Some(db))
        }
    }
}

fn tamper(url: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = kabinet_store::Store::connect(url, &Default::default())
            .await
            .unwrap();
        let drop_trigger = store
            .dialect()
            .drop_audit_guard_sql(kabinet_store::AuditChange::Update);
        sqlx::query(drop_trigger)
            .execute(store.pool())
            .await
            .unwrap();
        sqlx::query("UPDATE audit_log SET details = '{\"channel\":\"sms\"}' WHERE seq = 2")
            .execute(store.pool())
            .await
            .unwrap();
        store.close().await;
    });
}

fn migrate_and_verify(backend: TestBackend) {
    let dir = tempfile::tempdir().unwrap();
    let (url, _db) = database_url(&backend, dir.path());
    let env = [("KABINET_DATABASE_URL", url.as_str())];
    let out = kabinet(dir.path(), &env, &["migrate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Every migration file of the backend, in order (the list is generated from them).
    let folder =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../store/migrations/sqlite");
    let files = std::fs::read_dir(folder).unwrap().count();
    let all: Vec<String> = (1..=files).map(|v| v.to_string()).collect();
    let applied = format!("Applied migrations [{}]", all.join(", "));
    assert!(
        stdout(&out).contains(&applied),
        "{applied} in {}",
        stdout(&out)
    );
    let out = kabinet(dir.path(), &env, &["migrate"]);
    assert!(stdout(&out).contains("is up to date"));

    for to in ["a@example.ru", "b@example.ru", "c@example.ru"] {
        let out = kabinet(dir.path(), &env, &["notify", "test", "--email", to]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let out = kabinet(dir.path(), &env, &["notify", "test", "--email", "nonsense"]);
    assert_eq!(out.status.code(), Some(2));
    let out = kabinet(dir.path(), &env, &["audit", "verify"]);
    assert!(out.status.success());
    assert!(
        stdout(&out).contains("Audit log intact: 3 entries verified."),
        "{}",
        stdout(&out)
    );

    tamper(&url);
    let out = kabinet(dir.path(), &env, &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stdout(&out).contains("AUDIT LOG BROKEN at entry 2: its content does not match its hash"),
        "{}",
        stdout(&out)
    );
}

/// Cuts the newest audit entries off and moves the head back to what is left: a
/// sound, shorter chain.
fn cut_tail(url: &str, keep: i64) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = kabinet_store::Store::connect(url, &Default::default())
            .await
            .unwrap();
        let drop_trigger = store
            .dialect()
            .drop_audit_guard_sql(kabinet_store::AuditChange::Delete);
        sqlx::query(drop_trigger)
            .execute(store.pool())
            .await
            .unwrap();
        sqlx::query("DELETE FROM audit_log WHERE seq > $1")
            .bind(keep)
            .execute(store.pool())
            .await
            .unwrap();
        sqlx::query(
            "UPDATE audit_head SET seq = $1, hash = (SELECT hash FROM audit_log WHERE seq = $1) WHERE id = 1",
        )
        .bind(keep)
        .execute(store.pool())
        .await
        .unwrap();
        store.close().await;
    });
}

/// `audit anchor` and `audit verify --anchor` (issue 15 F11): appending after an
/// anchor is fine; a cut tail that plain `verify` cannot see is caught; an altered
/// anchor is refused on its own.
fn anchor_and_verify(backend: TestBackend) {
    let dir = tempfile::tempdir().unwrap();
    let (url, _db) = database_url(&backend, dir.path());
    let data = dir.path().display().to_string();
    let env = [
        ("KABINET_DATABASE_URL", url.as_str()),
        ("KABINET_DATA_DIR", data.as_str()),
    ];
    let notify = |n: usize| {
        for _ in 0..n {
            let out = kabinet(
                dir.path(),
                &env,
                &["notify", "test", "--email", "a@example.ru"],
            );
            assert!(out.status.success(), "{}", stderr(&out));
        }
    };
    let out = kabinet(dir.path(), &env, &["migrate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    notify(3);
    let out = kabinet(dir.path(), &env, &["audit", "anchor", "--out", "a.json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("3 entries, newest 3"),
        "{}",
        stdout(&out)
    );
    // Printed: one line of JSON.
    let out = kabinet(dir.path(), &env, &["audit", "anchor"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let line: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(line["entries"], 3);
    assert_eq!(line["seq"], 3);
    assert_eq!(line["hash"].as_str().unwrap().len(), 64);
    assert_eq!(line["signature"].as_str().unwrap().len(), 64);

    notify(1);
    let out = kabinet(dir.path(), &env, &["audit", "verify", "--anchor", "a.json"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains("4 entries verified; it still holds entry 3"),
        "{}",
        stdout(&out)
    );
    let out = kabinet(dir.path(), &env, &["audit", "anchor", "--out", "b.json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    notify(2);

    // The tail (entries 4–6) cut and the head moved back: plain verify sees nothing…
    cut_tail(&url, 3);
    let out = kabinet(dir.path(), &env, &["audit", "verify"]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(stdout(&out).contains("Audit log intact: 3 entries verified."));
    // …the anchor taken at 4 entries does.
    let out = kabinet(dir.path(), &env, &["audit", "verify", "--anchor", "b.json"]);
    assert_eq!(out.status.code(), Some(3), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("AUDIT LOG SHORTER THAN ITS ANCHOR")
            && stdout(&out).contains("recorded 4 entries ending with entry 4, the log holds 3"),
        "{}",
        stdout(&out)
    );
    // The older anchor still holds.
    let out = kabinet(dir.path(), &env, &["audit", "verify", "--anchor", "a.json"]);
    assert!(out.status.success(), "{}", stdout(&out));

    // An anchor moved back to fit the cut log is refused by its signature.
    let b = std::fs::read_to_string(dir.path().join("b.json")).unwrap();
    let forged = b
        .replace("\"entries\":4", "\"entries\":3")
        .replace("\"seq\":4", "\"seq\":3");
    assert_ne!(forged, b);
    std::fs::write(dir.path().join("forged.json"), forged).unwrap();
    let out = kabinet(
        dir.path(),
        &env,
        &["audit", "verify", "--anchor", "forged.json"],
    );
    assert_eq!(out.status.code(), Some(4), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("AUDIT ANCHOR REJECTED") && stdout(&out).contains("signature"),
        "{}",
        stdout(&out)
    );
    std::fs::write(dir.path().join("junk.json"), "not an anchor").unwrap();
    let out = kabinet(
        dir.path(),
        &env,
        &["audit", "verify", "--anchor", "junk.json"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not an audit anchor"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn audit_anchor_catches_a_cut_tail_sqlite() {
    anchor_and_verify(TestBackend::Sqlite);
}

#[test]
#[cfg_attr(
    kabinet_no_pg,
    ignore = "PostgreSQL: set KABINET_TEST_PG=postgres://postgres@127.0.0.1/test"
)]
fn audit_anchor_catches_a_cut_tail_postgres() {
    if let Some(pg) = TestBackend::postgres() {
        anchor_and_verify(pg);
    }
}

/// `applications verify-parts`: the view kept in each application's row (ADR 0008) is
/// compared with the tables; one broken by hand is found (exit 3), rewritten with
/// `--repair` (audited), and then agrees.
fn verify_parts(backend: TestBackend) {
    let dir = tempfile::tempdir().unwrap();
    let (url, _db) = database_url(&backend, dir.path());
    let env = [("KABINET_DATABASE_URL", url.as_str())];
    let targets = dir.path().join("targets.txt");
    let targets = targets.to_str().unwrap();
    let args = [
        "bench",
        "seed",
        "--users",
        "3",
        "--per-user",
        "2",
        "--sessions",
        "1",
        "--heavy",
        "2",
        "--targets",
        targets,
    ];
    let out = kabinet(dir.path(), &env, &args);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = kabinet(dir.path(), &env, &["applications", "verify-parts"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Checked 6 applications: 0 differed from the tables."),
        "{}",
        stdout(&out)
    );

    let broken = std::fs::read_to_string(dir.path().join("targets.txt")).unwrap();
    let broken = broken
        .lines()
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .to_owned();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let sql = |q: &'static str| {
        rt.block_on(async {
            let store = kabinet_store::Store::connect(&url, &Default::default())
                .await
                .unwrap();
            let n: i64 = sqlx::query_scalar(q)
                .bind(&broken)
                .fetch_one(store.pool())
                .await
                .unwrap();
            store.close().await;
            n
        })
    };
    assert_eq!(
        sql("SELECT COUNT(*) FROM applications WHERE id = $1 AND parts <> ''"),
        1
    );
    rt.block_on(async {
        let store = kabinet_store::Store::connect(&url, &Default::default())
            .await
            .unwrap();
        sqlx::query("UPDATE applications SET parts = '{\"t\":\"e\"' WHERE id = $1")
            .bind(&broken)
            .execute(store.pool())
            .await
            .unwrap();
        store.close().await;
    });
    let out = kabinet(dir.path(), &env, &["applications", "verify-parts"]);
    assert_eq!(out.status.code(), Some(3), "{}", stdout(&out));
    assert!(
        stdout(&out).contains(&format!("differs: application {broken}")),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("Checked 6 applications: 1 differed from the tables."),
        "{}",
        stdout(&out)
    );
    let out = kabinet(
        dir.path(),
        &env,
        &["applications", "verify-parts", "--repair"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("1 differed from the tables and were rewritten"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        sql(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'application.parts_repaired' AND object = 'application:' || $1"
        ),
        1
    );
    let out = kabinet(dir.path(), &env, &["applications", "verify-parts"]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(stdout(&out).contains("0 differed"), "{}", stdout(&out));
}

#[test]
fn applications_verify_parts_sqlite() {
    verify_parts(TestBackend::Sqlite);
}

#[test]
#[cfg_attr(
    kabinet_no_pg,
    ignore = "PostgreSQL: set KABINET_TEST_PG=postgres://postgres@127.0.0.1/test"
)]
fn applications_verify_parts_postgres() {
    if let Some(pg) = TestBackend::postgres() {
        verify_parts(pg);
    }
}

#[test]
fn migrate_notify_and_audit_verify_sqlite() {
    migrate_and_verify(TestBackend::Sqlite);
}

#[test]
#[cfg_attr(
    kabinet_no_pg,
    ignore = "PostgreSQL: set KABINET_TEST_PG=postgres://postgres@127.0.0.1/test"
)]
fn migrate_notify_and_audit_verify_postgres() {
    if let Some(pg) = TestBackend::postgres() {
        migrate_and_verify(pg);
    }
}

backend_test! {
    async fn serve_prints_its_address_and_stops_on_sigterm(backend) {
        let dir = tempfile::tempdir().unwrap();
        let (url, _db) = match &backend {
            TestBackend::Sqlite => (format!("sqlite://{}", dir.path().join("k.db").display()), None),
            TestBackend::Postgres(admin) => {
                let db = PgDatabase::create(admin).await;
                (db.url().to_owned(), Some(db))
            }
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_kabinet"))
            .current_dir(dir.path())
            .arg("serve")
            .env("KABINET_DATABASE_URL", &url)
            .env("KABINET_LISTEN", "127.0.0.1:0")
            .env("KABINET_LOG_LEVEL", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let base = line
            .strip_prefix("kabinet is running at ")
            .and_then(|l| l.split_whitespace().next())
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        // reqwest speaks TLS through rustls with the provider kabinet installs.
        kabinet_app::http::install_tls_provider();
        let health = reqwest::get(format!("{base}healthz")).await.unwrap();
        assert_eq!(health.status(), 200);
        let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
        assert!(status.success());
        let exit = child.wait().unwrap();
        assert!(exit.success(), "graceful shutdown exits 0, got {exit:?}");
    }
}

#[test]
fn staff_create_prints_the_one_time_password_last() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("k.db").display());
    let env = [("KABINET_DATABASE_URL", url.as_str())];
    let out = kabinet(
        dir.path(),
        &env,
        &[
            "staff",
            "create",
            "--email",
            "admin@kabinet.ru",
            "--role",
            "admin",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let last = text.lines().last().unwrap();
    assert_eq!(last.len(), 23, "{text}");
    assert!(!stderr(&out).contains(last), "the password is not logged");
    let out = kabinet(
        dir.path(),
        &env,
        &[
            "staff",
            "create",
            "--email",
            "admin@kabinet.ru",
            "--role",
            "admin",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("already has an account"));
    let out = kabinet(
        dir.path(),
        &env,
        &[
            "staff",
            "create",
            "--email",
            "x@kabinet.ru",
            "--role",
            "root",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("Неизвестная роль"),
        "{}",
        stderr(&out)
    );
}

fn catalog_import(backend: TestBackend) {
    let dir = tempfile::tempdir().unwrap();
    let (url, pg) = database_url(&backend, dir.path());
    let env = [
        ("KABINET_DATABASE_URL", url.as_str()),
        ("KABINET_DATA_DIR", "data"),
    ];
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog");
    let cat = dir.path().join("catalog");
    std::fs::create_dir(&cat).unwrap();
    for entry in std::fs::read_dir(&source).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, cat.join(p.file_name().unwrap())).unwrap();
    }
    let out = kabinet(dir.path(), &env, &["catalog", "import", "catalog"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Imported 11 services (11 new versions), 14 calendar days."),
        "{}",
        stdout(&out)
    );
    let out = kabinet(dir.path(), &env, &["catalog", "import", "catalog"]);
    assert!(
        stdout(&out).contains("(0 new versions)"),
        "unchanged: {}",
        stdout(&out)
    );

    // One changed definition and one broken one: nothing is imported, both files named.
    let changed = cat.join("notary-copy.toml");
    let text = std::fs::read_to_string(&changed)
        .unwrap()
        .replace("processing_days = 1", "processing_days = 2");
    std::fs::write(&changed, text).unwrap();
    std::fs::write(
        cat.join("zz-broken.toml"),
        "id = \"broken\"\nsection = \"Налоги\"\ntitle = 42\n",
    )
    .unwrap();
    let out = kabinet(dir.path(), &env, &["catalog", "import", "catalog"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("zz-broken.toml:3:"), "{err}");
    assert!(err.contains("nothing was imported"), "{err}");
    std::fs::remove_file(cat.join("zz-broken.toml")).unwrap();
    let out = kabinet(dir.path(), &env, &["catalog", "import", "catalog"]);
    assert!(
        stdout(&out).contains("(1 new versions)"),
        "{}",
        stdout(&out)
    );
    let out = kabinet(dir.path(), &env, &["catalog", "import", "no-such-dir"]);
    assert_eq!(out.status.code(), Some(2));
    if let Some(pg) = pg {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(pg.drop_database());
    }
}

#[test]
fn catalog_import_sqlite() {
    catalog_import(TestBackend::Sqlite);
}

#[test]
#[cfg_attr(
    kabinet_no_pg,
    ignore = "PostgreSQL: set KABINET_TEST_PG=postgres://postgres@127.0.0.1/test"
)]
fn catalog_import_postgres() {
    if let Some(pg) = TestBackend::postgres() {
        catalog_import(pg);
    }
}

/// Every problem of a catalog is reported, counted with the right plural in English
/// and Russian (issue 16: it said «1 problems» after the first one).
fn catalog_import_reports_every_problem(backend: TestBackend) {
    let dir = tempfile::tempdir().unwrap();
    let (url, pg) = database_url(&backend, dir.path());
    let env = [
        ("KABINET_DATABASE_URL", url.as_str()),
        ("KABINET_DATA_DIR", "data"),
    ];
    let cat = dir.path().join("catalog");
    std::fs::create_dir(&cat).unwrap();
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog");
    let valid = std::fs::read_to_string(source.join("notary-copy.toml")).unwrap();
    // Two wrong values in one file: both reported.
    let broken = valid
        .replacen(
            "title = \"Свидетельствование верности копии документа\"",
            "title = 42",
            1,
        )
        .replace("processing_days = 1", "processing_days = \"один\"");
    std::fs::write(cat.join("notary-copy.toml"), &broken).unwrap();
    let out = kabinet(dir.path(), &env, &["catalog", "import", "catalog"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("notary-copy.toml:3:"), "{err}");
    assert!(err.contains("notary-copy.toml:11:"), "{err}");
    assert!(
        err.contains("2 problems; nothing was imported (2 проблемы; ничего не импортировано)"),
        "{err}"
    );
    // One: singular in both languages.
    std::fs::write(
        cat.join("notary-copy.toml"),
        valid.replace("processing_days = 1", "processing_days = \"один\""),
    )
    .unwrap();
    let err = stderr(&kabinet(
        dir.path(),
        &env,
        &["catalog", "import", "catalog"],
    ));
    assert!(
        err.contains("1 problem; nothing was imported (1 проблема; ничего не импортировано)"),
        "{err}"
    );
    // Five, in two files.
    std::fs::write(cat.join("notary-copy.toml"), &broken).unwrap();
    std::fs::write(
        cat.join("other.toml"),
        valid
            .replace("id = \"notary-copy\"", "id = \"notary-other\"")
            .replace("level = \"simplified\"", "level = \"gold\"")
            .replacen(
                "title = \"Свидетельствование верности копии документа\"",
                "title = 1",
                1,
            )
            .replace("processing_days = 1", "processing_days = 0"),
    )
    .unwrap();
    let err = stderr(&kabinet(
        dir.path(),
        &env,
        &["catalog", "import", "catalog"],
    ));
    assert!(
        err.contains("5 problems; nothing was imported (5 проблем; ничего не импортировано)"),
        "{err}"
    );
    if let Some(pg) = pg {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(pg.drop_database());
    }
}

#[test]
fn catalog_import_reports_every_problem_sqlite() {
    catalog_import_reports_every_problem(TestBackend::Sqlite);
}

#[test]
fn catalog_import_reports_every_problem_postgres() {
    if let Some(pg) = TestBackend::postgres() {
        catalog_import_reports_every_problem(pg);
    }
}
