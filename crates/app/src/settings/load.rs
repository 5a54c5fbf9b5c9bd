//! Loading and checking the settings, and the values derived from them.

use kabinet_store::redact_url;
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use super::*;

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
            kabinet_store::Dialect::from_url(s)
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
