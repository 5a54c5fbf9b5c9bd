//! Brute-force limits on both backends (issue 15: F1, F2, F3, F5, F9): the second factor
//! counted per account across pending sign-ins, wrong passwords in a live session,
//! registration answering the same for every contact, a busy address slowed without
//! refusing a correct password, and the lock of an account whatever identifier was
//! typed, which its unlock does not hand back to the attacking address.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Duration as StdDuration;

use kabinet_app::clock::Clock;
use kabinet_domain::login::Contact;
use kabinet_store::{audit, throttle};
use kabinet_testkit::{
    MailServer, TestApp, TestBackend, TestOptions, WAIT, backend_test, wait_for, wait_until,
};
use serde_json::{Value, json};
use time::Duration;

const PASSWORD: &str = "тихая лодка плывёт";
const EMAIL: &str = "limits@example.ru";

async fn spawn(backend: TestBackend, smtp: &MailServer, extra: &[(&str, &str)]) -> TestApp {
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
        (
            "KABINET_TRUST_FORWARDED_HEADERS".to_owned(),
            "true".to_owned(),
        ),
    ];
    env.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    TestApp::spawn_with(
        backend,
        TestOptions {
            worker: true,
            manual_clock: true,
            env,
            ..TestOptions::default()
        },
    )
    .await
}

/// A client of its own (cookies apart) that comes from `address`.
fn client_from(address: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-forwarded-for", address.parse().unwrap());
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .unwrap()
}

async fn post(
    app: &TestApp,
    c: &reqwest::Client,
    path: &str,
    csrf: Option<&str>,
    body: Value,
) -> reqwest::Response {
    let mut req = c.post(app.url(path)).json(&body);
    if let Some(t) = csrf {
        req = req.header("X-CSRF-Token", t);
    }
    req.send().await.unwrap()
}

async fn csrf(app: &TestApp, c: &reqwest::Client) -> String {
    kabinet_testkit::people::csrf_of(app, c).await
}

async fn session_status(app: &TestApp, c: &reqwest::Client) -> u16 {
    c.get(app.url("/api/v1/session"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Registers `email` with a client from `address`; returns the client (signed in) and
/// the account id.
async fn register(
    app: &TestApp,
    smtp: &MailServer,
    email: &str,
    address: &str,
) -> (reqwest::Client, String) {
    let c = client_from(address);
    let n = smtp.messages().len();
    let res = post(
        app,
        &c,
        "/api/v1/registrations",
        None,
        json!({ "contact": email, "password": PASSWORD }),
    )
    .await;
    assert_eq!(res.status(), 202);
    let id = res.json::<Value>().await.unwrap()["registration_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let code = smtp.wait_for(n + 1, StdDuration::from_secs(10)).await[n]
        .code()
        .unwrap();
    let res = post(
        app,
        &c,
        &format!("/api/v1/registrations/{id}/confirm"),
        None,
        json!({ "code": code }),
    )
    .await;
    assert_eq!(res.status(), 201);
    let account = res.json::<Value>().await.unwrap()["account_id"]
        .as_str()
        .unwrap()
        .to_owned();
    (c, account)
}

async fn sign_in(app: &TestApp, c: &reqwest::Client, login: &str, password: &str) -> u16 {
    post(
        app,
        c,
        "/api/v1/session",
        None,
        json!({ "login": login, "password": password }),
    )
    .await
    .status()
    .as_u16()
}

async fn mails_containing(smtp: &MailServer, text: &str) -> usize {
    // The worker delivers what was committed in its own time.
    wait_until(WAIT, &format!("a mail containing «{text}»"), || async {
        smtp.messages().iter().any(|m| m.body_text().contains(text))
    })
    .await;
    smtp.messages()
        .iter()
        .filter(|m| m.body_text().contains(text))
        .count()
}

/// The code in the first mail after the n-th that has one.
async fn code_after(smtp: &MailServer, n: usize) -> String {
    wait_for(WAIT, "a code arrived", || async {
        smtp.messages()[n..].iter().find_map(|m| m.code())
    })
    .await
}

use kabinet_testkit::people::hidden;

async fn actions(app: &TestApp) -> Vec<String> {
    audit::latest(&app.app.store, 500)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

backend_test! {
    async fn second_factor_failures_count_across_sign_ins_and_lock(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp, &[]).await;
        let clock = app.clock.clone().unwrap();
        let (c, _) = register(&app, &smtp, EMAIL, "10.0.0.1").await;
        let t = csrf(&app, &c).await;
        let secret = post(&app, &c, "/api/v1/me/mfa/totp", Some(&t), json!({})).await
            .json::<Value>().await.unwrap()["secret"].as_str().unwrap().to_owned();
        let code = kabinet_testkit::people::totp_now(&secret, &app);
        let res = post(&app, &c, "/api/v1/me/mfa/totp/confirm", Some(&t), json!({ "code": code })).await;
        let recovery: Vec<String> = serde_json::from_value(res.json::<Value>().await.unwrap()["recovery_codes"].clone()).unwrap();
        clock.advance(Duration::seconds(30));

        // Three wrong codes in one pending sign-in, a fresh password step, two more:
        // the correct password does not start the count again.
        let attacker = client_from("10.6.6.6");
        assert_eq!(sign_in(&app, &attacker, EMAIL, PASSWORD).await, 200);
        for _ in 0..3 {
            assert_eq!(post(&app, &attacker, "/api/v1/session/mfa", None, json!({ "code": "999999" })).await.status(), 401);
        }
        assert_eq!(sign_in(&app, &attacker, EMAIL, PASSWORD).await, 200);
        for _ in 0..2 {
            assert_eq!(post(&app, &attacker, "/api/v1/session/mfa", None, json!({ "code": "999998" })).await.status(), 401);
        }
        // Locked now: even the right code is refused, with the time to wait.
        let right = kabinet_testkit::people::totp_now(&secret, &app);
        let res = post(&app, &attacker, "/api/v1/session/mfa", None, json!({ "code": right })).await;
        assert_eq!(res.status(), 429);
        assert!(res.headers().contains_key("retry-after"));
        let problem: Value = res.json().await.unwrap();
        assert_eq!(
            problem["detail"],
            "Слишком много попыток ввода кода. Попробуйте через 15 мин. или войдите с кодом восстановления."
        );
        // Another pending sign-in (the person's own) is locked as well …
        let person = client_from("10.0.0.1");
        assert_eq!(sign_in(&app, &person, EMAIL, PASSWORD).await, 200);
        assert_eq!(post(&app, &person, "/api/v1/session/mfa", None, json!({ "code": right })).await.status(), 429);
        // The page says the same, with the way out.
        let page = person.get(app.url("/login/mfa")).send().await.unwrap().text().await.unwrap();
        let csrf = hidden(&page, "csrf_token");
        let res = person.post(app.url("/login/mfa")).form(&[("csrf_token", csrf.as_str()), ("code", right.as_str())]).send().await.unwrap();
        assert_eq!(res.status(), 429);
        let html = res.text().await.unwrap();
        assert!(html.contains("Слишком много попыток ввода кода. Попробуйте через 15 мин. или войдите с кодом восстановления."), "{html}");
        // … but a recovery code still gets in.
        assert_eq!(post(&app, &person, "/api/v1/session/mfa", None, json!({ "code": recovery[0] })).await.status(), 200);
        // The holder was told.
        assert_eq!(mails_containing(&smtp, "второй шаг входа в ваш кабинет временно заблокирован").await, 1);
        assert!(actions(&app).await.contains(&"auth.mfa_locked".to_owned()));

        // After 15 minutes codes work again; the next lock is longer (30 minutes).
        clock.advance(Duration::minutes(16));
        assert_eq!(sign_in(&app, &attacker, EMAIL, PASSWORD).await, 200);
        for _ in 0..4 {
            assert_eq!(post(&app, &attacker, "/api/v1/session/mfa", None, json!({ "code": "999997" })).await.status(), 401);
        }
        assert_eq!(sign_in(&app, &attacker, EMAIL, PASSWORD).await, 200);
        assert_eq!(post(&app, &attacker, "/api/v1/session/mfa", None, json!({ "code": "999996" })).await.status(), 401);
        clock.advance(Duration::minutes(16));
        let right = kabinet_testkit::people::totp_now(&secret, &app);
        assert_eq!(post(&app, &attacker, "/api/v1/session/mfa", None, json!({ "code": right })).await.status(), 429, "the second lock is 30 minutes");
        clock.advance(Duration::minutes(15));
        assert_eq!(sign_in(&app, &attacker, EMAIL, PASSWORD).await, 200);
        let right = kabinet_testkit::people::totp_now(&secret, &app);
        assert_eq!(post(&app, &attacker, "/api/v1/session/mfa", None, json!({ "code": right })).await.status(), 200);

        // Recovery codes have a counter of their own with the same rules.
        let c2 = client_from("10.0.0.1");
        clock.advance(Duration::seconds(30));
        assert_eq!(sign_in(&app, &c2, EMAIL, PASSWORD).await, 200);
        for _ in 0..4 {
            assert_eq!(post(&app, &c2, "/api/v1/session/mfa", None, json!({ "code": "aaaaa-bbbbb" })).await.status(), 401);
        }
        assert_eq!(sign_in(&app, &c2, EMAIL, PASSWORD).await, 200);
        assert_eq!(post(&app, &c2, "/api/v1/session/mfa", None, json!({ "code": "aaaaa-bbbbc" })).await.status(), 401);
        assert_eq!(post(&app, &c2, "/api/v1/session/mfa", None, json!({ "code": recovery[1] })).await.status(), 429);
        app.stop().await;
    }
}

backend_test! {
    async fn codes_sent_as_second_factor_count_too(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp, &[]).await;
        let clock = app.clock.clone().unwrap();
        let (c, _) = register(&app, &smtp, EMAIL, "10.0.0.1").await;
        let t = csrf(&app, &c).await;
        assert_eq!(post(&app, &c, "/api/v1/me/mfa/codes", Some(&t), json!({})).await.status(), 204);
        let attacker = client_from("10.6.6.6");
        let n = smtp.messages().len();
        assert_eq!(sign_in(&app, &attacker, EMAIL, PASSWORD).await, 200);
        // The code went out (the attacker does not have it).
        let sent = code_after(&smtp, n).await;
        let wrong = if sent == "000001" { "000002" } else { "000001" };
        for _ in 0..5 {
            assert_eq!(post(&app, &attacker, "/api/v1/session/mfa", None, json!({ "code": wrong })).await.status(), 401);
        }
        // A fresh code to the contact, and the right one typed: the factor is locked.
        clock.advance(Duration::seconds(61));
        let n = smtp.messages().len();
        assert_eq!(sign_in(&app, &attacker, EMAIL, PASSWORD).await, 200);
        let code = code_after(&smtp, n).await;
        let res = post(&app, &attacker, "/api/v1/session/mfa", None, json!({ "code": code })).await;
        assert_eq!(res.status(), 429);
        // The lock is 15 minutes; codes live 10: a new one after the lock gets in.
        clock.advance(Duration::minutes(16));
        let n = smtp.messages().len();
        assert_eq!(sign_in(&app, &attacker, EMAIL, PASSWORD).await, 200);
        let code = code_after(&smtp, n).await;
        assert_eq!(post(&app, &attacker, "/api/v1/session/mfa", None, json!({ "code": code })).await.status(), 200);
        app.stop().await;
    }
}

backend_test! {
    async fn wrong_passwords_in_a_session_lock_the_account_and_end_the_session(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp, &[]).await;
        let (c, account) = register(&app, &smtp, EMAIL, "10.0.0.1").await;
        let t = csrf(&app, &c).await;
        // Two wrong sign-ins elsewhere, then wrong passwords through the stolen session:
        // they are counted together.
        let other = client_from("10.0.0.2");
        for _ in 0..2 {
            assert_eq!(sign_in(&app, &other, EMAIL, "совсем не тот пароль").await, 401);
        }
        let res = post(&app, &c, "/api/v1/session/reauth", Some(&t), json!({ "password": "не тот пароль раз" })).await;
        assert_eq!(res.status(), 422);
        let res = post(&app, &c, "/api/v1/me/password", Some(&t), json!({ "current_password": "не тот пароль два", "new_password": "новый длинный пароль для входа" })).await;
        assert_eq!(res.status(), 422);
        let res = post(&app, &c, "/api/v1/session/reauth", Some(&t), json!({ "password": "не тот пароль три" })).await;
        assert_eq!(res.status(), 429);
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["detail"], "Слишком много неверных паролей. Сеанс завершён, вход временно заблокирован.");
        assert_eq!(session_status(&app, &c).await, 401, "the session ended");
        // The account is locked for sign-in, too; the holder was told.
        assert_eq!(sign_in(&app, &client_from("10.0.0.3"), EMAIL, PASSWORD).await, 429);
        assert_eq!(mails_containing(&smtp, "вход в ваш кабинет временно заблокирован").await, 1);
        let acts = actions(&app).await;
        for a in ["auth.reauth_failed", "auth.password_change_failed", "auth.login_locked", "auth.session_ended"] {
            assert!(acts.contains(&a.to_owned()), "{a} in {acts:?}");
        }
        let counter = throttle::get(&mut app.app.store.acquire().await.unwrap(), &format!("account:{account}")).await.unwrap();
        assert!(counter.locked_until.is_some());

        // A second session that was open is refused without a password check, and ends.
        app.clock.as_ref().unwrap().advance(Duration::minutes(16));
        let (c2, _) = (client_from("10.0.0.1"), ());
        assert_eq!(sign_in(&app, &c2, EMAIL, PASSWORD).await, 200);
        let t2 = csrf(&app, &c2).await;
        let (c3, t3) = {
            let c3 = client_from("10.0.0.1");
            assert_eq!(sign_in(&app, &c3, EMAIL, PASSWORD).await, 200);
            let t3 = csrf(&app, &c3).await;
            (c3, t3)
        };
        for i in 0..5 {
            let res = post(&app, &c2, "/api/v1/session/reauth", Some(&t2), json!({ "password": format!("не тот пароль {i}") })).await;
            assert_eq!(res.status(), if i < 4 { 422 } else { 429 });
        }
        let res = post(&app, &c3, "/api/v1/session/reauth", Some(&t3), json!({ "password": PASSWORD })).await;
        assert_eq!(res.status(), 429, "locked: even the right password is not checked");
        assert_eq!(session_status(&app, &c3).await, 401);
        app.stop().await;
    }
}

backend_test! {
    async fn registration_answers_the_same_whether_or_not_the_contact_is_registered(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp, &[]).await;
        let clock = app.clock.clone().unwrap();
        register(&app, &smtp, EMAIL, "10.0.0.1").await;
        // The registration itself counted; an hour later the count starts afresh.
        clock.advance(Duration::minutes(61));
        let before = smtp.messages().len();
        let c = client_from("10.0.0.9");
        let mut statuses = (Vec::new(), Vec::new());
        for i in 0..7 {
            clock.advance(Duration::seconds(61));
            let known = post(&app, &c, "/api/v1/registrations", None, json!({ "contact": EMAIL, "password": format!("{PASSWORD} {i}") })).await.status().as_u16();
            let fresh = post(&app, &c, "/api/v1/registrations", None, json!({ "contact": "new-person@example.ru", "password": format!("{PASSWORD} {i}") })).await.status().as_u16();
            statuses.0.push(known);
            statuses.1.push(fresh);
        }
        assert_eq!(statuses.0, vec![202, 202, 202, 202, 202, 429, 429]);
        assert_eq!(statuses.0, statuses.1, "the same answers for a registered and a new contact");
        // The owner of the registered contact got one notice, not five.
        app.outbox_drained(WAIT).await;
        let notices = smtp.messages()[before..].iter().filter(|m| m.to == vec![EMAIL.to_owned()]).count();
        assert_eq!(notices, 1);
        // An hour later it starts again, with one more notice.
        clock.advance(Duration::minutes(61));
        assert_eq!(post(&app, &c, "/api/v1/registrations", None, json!({ "contact": EMAIL, "password": PASSWORD })).await.status(), 202);
        let mails = smtp.wait_for(before + 5 + 2, StdDuration::from_secs(10)).await;
        assert_eq!(mails[before..].iter().filter(|m| m.to == vec![EMAIL.to_owned()]).count(), 2);
        app.stop().await;
    }
}

backend_test! {
    async fn a_busy_address_is_slowed_but_a_correct_password_gets_in(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp, &[
            ("KABINET_LOCKOUT_ADDRESS_MAX_FAILURES", "3"),
            ("KABINET_LOCKOUT_ADDRESS_DELAY_MS", "60000"),
            ("KABINET_LOCKOUT_ADDRESS_MAX_WAIT_SECONDS", "0"),
        ]).await;
        let clock = app.clock.clone().unwrap();
        let (_, account) = register(&app, &smtp, EMAIL, "10.0.0.1").await;
        // Spraying unknown logins from one address (behind a proxy with the person).
        let office = client_from("192.0.2.10");
        for i in 0..3 {
            assert_eq!(sign_in(&app, &office, &format!("nobody{i}@example.ru"), "пароль наугад номер один").await, 401);
        }
        // The address is busy now: its sign-ins take turns. The person's correct password
        // is not refused (today's first turn is free) …
        let person = client_from("192.0.2.10");
        assert_eq!(sign_in(&app, &person, EMAIL, PASSWORD).await, 200);
        let turn = throttle::get(&mut app.app.store.acquire().await.unwrap(), "source:192.0.2.10").await.unwrap();
        assert!(turn.locked_until.is_some(), "the next turn is reserved");
        // … while the sprayer, queueing beyond the longest wait, is told to come back.
        let res = post(&app, &office, "/api/v1/session", None, json!({ "login": "nobody9@example.ru", "password": "пароль наугад номер два" })).await;
        assert_eq!(res.status(), 429);
        assert!(res.headers().contains_key("retry-after"));
        // A browser that signed in before (its device cookie) does not queue at all, while
        // a new browser with the same right password would have to.
        assert_eq!(sign_in(&app, &client_from("192.0.2.10"), EMAIL, PASSWORD).await, 429);
        assert_eq!(sign_in(&app, &person, EMAIL, PASSWORD).await, 200, "the device cookie");
        let forged = reqwest::Client::builder()
            .default_headers({
                let mut h = reqwest::header::HeaderMap::new();
                h.insert("x-forwarded-for", "192.0.2.10".parse().unwrap());
                let issued = clock.now().unix_timestamp();
                h.insert("cookie", format!("kabinet_device={account}.{issued}.{}", "0".repeat(64)).parse().unwrap());
                h
            })
            .build()
            .unwrap();
        assert_eq!(sign_in(&app, &forged, EMAIL, PASSWORD).await, 429, "a forged device cookie is not honoured");
        // Other addresses are not affected; after a minute the address's turn comes.
        assert_eq!(sign_in(&app, &client_from("198.51.100.7"), EMAIL, PASSWORD).await, 200);
        clock.advance(Duration::seconds(61));
        assert_eq!(sign_in(&app, &client_from("192.0.2.10"), EMAIL, PASSWORD).await, 200);
        app.stop().await;
    }
}

backend_test! {
    async fn the_account_locks_whatever_identifier_and_its_unlock_holds(backend) {
        let smtp = MailServer::start();
        let app = spawn(backend, &smtp, &[]).await;
        let clock = app.clock.clone().unwrap();
        let (_, account) = register(&app, &smtp, EMAIL, "10.0.0.1").await;
        // A confirmed phone as a second login of the same account.
        let phone = Contact::parse("+79161234567").unwrap();
        let mut tx = app.app.store.begin().await.unwrap();
        kabinet_store::accounts::insert_login(&mut tx, &phone.login().key(), &account, "phone", phone.as_str(), true, clock.now()).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(sign_in(&app, &client_from("10.0.0.1"), "8 916 123-45-67", PASSWORD).await, 200);

        let attacker = client_from("203.0.113.66");
        for _ in 0..5 {
            assert_eq!(sign_in(&app, &attacker, EMAIL, "угадываю пароль снова").await, 401);
        }
        // The phone login is the same account: locked too.
        assert_eq!(sign_in(&app, &attacker, "+7 916 123 45 67", "угадываю пароль опять").await, 429);
        assert_eq!(sign_in(&app, &client_from("10.0.0.1"), "+79161234567", PASSWORD).await, 429);

        // The person unlocks with a code …
        let person = client_from("10.0.0.1");
        let n = smtp.messages().len();
        assert_eq!(post(&app, &person, "/api/v1/unlock", None, json!({ "login": EMAIL })).await.status(), 202);
        let code = code_after(&smtp, n).await;
        assert_eq!(post(&app, &person, "/api/v1/unlock/confirm", None, json!({ "login": EMAIL, "code": code })).await.status(), 204);
        // … and five requests at once from the attacking address do not lock it again.
        let mut burst = tokio::task::JoinSet::new();
        for i in 0..5 {
            let url = app.url("/api/v1/session");
            let c = attacker.clone();
            burst.spawn(async move {
                c.post(url).json(&json!({ "login": "8 916 123 45 67", "password": format!("ещё одна попытка {i}") }))
                    .send().await.unwrap().status().as_u16()
            });
        }
        while let Some(status) = burst.join_next().await {
            assert_eq!(status.unwrap(), 429);
        }
        assert_eq!(sign_in(&app, &person, EMAIL, PASSWORD).await, 200);
        app.stop().await;
    }
}
