//! Limits on uploaded files (issue 15 F10) on both backends: files per application,
//! their total size, everything one account uploads; over a limit the API answers 422
//! naming it, the page shows it, nothing is written, and parallel uploads cannot all
//! slip under it.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use kabinet_testkit::people::{User, register_user as register};
use kabinet_testkit::{MailServer, TestApp, TestOptions, backend_test};
use serde_json::{Value, json};

fn pdf(len: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.resize(len.max(16), b' ');
    bytes
}

async fn draft(u: &User) -> String {
    let res = u
        .post(
            "/api/v1/applications",
            json!({ "service_id": "appeal-question" }),
        )
        .await;
    assert_eq!(res.status(), 201);
    res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn attach(u: &User, id: &str, bytes: Vec<u8>) -> (u16, Value) {
    let res = u
        .upload(
            &format!("/api/v1/applications/{id}/attachments"),
            "",
            "a.pdf",
            bytes,
        )
        .await;
    let status = res.status().as_u16();
    (status, res.json::<Value>().await.unwrap_or(Value::Null))
}

fn stored_files(app: &TestApp) -> usize {
    std::fs::read_dir(app.data_dir().join("files")).map_or(0, |d| d.count())
}

fn refusal(body: &Value) -> String {
    assert_eq!(body["errors"][0]["field"], "file", "{body}");
    body["errors"][0]["message"].as_str().unwrap().to_owned()
}

backend_test! {
    async fn files_per_application_and_per_person_are_limited(backend) {
        let smtp = MailServer::start();
        let app = TestApp::spawn_with(backend, TestOptions {
            worker: true,
            env: vec![
                ("KABINET_SMTP_URL".into(), smtp.url()),
                ("KABINET_PASSWORD_ARGON2_MEMORY_KIB".into(), "1024".into()),
                ("KABINET_PASSWORD_ARGON2_ITERATIONS".into(), "1".into()),
                ("KABINET_FILES_MAX_PER_APPLICATION".into(), "3".into()),
                ("KABINET_FILES_MAX_TOTAL_MB_PER_APPLICATION".into(), "1".into()),
                ("KABINET_FILES_MAX_TOTAL_MB_PER_OWNER".into(), "2".into()),
            ],
            ..TestOptions::default()
        }).await;
        kabinet_app::catalog::import_demo(&app.app).await.unwrap();
        let u = register(&app, &smtp, "limits@example.ru").await;

        // Three files, then the fourth is refused, naming the limit; nothing written.
        let a = draft(&u).await;
        for _ in 0..3 {
            assert_eq!(attach(&u, &a, pdf(100)).await.0, 201);
        }
        let before = stored_files(&app);
        let (status, body) = attach(&u, &a, pdf(100)).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(refusal(&body), "Можно приложить не больше 3 файлов к заявлению");
        assert_eq!(stored_files(&app), before);
        assert_eq!(u.json(&format!("/api/v1/applications/{a}")).await["files"].as_array().unwrap().len(), 3);

        // The page shows it at the form.
        let form = reqwest::multipart::Form::new()
            .text("csrf_token", u.csrf.clone())
            .text("kind", "other")
            .part("file", reqwest::multipart::Part::bytes(pdf(100)).file_name("b.pdf"));
        let res = u.c.post(app.url(&format!("/applications/{a}/documents"))).multipart(form).send().await.unwrap();
        assert_eq!(res.status(), 422);
        let html = res.text().await.unwrap();
        assert!(html.contains("Можно приложить не больше 3 файлов к заявлению"), "{html}");
        assert_eq!(stored_files(&app), before);

        // Six at once on a fresh application: exactly three get in.
        let b = draft(&u).await;
        let results = futures_join(&u, &b, 6).await;
        assert_eq!(results.iter().filter(|s| **s == 201).count(), 3, "{results:?}");
        assert!(results.iter().all(|s| *s == 201 || *s == 422), "{results:?}");
        assert_eq!(u.json(&format!("/api/v1/applications/{b}")).await["files"].as_array().unwrap().len(), 3);

        // The total size per application: 1 MiB.
        let c = draft(&u).await;
        assert_eq!(attach(&u, &c, pdf(700 * 1024)).await.0, 201);
        let (status, body) = attach(&u, &c, pdf(700 * 1024)).await;
        assert_eq!(status, 422, "{body}");
        assert!(refusal(&body).contains("не больше 1 МБ"), "{body}");

        // Everything the person uploads: 2 MiB (1400 KiB and a bit are taken after d).
        let d = draft(&u).await;
        assert_eq!(attach(&u, &d, pdf(700 * 1024)).await.0, 201);
        let e = draft(&u).await;
        let before = stored_files(&app);
        let (status, body) = attach(&u, &e, pdf(700 * 1024)).await;
        assert_eq!(status, 422, "{body}");
        assert!(refusal(&body).contains("Все ваши загруженные файлы вместе могут занимать не больше 2 МБ"), "{body}");
        assert_eq!(stored_files(&app), before);
        // Small ones still fit.
        assert_eq!(attach(&u, &e, pdf(100)).await.0, 201);
        app.stop().await;
    }
}

/// `n` uploads to one application at the same moment; their statuses.
async fn futures_join(u: &User, id: &str, n: usize) -> Vec<u16> {
    let mut tasks = Vec::new();
    for _ in 0..n {
        let u = u.clone();
        let id = id.to_owned();
        tasks.push(tokio::spawn(
            async move { attach(&u, &id, pdf(100)).await.0 },
        ));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}
