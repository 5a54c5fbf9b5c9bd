//! People for HTTP tests: a registered applicant and a staff member with a new password
//! and TOTP, each with a cookie jar of their own and the session's CSRF token.

use serde_json::{Value, json};
use totp_rs::{Builder, Secret};

use crate::{MailServer, TestApp};

/// The password test people sign up with.
pub const PASSWORD: &str = "тихая лодка плывёт";

/// A client that keeps cookies and does not follow redirects.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The CSRF token of the client's session.
pub async fn csrf_of(app: &TestApp, c: &reqwest::Client) -> String {
    let s: Value = c
        .get(app.url("/api/v1/session"))
        .send()
        .await
        .expect("GET session")
        .json()
        .await
        .expect("json");
    s["csrf_token"].as_str().expect("signed in").to_owned()
}

/// The current TOTP code of a base32 secret at the app's clock.
pub fn totp_now(secret: &str, app: &TestApp) -> String {
    Builder::new()
        .with_secret(Secret::try_from_base32(secret).expect("base32"))
        .build()
        .expect("totp")
        .generate(u64::try_from(app.app.clock.now().unix_timestamp()).unwrap_or(0))
        .to_string()
}

/// Registers `email` with [`PASSWORD`] (the code read from the test's SMTP server);
/// returns the signed-in client and its CSRF token.
pub async fn register(app: &TestApp, smtp: &MailServer, email: &str) -> (reqwest::Client, String) {
    let c = client();
    let seen = smtp.messages().len();
    let res = c
        .post(app.url("/api/v1/registrations"))
        .json(&json!({ "contact": email, "password": PASSWORD }))
        .send()
        .await
        .expect("register");
    assert_eq!(res.status(), 202);
    let body: Value = res.json().await.expect("json");
    let id = body["registration_id"]
        .as_str()
        .expect("registration id")
        .to_owned();
    let code = smtp
        .find_after(seen, |m| {
            m.header("To").is_some_and(|t| t.contains(email)) && m.code().is_some()
        })
        .await
        .code()
        .expect("code");
    let res = c
        .post(app.url(&format!("/api/v1/registrations/{id}/confirm")))
        .json(&json!({ "code": code }))
        .send()
        .await
        .expect("confirm");
    assert_eq!(res.status(), 201);
    let csrf = csrf_of(app, &c).await;
    (c, csrf)
}

/// A staff member created on the command line, signed in with a new password and TOTP
/// enrolled (ready for staff calls); returns the client and its CSRF token.
pub async fn staff(app: &TestApp, email: &str, role: &str) -> (reqwest::Client, String) {
    let created = kabinet_app::staff::create_staff(&app.app, &kabinet_app::Ctx::cli(), email, role)
        .await
        .expect("staff created");
    let c = client();
    let res = c
        .post(app.url("/api/v1/session"))
        .json(&json!({ "login": email, "password": created.one_time_password }))
        .send()
        .await
        .expect("sign in");
    assert_eq!(res.status(), 200);
    let csrf = csrf_of(app, &c).await;
    let res = c
        .post(app.url("/api/v1/me/password"))
        .header("X-CSRF-Token", &csrf)
        .json(&json!({ "current_password": created.one_time_password, "new_password": "пароль сотрудника надёжный" }))
        .send()
        .await
        .expect("new password");
    assert_eq!(res.status(), 204);
    let csrf = csrf_of(app, &c).await;
    let started: Value = c
        .post(app.url("/api/v1/me/mfa/totp"))
        .header("X-CSRF-Token", &csrf)
        .json(&json!({}))
        .send()
        .await
        .expect("totp")
        .json()
        .await
        .expect("json");
    let code = totp_now(started["secret"].as_str().expect("secret"), app);
    let res = c
        .post(app.url("/api/v1/me/mfa/totp/confirm"))
        .header("X-CSRF-Token", &csrf)
        .json(&json!({ "code": code }))
        .send()
        .await
        .expect("confirm totp");
    assert_eq!(res.status(), 200);
    let csrf = csrf_of(app, &c).await;
    (c, csrf)
}

/// A signed-in client with its CSRF token, for API tests.
#[derive(Clone)]
pub struct User {
    /// The client (keeps the session cookie).
    pub c: reqwest::Client,
    /// The session's CSRF token.
    pub csrf: String,
    /// The server's base URL.
    pub base: String,
    /// API calls act for this organisation (`X-Kabinet-Organization`).
    pub org: Option<String>,
}

impl User {
    /// The same person, acting for an organisation in every API call.
    pub fn acting_for(&self, organization_id: &str) -> User {
        User {
            org: Some(organization_id.to_owned()),
            ..self.clone()
        }
    }

    fn with_org(&self, r: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.org {
            Some(org) => r.header("X-Kabinet-Organization", org),
            None => r,
        }
    }

    /// A request of any method with the CSRF header.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let r = self
            .c
            .request(method, format!("{}{path}", self.base))
            .header("X-CSRF-Token", &self.csrf);
        let r = match body {
            Some(b) => r.json(&b),
            None => r,
        };
        self.with_org(r).send().await.expect("request")
    }
    /// A request with the CSRF header (posts) or without (reads).
    pub async fn post(&self, path: &str, body: Value) -> reqwest::Response {
        self.with_org(
            self.c
                .post(format!("{}{path}", self.base))
                .header("X-CSRF-Token", &self.csrf)
                .json(&body),
        )
        .send()
        .await
        .expect("request")
    }
    /// A request with the CSRF header (posts) or without (reads).
    pub async fn patch(&self, path: &str, body: Value) -> reqwest::Response {
        self.with_org(
            self.c
                .patch(format!("{}{path}", self.base))
                .header("X-CSRF-Token", &self.csrf)
                .json(&body),
        )
        .send()
        .await
        .expect("request")
    }
    /// A request with the CSRF header (posts) or without (reads).
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.with_org(self.c.get(format!("{}{path}", self.base)))
            .send()
            .await
            .expect("request")
    }
    /// A request with the CSRF header (posts) or without (reads).
    pub async fn json(&self, path: &str) -> Value {
        let res = self.get(path).await;
        assert_eq!(res.status(), 200, "{path}");
        res.json().await.expect("request")
    }
    /// A request with the CSRF header (posts) or without (reads).
    pub async fn upload(
        &self,
        path: &str,
        kind: &str,
        name: &str,
        bytes: Vec<u8>,
    ) -> reqwest::Response {
        let form = reqwest::multipart::Form::new()
            .text("kind", kind.to_owned())
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
            );
        self.with_org(
            self.c
                .post(format!("{}{path}", self.base))
                .header("X-CSRF-Token", &self.csrf)
                .multipart(form),
        )
        .send()
        .await
        .expect("request")
    }
}

/// A registered, signed-in applicant.
pub async fn register_user(app: &TestApp, smtp: &MailServer, email: &str) -> User {
    let (c, csrf) = register(app, smtp, email).await;
    User {
        c,
        csrf,
        base: app.url(""),
        org: None,
    }
}

/// A signed-in member of staff with TOTP.
pub async fn staff_user(app: &TestApp, email: &str, role: &str) -> User {
    let (c, csrf) = staff(app, email, role).await;
    User {
        c,
        csrf,
        base: app.url(""),
        org: None,
    }
}

/// The value of a hidden form field in a page (`name="…" value="…"`).
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in page"))
        + marker.len();
    html[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned()
}
