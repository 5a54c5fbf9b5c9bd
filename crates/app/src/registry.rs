//! The identity registry port (ID-11): before an account becomes `standard`, its ФИО,
//! birth date, СНИЛС and passport are checked.
//!
//! - Built in (no `registry_url`): the format and check digits, which the domain types
//!   already enforce; anything that parsed matches.
//! - HTTP (`registry_url`): `POST {registry_url}/v1/person-checks` with the JSON of
//!   [`PersonCheck`]; the answer `{"result": "match"}` or
//!   `{"result": "mismatch", "reason": "…"}`. Anything else (a timeout, another status,
//!   another body) is "unavailable": the level stays and the user is told to try later.
//!   The protocol is in docs/registry.md.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What is sent to the registry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PersonCheck {
    /// Фамилия.
    pub last_name: String,
    /// Имя.
    pub first_name: String,
    /// Отчество, when there is one.
    pub middle_name: Option<String>,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    /// 11 digits.
    pub snils: String,
    /// The passport.
    pub passport: PassportCheck,
}

/// The passport part of a check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PassportCheck {
    /// 4 digits.
    pub series: String,
    /// 6 digits.
    pub number: String,
    /// `YYYY-MM-DD`.
    pub issued_on: String,
    /// 6 digits.
    pub issuer_code: String,
}

/// An organisation sent to the registry (ORG-1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OrganizationCheck {
    /// `legal_entity` or `sole_proprietor`.
    pub kind: String,
    /// ИНН.
    pub inn: String,
    /// ОГРН or ОГРНИП.
    pub ogrn: String,
    /// КПП (legal entities).
    pub kpp: Option<String>,
    /// Full name.
    pub full_name: String,
}

/// The registry's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The data matches.
    Match,
    /// It does not; the registry's reason (shown to the user).
    Mismatch(String),
    /// No answer we can use; the reason is for the log.
    Unavailable(String),
}

#[derive(Deserialize)]
struct Answer {
    result: String,
    reason: Option<String>,
}

/// The configured registry.
#[derive(Clone, Debug)]
pub enum Registry {
    /// Format and check digits only.
    Builtin,
    /// An external registry over HTTP.
    Http {
        /// `registry_url`, without a trailing slash.
        url: String,
        /// The client (with a timeout).
        client: reqwest::Client,
    },
}

impl Registry {
    /// From `registry_url` (and `tls.ca_file` for its HTTPS).
    pub fn from_settings(settings: &crate::settings::Settings) -> Result<Registry, String> {
        match settings.registry_url.as_deref() {
            None => Ok(Registry::Builtin),
            Some(url) => Ok(Registry::Http {
                url: url.trim_end_matches('/').to_owned(),
                client: crate::http::client_builder(settings)?
                    .timeout(Duration::from_secs(10))
                    .build()
                    .map_err(|e| format!("registry_url: {e}"))?,
            }),
        }
    }

    /// A name for messages and the audit (`builtin` or `http`).
    pub fn name(&self) -> &'static str {
        match self {
            Registry::Builtin => "builtin",
            Registry::Http { .. } => "http",
        }
    }

    /// Checks a person's data.
    pub async fn check(&self, person: &PersonCheck) -> Verdict {
        match self {
            Registry::Builtin => Verdict::Match,
            Registry::Http { url, client } => {
                ask(client, &format!("{url}/v1/person-checks"), person).await
            }
        }
    }

    /// Checks an organisation's identifiers and name; `None` without an external
    /// registry (staff verify organisations then).
    pub async fn check_organization(&self, org: &OrganizationCheck) -> Option<Verdict> {
        match self {
            Registry::Builtin => None,
            Registry::Http { url, client } => {
                Some(ask(client, &format!("{url}/v1/organization-checks"), org).await)
            }
        }
    }
}

/// Posts a check and reads the verdict.
async fn ask(client: &reqwest::Client, url: &str, body: &impl Serialize) -> Verdict {
    {
        let response = match client.post(url).json(body).send().await {
            Ok(r) => r,
            Err(e) => {
                return Verdict::Unavailable(format!(
                    "request failed: {}",
                    crate::http::describe(e)
                ));
            }
        };
        if !response.status().is_success() {
            return Verdict::Unavailable(format!("status {}", response.status()));
        }
        match response.json::<Answer>().await {
            Ok(a) if a.result == "match" => Verdict::Match,
            Ok(a) if a.result == "mismatch" => Verdict::Mismatch(
                a.reason
                    .filter(|r| !r.trim().is_empty())
                    .unwrap_or_else(|| "реестр не назвал причину".to_owned()),
            ),
            Ok(a) => Verdict::Unavailable(format!("unknown result {:?}", a.result)),
            Err(e) => Verdict::Unavailable(format!("unreadable answer: {e}")),
        }
    }
}
