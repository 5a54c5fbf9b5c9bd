//! Configuration: a TOML file (`--config` or `KABINET_CONFIG`) and `KABINET_*`
//! environment variables; the environment wins. Every key is documented in
//! `docs/configuration.md`. Secrets (URLs with passwords) are kept in [`SecretString`]
//! and redacted in `Debug`.

mod load;
mod sources;

pub use sources::{KEYS, env_name};
use sources::{
    Sources, flat_keys, parse_address, parse_bool, parse_http_url, parse_number, parse_text,
};

use kabinet_store::redact_url;
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
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

#[cfg(test)]
mod tests;
