//! Delivery through the outbox over real SMTP and the SMS gateway protocol, on both
//! backends: exactly once after a restart, retries with back-off, dead letters.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Duration as StdDuration;

use kabinet_app::notify::{Mailer, Outcome, SmsGateway, Worker};
use kabinet_app::ops::{self, TestTarget};
use kabinet_app::{AppError, Ctx};
use kabinet_store::audit;
use kabinet_store::outbox::{self, Status};
use kabinet_testkit::{MailServer, SmsGatewayStub, TestApp, TestOptions, backend_test};
use time::Duration;

fn options(env: &[(&str, String)], worker: bool, manual_clock: bool) -> TestOptions {
    TestOptions {
        worker,
        manual_clock,
        env: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
        ..TestOptions::default()
    }
}

fn worker_for(app: &TestApp) -> Worker {
    let mailer = Mailer::from_settings(&app.app.settings).unwrap();
    let sms = SmsGateway::from_settings(&app.app.settings).unwrap();
    Worker::new(app.app.clone(), mailer, sms)
}

backend_test! {
    async fn queued_mail_is_delivered_once_after_the_worker_starts(backend) {
        let smtp = MailServer::start();
        // The server runs without its worker: the event waits in the outbox.
        let app = TestApp::spawn_with(backend, options(&[("KABINET_SMTP_URL", smtp.url())], false, false)).await;
        let id = ops::send_test_message(&app.app, &Ctx::cli(), TestTarget::Email(" Ivanov@Example.RU ".into()))
            .await
            .unwrap();
        assert_eq!(outbox::get(&app.app.store, id).await.unwrap().unwrap().status, Status::Pending);
        assert!(smtp.messages().is_empty());
        let entry = &audit::latest(&app.app.store, 1).await.unwrap()[0];
        assert_eq!(entry.action, "notify.test_queued");
        assert_eq!(entry.object, format!("outbox:{id}"));

        // "Restart": a worker starts and drains the outbox.
        let worker = worker_for(&app);
        assert_eq!(worker.run_once().await.unwrap(), Some((id, Outcome::Sent)));
        assert_eq!(worker.run_once().await.unwrap(), None);
        let mails = smtp.wait_for(1, StdDuration::from_secs(5)).await;
        assert_eq!(mails.len(), 1, "delivered exactly once");
        assert_eq!(mails[0].to, vec!["Ivanov@example.ru".to_owned()]);
        assert_eq!(mails[0].header("Message-ID").unwrap(), format!("<{id}@localhost>"));
        assert!(mails[0].data.contains("Subject: =?utf-8?"), "a Cyrillic subject is encoded");
        let event = outbox::get(&app.app.store, id).await.unwrap().unwrap();
        assert_eq!((event.status, event.attempts), (Status::Sent, 1));
        assert!(event.sent_at.is_some());
        app.stop().await;
    }
}

backend_test! {
    async fn the_worker_inside_serve_delivers(backend) {
        let smtp = MailServer::start();
        let app = TestApp::spawn_with(backend, options(&[("KABINET_SMTP_URL", smtp.url())], true, false)).await;
        ops::send_test_message(&app.app, &Ctx::cli(), TestTarget::Email("a@b.ru".into())).await.unwrap();
        let mails = smtp.wait_for(1, StdDuration::from_secs(10)).await;
        assert_eq!(mails.len(), 1);
        // Shutdown waits for the worker; nothing is delivered twice afterwards.
        app.stop().await;
        assert_eq!(smtp.messages().len(), 1);
    }
}

backend_test! {
    async fn a_failing_smtp_server_is_retried_with_back_off(backend) {
        let smtp = MailServer::start();
        smtp.fail_next(2);
        let app = TestApp::spawn_with(backend, options(&[
            ("KABINET_SMTP_URL", smtp.url()),
            ("KABINET_OUTBOX_BACKOFF_SECS", "30".into()),
        ], false, true)).await;
        let clock = app.clock.clone().unwrap();
        let id = ops::send_test_message(&app.app, &Ctx::cli(), TestTarget::Email("a@b.ru".into())).await.unwrap();
        let worker = worker_for(&app);

        let t0 = clock_now(&app);
        assert_eq!(worker.run_once().await.unwrap(), Some((id, Outcome::Retry(t0 + Duration::seconds(30)))));
        let failed = outbox::get(&app.app.store, id).await.unwrap().unwrap();
        assert_eq!((failed.status, failed.attempts), (Status::Pending, 1));
        assert!(failed.last_error.unwrap().contains("451"));

        // Not due yet: nothing happens.
        clock.advance(Duration::seconds(29));
        assert_eq!(worker.run_once().await.unwrap(), None);
        clock.advance(Duration::seconds(1));
        let t1 = clock_now(&app);
        assert_eq!(worker.run_once().await.unwrap(), Some((id, Outcome::Retry(t1 + Duration::seconds(60)))));
        clock.advance(Duration::seconds(60));
        assert_eq!(worker.run_once().await.unwrap(), Some((id, Outcome::Sent)));

        assert_eq!(smtp.rejected(), 2);
        assert_eq!(smtp.messages().len(), 1);
        let sent = outbox::get(&app.app.store, id).await.unwrap().unwrap();
        assert_eq!((sent.status, sent.attempts, sent.last_error), (Status::Sent, 3, None));
        app.stop().await;
    }
}

fn clock_now(app: &TestApp) -> time::OffsetDateTime {
    app.app.clock.now()
}

backend_test! {
    async fn an_event_is_dead_after_the_last_attempt(backend) {
        let smtp = MailServer::start();
        smtp.fail_next(10);
        let app = TestApp::spawn_with(backend, options(&[
            ("KABINET_SMTP_URL", smtp.url()),
            ("KABINET_OUTBOX_MAX_ATTEMPTS", "3".into()),
            ("KABINET_METRICS_LISTEN", "127.0.0.1:0".into()),
        ], false, true)).await;
        let clock = app.clock.clone().unwrap();
        let id = ops::send_test_message(&app.app, &Ctx::cli(), TestTarget::Email("a@b.ru".into())).await.unwrap();
        let worker = worker_for(&app);
        assert!(matches!(worker.run_once().await.unwrap(), Some((_, Outcome::Retry(_)))));
        clock.advance(Duration::hours(1));
        assert!(matches!(worker.run_once().await.unwrap(), Some((_, Outcome::Retry(_)))));
        clock.advance(Duration::hours(1));
        assert_eq!(worker.run_once().await.unwrap(), Some((id, Outcome::Dead)));
        clock.advance(Duration::hours(10));
        assert_eq!(worker.run_once().await.unwrap(), None, "dead events are not retried");
        let dead = outbox::get(&app.app.store, id).await.unwrap().unwrap();
        assert_eq!((dead.status, dead.attempts), (Status::Dead, 3));
        assert_eq!(outbox::counts(&app.app.store).await.unwrap().dead, 1);
        let metrics_url = format!("http://{}/metrics", app.metrics_addr.unwrap());
        let metrics = app.client.get(metrics_url).send().await.unwrap().text().await.unwrap();
        assert!(metrics.contains("kabinet_outbox_events{state=\"dead\"} 1"), "{metrics}");
        app.stop().await;
    }
}

backend_test! {
    async fn sms_goes_to_the_gateway_with_an_idempotency_key(backend) {
        let gateway = SmsGatewayStub::start().await;
        gateway.fail_next(1);
        let app = TestApp::spawn_with(backend, options(&[("KABINET_SMS_GATEWAY_URL", gateway.url())], false, true)).await;
        let clock = app.clock.clone().unwrap();
        let id = ops::send_test_message(&app.app, &Ctx::cli(), TestTarget::Phone("8 (999) 123-45-67".into())).await.unwrap();
        let worker = worker_for(&app);
        assert!(matches!(worker.run_once().await.unwrap(), Some((_, Outcome::Retry(_)))), "503 is retried");
        clock.advance(Duration::minutes(5));
        assert_eq!(worker.run_once().await.unwrap(), Some((id, Outcome::Sent)));
        let sms = gateway.messages();
        assert_eq!(sms.len(), 1);
        assert_eq!(sms[0].to, "+79991234567");
        assert_eq!(sms[0].idempotency_key.as_deref(), Some(id.to_string().as_str()));
        app.stop().await;
    }
}

backend_test! {
    async fn bad_input_writes_nothing(backend) {
        let app = TestApp::spawn(backend).await;
        let err = ops::send_test_message(&app.app, &Ctx::cli(), TestTarget::Email("not-an-address".into())).await.unwrap_err();
        let AppError::Validation(fields) = err else { panic!("expected a validation error") };
        assert_eq!(fields[0].field, "email");
        assert_eq!(outbox::counts(&app.app.store).await.unwrap(), outbox::Counts::default());
        assert_eq!(audit::verify(&app.app.store).await.unwrap().verified, 0);
        app.stop().await;
    }
}

backend_test! {
    async fn mail_waits_for_a_server_that_is_down_and_is_delivered_once_it_is_up(backend) {
        // A port nobody listens on yet.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let app = TestApp::spawn_with(backend, options(&[
            ("KABINET_SMTP_URL", format!("smtp://127.0.0.1:{port}")),
            ("KABINET_OUTBOX_BACKOFF_SECS", "30".into()),
        ], false, true)).await;
        let clock = app.clock.clone().unwrap();
        let id = ops::send_test_message(&app.app, &Ctx::cli(), TestTarget::Email("a@b.ru".into())).await.unwrap();
        let worker = worker_for(&app);
        let t0 = app.app.clock.now();
        assert_eq!(worker.run_once().await.unwrap(), Some((id, Outcome::Retry(t0 + Duration::seconds(30)))));
        let waiting = outbox::get(&app.app.store, id).await.unwrap().unwrap();
        assert_eq!((waiting.status, waiting.attempts), (Status::Pending, 1));
        assert!(waiting.last_error.is_some());

        // The server comes up; the next attempt delivers, and only once.
        let smtp = MailServer::start_at(&format!("127.0.0.1:{port}"));
        clock.advance(Duration::seconds(30));
        assert_eq!(worker.run_once().await.unwrap(), Some((id, Outcome::Sent)));
        clock.advance(Duration::hours(2));
        assert_eq!(worker.run_once().await.unwrap(), None);
        assert_eq!(smtp.messages().len(), 1);
        app.stop().await;
    }
}
