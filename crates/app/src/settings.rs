//! Configuration: a TOML file (`--config` or `KABINET_CONFIG`) and `KABINET_*`
//! environment variables; the environment wins. Every key is documented in
//! `docs/configuration.md`. Secrets (URLs with passwords) are kept in [`SecretString`]
//! and redacted in `Debug`.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use kabinet_store::redact_url;
use secrecy::{ExposeSecret, SecretString};
use thiserror::Error;

/// Log output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// An SMTP relay address: `smtp://[user:password@]host[:port]`.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpTarget {
    /// Host name or address.
    pub host: String,
    /// Port (default 25).
    pub port: u16,
    /// User name and password for AUTH, when given.
    pub credentials: Option<(String, String)>,
}

impl SmtpTarget {
    /// Parses an `smtp://` URL. TLS (`smtps://`, STARTTLS) is not built in yet: point
    /// kabinet at a local relay that forwards with TLS (see docs/configuration.md).
    pub fn parse(url: &str) -> Result<SmtpTarget, String> {
        let rest = url
            .strip_prefix("smtp://")
            .ok_or("expected smtp://host:port (smtps:// is not supported yet)")?;
        let rest = rest.trim_end_matches('/');
        let (credentials, hostport) = match rest.rsplit_once('@') {
            Some((userinfo, hostport)) => {
                let (user, pass) = userinfo.split_once(':').unwrap_or((userinfo, ""));
                (Some((user.to_owned(), pass.to_owned())), hostport)
            }
            None => (None, rest),
        };
        let (host, port) = match hostport.rsplit_once(':') {
            Some((host, port)) => (
                host,
                port.parse::<u16>()
                    .map_err(|_| format!("{port:?} is not a port number"))?,
            ),
            None => (hostport, 25),
        };
        if host.is_empty() || host.contains(['/', '?', '#']) {
            return Err("expected smtp://host:port".to_owned());
        }
        Ok(SmtpTarget {
            host: host.trim_matches(['[', ']']).to_owned(),
            port,
            credentials,
        })
    }
}

/// The effective configuration.
#[derive(Clone)]
pub struct Settings {
    /// Where the embedded default keeps its files (`data_dir`).
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…` (`database_url`).
    pub database_url: SecretString,
    /// Pool size (`database_max_connections`).
    pub database_max_connections: u32,
    /// Apply pending migrations when `serve`/`worker` start (`migrate_on_start`).
    pub migrate_on_start: bool,
    /// Address to listen on (`listen`).
    pub listen: SocketAddr,
    /// The public address users reach, e.g. `https://kabinet.example.ru` (`public_url`).
    pub public_url: Option<String>,
    /// Take the client address from `X-Forwarded-For` (`trust_forwarded_headers`).
    pub trust_forwarded_headers: bool,
    /// How many proxies in front of kabinet append to `X-Forwarded-For`; the client is
    /// the address the outermost of them appended (`trusted_proxies`, default 1).
    pub trusted_proxies: usize,
    /// SMTP relay; unset: mail is printed to the log (`smtp_url`).
    pub smtp_url: Option<SecretString>,
    /// Sender of outgoing mail (`mail_from`).
    pub mail_from: String,
    /// SMS gateway endpoint; unset: SMS are printed to the log (`sms_gateway_url`).
    pub sms_gateway_url: Option<SecretString>,
    /// Load the demo catalog and demo accounts (`demo`).
    pub demo: bool,
    /// Log format (`log_format`).
    pub log_format: LogFormat,
    /// Log filter, e.g. `info` or `info,kabinet_store=debug` (`log_level`).
    pub log_level: String,
    /// Run the delivery worker inside `serve` (`worker`).
    pub worker: bool,
    /// How often an idle worker looks for due events, in milliseconds (`worker_poll_ms`).
    pub worker_poll_ms: u64,
    /// Attempts before an event is dead (`outbox_max_attempts`).
    pub outbox_max_attempts: u32,
    /// First retry delay in seconds; doubles per attempt, at most an hour (`outbox_backoff_secs`).
    pub outbox_backoff_secs: u64,
    /// How long `serve` waits for requests in flight at shutdown (`shutdown_grace_secs`).
    pub shutdown_grace_secs: u64,
    /// Passwords: policy and hashing (`password.*`).
    pub password: PasswordSettings,
    /// Sessions (`session.*`).
    pub session: SessionSettings,
    /// Brute-force protection (`lockout.*`).
    pub lockout: LockoutSettings,
    /// Encryption keys inline: `index=…;k1=…` (`encryption.keys`).
    pub encryption_keys: Option<SecretString>,
    /// Where `encryption.keys` came from (for error messages).
    pub encryption_keys_origin: String,
    /// The key file (`encryption.key_file`); unset: `<data_dir>/keys.txt`, created on first start.
    pub encryption_key_file: Option<PathBuf>,
    /// The external identity registry (`registry_url`); unset: the built-in check.
    pub registry_url: Option<String>,
    /// Days a closed account's personal data is kept before `kabinet maintenance`
    /// erases it, and delivered messages are kept (`privacy.retention_days`).
    pub retention_days: u32,
    /// Allow webhooks over plain `http://` and to loopback or private addresses
    /// (`notify.webhook_allow_insecure`; development and tests only).
    pub webhook_allow_insecure: bool,
    /// Limits on uploaded files (`files.*`).
    pub files: FileLimits,
    /// Extra certificate authorities (PEM) trusted for outgoing HTTPS besides the
    /// platform's store (`tls.ca_file`), for private gateways and registries.
    pub tls_ca_file: Option<PathBuf>,
    /// The bearer token that opens `GET /metrics` on the public listener
    /// (`metrics.token`); unset: `/metrics` is not served there.
    pub metrics_token: Option<SecretString>,
    /// A separate address serving only `GET /metrics`, without a token (`metrics.listen`).
    pub metrics_listen: Option<SocketAddr>,
}

/// `files.*`: how much a person may upload (issue 15 F10).
#[derive(Clone, Debug)]
pub struct FileLimits {
    /// Files the applicant may attach to one application (`files.max_per_application`).
    pub max_per_application: u32,
    /// Their total size in MiB (`files.max_total_mb_per_application`).
    pub max_total_mb_per_application: u64,
    /// The total size in MiB of everything one account has uploaded — attachments,
    /// passport scans, support and organisation documents
    /// (`files.max_total_mb_per_owner`).
    pub max_total_mb_per_owner: u64,
}

/// `password.*`
#[derive(Clone, Debug)]
pub struct PasswordSettings {
    /// The policy (length, composition, history).
    pub policy: kabinet_domain::password::PasswordPolicy,
    /// Days until a password expires; 0 = never (`password.max_age_days`).
    pub max_age_days: u32,
    /// argon2id memory in KiB (`password.argon2_memory_kib`, OWASP minimum 19456).
    pub argon2_memory_kib: u32,
    /// argon2id passes (`password.argon2_iterations`).
    pub argon2_iterations: u32,
    /// argon2id lanes (`password.argon2_parallelism`).
    pub argon2_parallelism: u32,
}

/// `session.*`
#[derive(Clone, Debug)]
pub struct SessionSettings {
    /// A session ends after this long without a request (`session.idle_minutes`).
    pub idle_minutes: u32,
    /// A session ends this long after sign-in whatever happens (`session.absolute_hours`).
    pub absolute_hours: u32,
}

/// `lockout.*`
#[derive(Clone, Debug)]
pub struct LockoutSettings {
    /// Failures of one login within the window that lock it (`lockout.max_failures`).
    pub max_failures: u32,
    /// The counting window (`lockout.window_minutes`).
    pub window_minutes: u32,
    /// The first lock's length; it doubles on repeats (`lockout.minutes`).
    pub minutes: u32,
    /// The longest lock (`lockout.max_hours`).
    pub max_hours: u32,
    /// Failures from one client address within the window after which that address's
    /// sign-ins are spaced out (`lockout.address_max_failures`).
    pub address_max_failures: u32,
    /// The spacing between two sign-ins from such an address, in milliseconds
    /// (`lockout.address_delay_ms`).
    pub address_delay_ms: u32,
    /// The longest a sign-in waits for its turn before it is refused with `429`
    /// (`lockout.address_max_wait_seconds`).
    pub address_max_wait_seconds: u32,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redact = |s: &Option<SecretString>| s.as_ref().map(|s| redact_url(s.expose_secret()));
        f.debug_struct("Settings")
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &redact_url(self.database_url.expose_secret()),
            )
            .field("database_max_connections", &self.database_max_connections)
            .field("migrate_on_start", &self.migrate_on_start)
            .field("listen", &self.listen)
            .field("public_url", &self.public_url)
            .field("trust_forwarded_headers", &self.trust_forwarded_headers)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("smtp_url", &redact(&self.smtp_url))
            .field("mail_from", &self.mail_from)
            .field("sms_gateway_url", &redact(&self.sms_gateway_url))
            .field("demo", &self.demo)
            .field("log_format", &self.log_format)
            .field("log_level", &self.log_level)
            .field("worker", &self.worker)
            .field("worker_poll_ms", &self.worker_poll_ms)
            .field("outbox_max_attempts", &self.outbox_max_attempts)
            .field("outbox_backoff_secs", &self.outbox_backoff_secs)
            .field("shutdown_grace_secs", &self.shutdown_grace_secs)
            .field("password", &self.password)
            .field("session", &self.session)
            .field("lockout", &self.lockout)
            .field(
                "encryption_keys",
                &self.encryption_keys.as_ref().map(|_| "<redacted>"),
            )
            .field("encryption_key_file", &self.encryption_key_file)
            .field(
                "registry_url",
                &self.registry_url.as_deref().map(redact_url),
            )
            .field("retention_days", &self.retention_days)
            .field("webhook_allow_insecure", &self.webhook_allow_insecure)
            .field("tls_ca_file", &self.tls_ca_file)
            .field("files", &self.files)
            .field(
                "metrics_token",
                &self.metrics_token.as_ref().map(|_| "<redacted>"),
            )
            .field("metrics_listen", &self.metrics_listen)
            .finish()
    }
}

/// A configuration problem, naming where the bad value came from.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML.
    #[error("the configuration file {path} is not valid TOML: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The parser's message with the line.
        message: String,
    },
    /// A key that kabinet does not know (probably a typo).
    #[error("unknown key `{key}` in {path}; see docs/configuration.md")]
    UnknownKey {
        /// The key.
        key: String,
        /// The file.
        path: PathBuf,
    },
    /// A value that does not parse.
    #[error("{origin}: {message}")]
    Invalid {
        /// `KABINET_LISTEN` or `listen in /etc/kabinet.toml`.
        origin: String,
        /// What is expected.
        message: String,
    },
}

/// Every key, in the order of `docs/configuration.md`.
pub const KEYS: &[&str] = &[
    "data_dir",
    "database_url",
    "database_max_connections",
    "migrate_on_start",
    "listen",
    "public_url",
    "trust_forwarded_headers",
    "trusted_proxies",
    "smtp_url",
    "mail_from",
    "sms_gateway_url",
    "demo",
    "log_format",
    "log_level",
    "worker",
    "worker_poll_ms",
    "outbox_max_attempts",
    "outbox_backoff_secs",
    "shutdown_grace_secs",
    "metrics.token",
    "metrics.listen",
    "password.min_length",
    "password.require_composition",
    "password.history",
    "password.max_age_days",
    "password.argon2_memory_kib",
    "password.argon2_iterations",
    "password.argon2_parallelism",
    "session.idle_minutes",
    "session.absolute_hours",
    "lockout.max_failures",
    "lockout.window_minutes",
    "lockout.minutes",
    "lockout.max_hours",
    "lockout.address_max_failures",
    "lockout.address_delay_ms",
    "lockout.address_max_wait_seconds",
    "encryption.keys",
    "encryption.key_file",
    "registry_url",
    "privacy.retention_days",
    "notify.webhook_allow_insecure",
    "tls.ca_file",
    "files.max_per_application",
    "files.max_total_mb_per_application",
    "files.max_total_mb_per_owner",
];

/// The name of the environment variable for a key.
pub fn env_name(key: &str) -> String {
    format!("KABINET_{}", key.replace('.', "_").to_ascii_uppercase())
}

/// The keys of a TOML table, nested tables flattened with dots (`password.min_length`).
fn flat_keys(table: &toml::Table, prefix: &str, out: &mut Vec<String>) {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(t) => flat_keys(t, &key, out),
            _ => out.push(key),
        }
    }
}

struct Sources {
    file: Option<(PathBuf, toml::Table)>,
    env: HashMap<String, String>,
}

impl Sources {
    /// The raw text of a key and where it came from; the environment wins.
    fn raw(&self, key: &str) -> Option<(String, String)> {
        let var = env_name(key);
        if let Some(v) = self.env.get(&var) {
            return Some((v.clone(), var));
        }
        let (path, table) = self.file.as_ref()?;
        let origin = format!("`{key}` in {}", path.display());
        let mut parts = key.split('.');
        let mut value = table.get(parts.next()?)?;
        for part in parts {
            value = value.as_table()?.get(part)?;
        }
        let text = match value {
            toml::Value::String(s) => s.clone(),
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            toml::Value::Float(f) => f.to_string(),
            _ => "<a table or an array>".to_owned(),
        };
        Some((text, origin))
    }

    fn get<T>(
        &self,
        key: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<Option<T>, ConfigError> {
        match self.raw(key) {
            None => Ok(None),
            Some((text, origin)) => parse(text.trim())
                .map(Some)
                .map_err(|message| ConfigError::Invalid { origin, message }),
        }
    }
}

fn parse_bool(s: &str) -> Result<bool, String> {
    match s.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(format!("{s:?} is not a boolean (use true/false or 1/0)")),
    }
}

fn parse_number<T: std::str::FromStr>(min: u64, max: u64) -> impl Fn(&str) -> Result<T, String> {
    move |s| {
        let n: u64 = s
            .parse()
            .map_err(|_| format!("{s:?} is not a whole number"))?;
        if n < min || n > max {
            return Err(format!("{n} is out of range {min}..={max}"));
        }
        s.parse()
            .map_err(|_| format!("{s:?} is not a whole number"))
    }
}

fn parse_address(s: &str) -> Result<SocketAddr, String> {
    s.parse::<SocketAddr>()
        .map_err(|_| format!("{s:?} is not an address like 127.0.0.1:8080"))
}

fn parse_text(s: &str) -> Result<String, String> {
    if s.is_empty() {
        Err("must not be empty".to_owned())
    } else {
        Ok(s.to_owned())
    }
}

fn parse_http_url(s: &str) -> Result<String, String> {
    if s.starts_with("http://") || s.starts_with("https://") {
        Ok(s.trim_end_matches('/').to_owned())
    } else {
        Err(format!(
            "{:?} is not an http:// or https:// URL",
            redact_url(s)
        ))
    }
}

impl Settings {
    /// Loads settings from an optional TOML file and an environment (name → value).
    ///
    /// Nothing is written anywhere; a missing directory is created only by `serve`.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Settings, ConfigError> {
        let env: HashMap<String, String> = env
            .into_iter()
            .filter(|(k, v)| k.starts_with("KABINET_") && !v.is_empty())
            .collect();
        let file = match file {
            None => None,
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_owned(),
                    source,
                })?;
                let table: toml::Table =
                    text.parse()
                        .map_err(|e: toml::de::Error| ConfigError::Syntax {
                            path: path.to_owned(),
                            message: e.to_string(),
                        })?;
                let mut keys = Vec::new();
                flat_keys(&table, "", &mut keys);
                if let Some(key) = keys.iter().find(|k| !KEYS.contains(&k.as_str())) {
                    return Err(ConfigError::UnknownKey {
                        key: key.clone(),
                        path: path.to_owned(),
                    });
                }
                Some((path.to_owned(), table))
            }
        };
        let src = Sources { file, env };

        let data_dir = src
            .get("data_dir", |s| parse_text(s).map(PathBuf::from))?
            .unwrap_or_else(|| PathBuf::from("./data"));
        let configured_db = src.get("database_url", |s| {
            kabinet_store::Backend::from_url(s)
                .map(|_| s.to_owned())
                .map_err(|e| e.to_string())
        })?;
        let embedded = configured_db.is_none();
        let database_url = configured_db
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("kabinet.db").display()));
        let log_format = src
            .get("log_format", |s| match s {
                "text" => Ok(LogFormat::Text),
                "json" => Ok(LogFormat::Json),
                _ => Err(format!("{s:?} is not a log format (text or json)")),
            })?
            .unwrap_or(LogFormat::Text);
        Ok(Settings {
            database_url: SecretString::from(database_url),
            database_max_connections: src
                .get("database_max_connections", parse_number(1, 1000))?
                .unwrap_or(8),
            migrate_on_start: src.get("migrate_on_start", parse_bool)?.unwrap_or(true),
            listen: src
                .get("listen", parse_address)?
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080))),
            public_url: src.get("public_url", parse_http_url)?,
            trust_forwarded_headers: src
                .get("trust_forwarded_headers", parse_bool)?
                .unwrap_or(false),
            trusted_proxies: src
                .get("trusted_proxies", parse_number(1, 16))?
                .unwrap_or(1),
            smtp_url: src.get("smtp_url", |s| {
                SmtpTarget::parse(s)
                    .map(|_| SecretString::from(s.to_owned()))
                    .map_err(|e| format!("{:?}: {e}", redact_url(s)))
            })?,
            mail_from: src
                .get("mail_from", parse_text)?
                .unwrap_or_else(|| "Личный кабинет <noreply@localhost>".to_owned()),
            sms_gateway_url: src
                .get("sms_gateway_url", parse_http_url)?
                .map(SecretString::from),
            demo: src.get("demo", parse_bool)?.unwrap_or(embedded),
            log_format,
            log_level: src
                .get("log_level", parse_text)?
                .unwrap_or_else(|| "info".to_owned()),
            worker: src.get("worker", parse_bool)?.unwrap_or(true),
            worker_poll_ms: src
                .get("worker_poll_ms", parse_number(10, 60_000))?
                .unwrap_or(1000),
            outbox_max_attempts: src
                .get("outbox_max_attempts", parse_number(1, 100))?
                .unwrap_or(8),
            outbox_backoff_secs: src
                .get("outbox_backoff_secs", parse_number(1, 3600))?
                .unwrap_or(30),
            shutdown_grace_secs: src
                .get("shutdown_grace_secs", parse_number(0, 3600))?
                .unwrap_or(30),
            password: PasswordSettings {
                policy: kabinet_domain::password::PasswordPolicy {
                    min_length: src
                        .get("password.min_length", parse_number(8, 64))?
                        .unwrap_or(12),
                    max_length: 1024,
                    require_composition: src
                        .get("password.require_composition", parse_bool)?
                        .unwrap_or(false),
                    history: src
                        .get("password.history", parse_number(0, 24))?
                        .unwrap_or(5),
                },
                max_age_days: src
                    .get("password.max_age_days", parse_number(0, 3650))?
                    .unwrap_or(0),
                argon2_memory_kib: src
                    .get("password.argon2_memory_kib", parse_number(8, 4_194_304))?
                    .unwrap_or(19_456),
                argon2_iterations: src
                    .get("password.argon2_iterations", parse_number(1, 100))?
                    .unwrap_or(2),
                argon2_parallelism: src
                    .get("password.argon2_parallelism", parse_number(1, 64))?
                    .unwrap_or(1),
            },
            session: SessionSettings {
                idle_minutes: src
                    .get("session.idle_minutes", parse_number(1, 1440))?
                    .unwrap_or(30),
                absolute_hours: src
                    .get("session.absolute_hours", parse_number(1, 720))?
                    .unwrap_or(12),
            },
            lockout: LockoutSettings {
                max_failures: src
                    .get("lockout.max_failures", parse_number(1, 100))?
                    .unwrap_or(5),
                window_minutes: src
                    .get("lockout.window_minutes", parse_number(1, 1440))?
                    .unwrap_or(15),
                minutes: src
                    .get("lockout.minutes", parse_number(1, 1440))?
                    .unwrap_or(15),
                max_hours: src
                    .get("lockout.max_hours", parse_number(1, 720))?
                    .unwrap_or(24),
                address_max_failures: src
                    .get("lockout.address_max_failures", parse_number(1, 100_000))?
                    .unwrap_or(50),
                address_delay_ms: src
                    .get("lockout.address_delay_ms", parse_number(0, 60_000))?
                    .unwrap_or(1000),
                address_max_wait_seconds: src
                    .get("lockout.address_max_wait_seconds", parse_number(0, 600))?
                    .unwrap_or(30),
            },
            encryption_keys: src
                .get("encryption.keys", parse_text)?
                .map(SecretString::from),
            encryption_keys_origin: src
                .raw("encryption.keys")
                .map_or_else(|| env_name("encryption.keys"), |(_, origin)| origin),
            encryption_key_file: src
                .get("encryption.key_file", |s| parse_text(s).map(PathBuf::from))?,
            registry_url: src.get("registry_url", parse_http_url)?,
            retention_days: src
                .get("privacy.retention_days", parse_number(0, 3650))?
                .unwrap_or(30),
            webhook_allow_insecure: src
                .get("notify.webhook_allow_insecure", parse_bool)?
                .unwrap_or(false),
            tls_ca_file: src.get("tls.ca_file", |s| parse_text(s).map(PathBuf::from))?,
            files: FileLimits {
                max_per_application: src
                    .get("files.max_per_application", parse_number(1, 1000))?
                    .unwrap_or(20),
                max_total_mb_per_application: src
                    .get(
                        "files.max_total_mb_per_application",
                        parse_number(1, 100_000),
                    )?
                    .unwrap_or(100),
                max_total_mb_per_owner: src
                    .get("files.max_total_mb_per_owner", parse_number(1, 1_000_000))?
                    .unwrap_or(500),
            },
            metrics_token: src.get("metrics.token", |s| {
                if s.len() < 16 || !s.bytes().all(|b| b.is_ascii_graphic()) {
                    Err("must be at least 16 printable ASCII characters".to_owned())
                } else {
                    Ok(SecretString::from(s.to_owned()))
                }
            })?,
            metrics_listen: src.get("metrics.listen", parse_address)?,
            data_dir,
        })
    }

    /// The key file in use when `encryption.keys` is not set, and whether kabinet
    /// may create it (only the default one, under `data_dir`).
    pub fn key_file(&self) -> (PathBuf, bool) {
        match &self.encryption_key_file {
            Some(path) => (path.clone(), false),
            None => (self.data_dir.join("keys.txt"), true),
        }
    }

    /// The configured encryption keys: inline, or the key file.
    pub fn keyring(&self) -> Result<crate::crypto::Keyring, String> {
        match &self.encryption_keys {
            Some(keys) => {
                crate::crypto::Keyring::parse(keys.expose_secret(), &self.encryption_keys_origin)
            }
            None => {
                let (path, create) = self.key_file();
                if create && !self.database_url().starts_with("sqlite:") && !path.exists() {
                    tracing::warn!(
                        path = %path.display(),
                        "no encryption keys configured: creating a key file on this node; with several nodes on one \
                         database set encryption.keys or share encryption.key_file, or they cannot read each other's data"
                    );
                }
                crate::crypto::Keyring::from_file(&path, create)
            }
        }
    }

    /// The database URL (a secret: do not log it; use [`Settings::database_target`]).
    pub fn database_url(&self) -> &str {
        self.database_url.expose_secret()
    }

    /// The database URL with its password redacted, for messages.
    pub fn database_target(&self) -> String {
        redact_url(self.database_url.expose_secret())
    }

    /// The SMTP relay, when configured (validated at load).
    pub fn smtp_target(&self) -> Option<SmtpTarget> {
        self.smtp_url
            .as_ref()
            .and_then(|u| SmtpTarget::parse(u.expose_secret()).ok())
    }

    /// Where uploaded and generated files live.
    pub fn files_dir(&self) -> PathBuf {
        self.data_dir.join("files")
    }
}

#[cfg(test)]
#[path = "settings_tests.rs"]
mod tests;
