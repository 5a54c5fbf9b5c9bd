//! Storage on both backends: migrations all-or-nothing, the audit chain (tampering
//! detected, linear under concurrent writers), outbox claims never shared.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::HashSet;

use kabinet_store::migrate::{self, Migration};
use kabinet_store::{AuditChange, Dialect, Store, StoreOptions, audit, outbox};
use kabinet_testkit::{TestApp, backend_test};
use serde_json::json;
use time::Duration;

async fn second_pool(app: &TestApp) -> Store {
    Store::connect(app.app.settings.database_url(), &StoreOptions::default())
        .await
        .unwrap()
}

fn entry<'a>(actor: &'a str, n: usize) -> audit::NewEntry<'a> {
    audit::NewEntry {
        at: time::OffsetDateTime::now_utc(),
        actor,
        action: "test.event",
        object: "test:1",
        source: Some("127.0.0.1"),
        request_id: None,
        details: json!({ "n": n }),
    }
}

async fn append(store: &Store, actor: &str, n: usize) {
    let mut tx = store.begin().await.unwrap();
    audit::append(&mut tx, &entry(actor, n)).await.unwrap();
    tx.commit().await.unwrap();
}

async fn table_exists(store: &Store, name: &str) -> bool {
    let names: Vec<String> = sqlx::query_scalar(store.dialect().table_names_sql())
        .fetch_all(store.pool())
        .await
        .unwrap();
    names.iter().any(|n| n == name)
}

/// `NNNN_name` of every migration file on disk for a dialect, sorted.
fn migration_files(dialect: Dialect) -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../store/migrations")
        .join(dialect.name());
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .map(|p| p.file_stem().unwrap().to_str().unwrap().to_owned())
        .collect();
    files.sort();
    files
}

backend_test! {
    /// Every migration file on disk is applied to a fresh database (a file added and not
    /// picked up fails here), and both backends end at the same version.
    async fn every_migration_file_is_applied(backend) {
        let app = TestApp::spawn(backend).await;
        let store = &app.app.store;
        let on_disk = migration_files(store.dialect());
        assert!(!on_disk.is_empty());
        let rows: Vec<(i64, String)> =
            sqlx::query_as("SELECT version, name FROM kabinet_migrations ORDER BY version")
                .fetch_all(store.pool())
                .await
                .unwrap();
        let applied: Vec<String> = rows.iter().map(|(v, n)| format!("{v:04}_{n}")).collect();
        assert_eq!(applied, on_disk, "{}", store.dialect().name());
        for other in Dialect::ALL {
            assert_eq!(migration_files(other).last(), on_disk.last(), "{} and {}", store.dialect().name(), other.name());
        }
        assert!(migrate::pending(store).await.unwrap().is_empty());
        app.stop().await;
    }
}

backend_test! {
    async fn migrations_are_all_or_nothing(backend) {
        let app = TestApp::spawn(backend).await;
        let store = &app.app.store;
        let again = migrate::run(store).await.unwrap();
        assert!(again.applied.is_empty(), "a second run applies nothing");

        let mut set: Vec<Migration> = migrate::embedded(store.dialect()).to_vec();
        set.push(Migration { version: 9001, name: "good", sql: "CREATE TABLE t_good (id BIGINT PRIMARY KEY)" });
        set.push(Migration { version: 9002, name: "broken", sql: "CREATE TABLE t_bad (id BIGINT); SELECT * FROM no_such_table" });
        let err = migrate::run_set(store, &set).await.unwrap_err();
        assert!(err.to_string().contains("migration 9002 (broken) failed"), "{err}");
        assert!(!table_exists(store, "t_good").await, "the good migration of the failed run was rolled back");
        assert!(!table_exists(store, "t_bad").await);
        let embedded: Vec<i64> = migrate::embedded(store.dialect()).iter().map(|m| m.version).collect();
        assert_eq!(migrate::applied_versions(store).await.unwrap(), embedded);
        app.stop().await;
    }
}

backend_test! {
    async fn changed_migration_is_refused(backend) {
        let app = TestApp::spawn(backend).await;
        let store = &app.app.store;
        let set = [Migration { version: 1, name: "foundation", sql: "SELECT 1" }];
        let err = migrate::run_set(store, &set).await.unwrap_err();
        assert!(err.to_string().contains("was changed after it was applied"), "{err}");
        app.stop().await;
    }
}

backend_test! {
    async fn audit_chain_detects_an_edited_entry(backend) {
        let app = TestApp::spawn(backend).await;
        let store = &app.app.store;
        for n in 0..5 {
            append(store, "account:a", n).await;
        }
        let ok = audit::verify(store).await.unwrap();
        assert_eq!(ok.verified, 5);
        assert_eq!(ok.first_break, None);

        // The log refuses edits through SQL ...
        let refused = sqlx::query("UPDATE audit_log SET actor = 'account:b' WHERE seq = 3")
            .execute(store.pool())
            .await;
        assert!(refused.is_err(), "the append-only trigger must refuse updates");

        // ... and someone with the power to drop the trigger is still caught.
        let drop_trigger = store.dialect().drop_audit_guard_sql(AuditChange::Update);
        sqlx::query(drop_trigger).execute(store.pool()).await.unwrap();
        sqlx::query("UPDATE audit_log SET actor = 'account:b' WHERE seq = 3")
            .execute(store.pool())
            .await
            .unwrap();
        let broken = audit::verify(store).await.unwrap();
        assert_eq!(broken.verified, 2);
        assert_eq!(broken.first_break, Some((3, audit::Break::Hash)));
        app.stop().await;
    }
}

backend_test! {
    async fn audit_chain_detects_removed_entries(backend) {
        let app = TestApp::spawn(backend).await;
        let store = &app.app.store;
        for n in 0..4 {
            append(store, "account:a", n).await;
        }
        let drop_trigger = store.dialect().drop_audit_guard_sql(AuditChange::Delete);
        sqlx::query(drop_trigger).execute(store.pool()).await.unwrap();
        sqlx::query("DELETE FROM audit_log WHERE seq = 4").execute(store.pool()).await.unwrap();
        let cut = audit::verify(store).await.unwrap();
        assert_eq!(cut.first_break, Some((4, audit::Break::Head { head_seq: 4 })));
        sqlx::query("DELETE FROM audit_log WHERE seq = 2").execute(store.pool()).await.unwrap();
        let gap = audit::verify(store).await.unwrap();
        assert_eq!(gap.first_break, Some((3, audit::Break::Gap { expected: 2 })));
        app.stop().await;
    }
}

backend_test! {
    async fn audit_chain_stays_linear_with_two_writers(backend) {
        // Two pools stand for two kabinet processes sharing the database.
        let app = TestApp::spawn(backend).await;
        let first = app.app.store.clone();
        let second = second_pool(&app).await;
        let mut tasks = Vec::new();
        for writer in 0..8 {
            let store = if writer % 2 == 0 { first.clone() } else { second.clone() };
            tasks.push(tokio::spawn(async move {
                for n in 0..10 {
                    append(&store, &format!("account:{writer}"), n).await;
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let v = audit::verify(&first).await.unwrap();
        assert_eq!(v.first_break, None);
        assert_eq!(v.verified, 80);
        second.close().await;
        app.stop().await;
    }
}

backend_test! {
    async fn an_audit_entry_rolls_back_with_its_transaction(backend) {
        let app = TestApp::spawn(backend).await;
        let store = &app.app.store;
        let mut tx = store.begin().await.unwrap();
        audit::append(&mut tx, &entry("account:a", 1)).await.unwrap();
        outbox::enqueue(&mut tx, time::OffsetDateTime::now_utc(), "email", &json!({}), 3).await.unwrap();
        tx.rollback().await.unwrap();
        assert_eq!(audit::verify(store).await.unwrap().verified, 0);
        assert_eq!(outbox::counts(store).await.unwrap().pending, 0);
        append(store, "account:a", 2).await;
        let v = audit::verify(store).await.unwrap();
        assert_eq!((v.verified, v.first_break), (1, None));
        app.stop().await;
    }
}

backend_test! {
    async fn outbox_claims_are_never_shared(backend) {
        let app = TestApp::spawn(backend).await;
        let first = app.app.store.clone();
        let second = second_pool(&app).await;
        let now = time::OffsetDateTime::now_utc();
        let mut tx = first.begin().await.unwrap();
        for n in 0..40 {
            outbox::enqueue(&mut tx, now, "email", &json!({ "n": n }), 3).await.unwrap();
        }
        tx.commit().await.unwrap();
        let mut tasks = Vec::new();
        for w in 0..4 {
            let store = if w % 2 == 0 { first.clone() } else { second.clone() };
            tasks.push(tokio::spawn(async move {
                let mut got = Vec::new();
                while let Some(job) = outbox::claim(&store, now, Duration::minutes(1), &format!("w{w}")).await.unwrap() {
                    got.push(job.id);
                }
                got
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        let unique: HashSet<_> = all.iter().collect();
        assert_eq!(all.len(), 40, "every event claimed once");
        assert_eq!(unique.len(), 40, "no event claimed twice");
        // A lease that ran out makes the event claimable again (the worker died).
        let later = now + Duration::minutes(2);
        let again = outbox::claim(&first, later, Duration::minutes(1), "w9").await.unwrap().unwrap();
        assert_eq!(again.attempts, 2);
        second.close().await;
        app.stop().await;
    }
}
