//! Where settings come from (file, environment) and how each value is read.

use kabinet_store::redact_url;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use super::*;

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
pub(super) fn flat_keys(table: &toml::Table, prefix: &str, out: &mut Vec<String>) {
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

pub(super) struct Sources {
    pub(super) file: Option<(PathBuf, toml::Table)>,
    pub(super) env: HashMap<String, String>,
}

impl Sources {
    /// The raw text of a key and where it came from; the environment wins.
    pub(super) fn raw(&self, key: &str) -> Option<(String, String)> {
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

    pub(super) fn get<T>(
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

pub(super) fn parse_bool(s: &str) -> Result<bool, String> {
    match s.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(format!("{s:?} is not a boolean (use true/false or 1/0)")),
    }
}

pub(super) fn parse_number<T: std::str::FromStr>(
    min: u64,
    max: u64,
) -> impl Fn(&str) -> Result<T, String> {
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

pub(super) fn parse_address(s: &str) -> Result<SocketAddr, String> {
    s.parse::<SocketAddr>()
        .map_err(|_| format!("{s:?} is not an address like 127.0.0.1:8080"))
}

pub(super) fn parse_text(s: &str) -> Result<String, String> {
    if s.is_empty() {
        Err("must not be empty".to_owned())
    } else {
        Ok(s.to_owned())
    }
}

pub(super) fn parse_http_url(s: &str) -> Result<String, String> {
    if s.starts_with("http://") || s.starts_with("https://") {
        Ok(s.trim_end_matches('/').to_owned())
    } else {
        Err(format!(
            "{:?} is not an http:// or https:// URL",
            redact_url(s)
        ))
    }
}
