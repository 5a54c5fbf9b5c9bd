//! Unit tests of the settings (kept apart to keep `settings.rs` short).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use std::io::Write;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn defaults_are_the_embedded_default() {
    let s = Settings::load(None, env(&[])).unwrap();
    assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(s.database_url(), "sqlite://./data/kabinet.db");
    assert!(s.demo);
    assert!(s.smtp_url.is_none());
}

#[test]
fn environment_wins_over_file() {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    writeln!(
        f,
        "listen = \"0.0.0.0:9000\"\ndemo = false\nworker_poll_ms = 500\n[password]\nmin_length = 14\nhistory = 3"
    )
    .unwrap();
    let s = Settings::load(Some(f.path()), env(&[("KABINET_LISTEN", "127.0.0.1:9001")])).unwrap();
    assert_eq!(s.listen.to_string(), "127.0.0.1:9001");
    assert!(!s.demo);
    assert_eq!(s.worker_poll_ms, 500);
    assert_eq!(s.password.policy.history, 3);
    let s = Settings::load(
        Some(f.path()),
        env(&[("KABINET_PASSWORD_MIN_LENGTH", "16")]),
    )
    .unwrap();
    assert_eq!(s.password.policy.min_length, 16);
}

#[test]
fn bad_encryption_keys_name_their_origin() {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    writeln!(f, "[encryption]\nkeys = \"k1=short\"").unwrap();
    let s = Settings::load(Some(f.path()), env(&[])).unwrap();
    let e = s.keyring().unwrap_err();
    assert!(e.starts_with("`encryption.keys` in "), "{e}");
    let s = Settings::load(None, env(&[("KABINET_ENCRYPTION_KEYS", "k1=short")])).unwrap();
    assert!(
        s.keyring()
            .unwrap_err()
            .starts_with("KABINET_ENCRYPTION_KEYS:")
    );
}

#[test]
fn bad_values_name_their_origin() {
    let e = Settings::load(None, env(&[("KABINET_LISTEN", "nowhere")])).unwrap_err();
    assert!(e.to_string().starts_with("KABINET_LISTEN:"), "{e}");
    let e = Settings::load(None, env(&[("KABINET_DATABASE_URL", "mysql://x")])).unwrap_err();
    assert!(e.to_string().contains("KABINET_DATABASE_URL"), "{e}");
    let mut f = tempfile::NamedTempFile::new().unwrap();
    writeln!(f, "worker_poll_ms = 1").unwrap();
    let e = Settings::load(Some(f.path()), env(&[])).unwrap_err();
    assert!(e.to_string().contains("`worker_poll_ms` in"), "{e}");
    let mut f = tempfile::NamedTempFile::new().unwrap();
    writeln!(f, "listn = \"x\"").unwrap();
    let e = Settings::load(Some(f.path()), env(&[])).unwrap_err();
    assert!(e.to_string().contains("unknown key `listn`"), "{e}");
}

#[test]
fn metrics_and_proxies() {
    let s = Settings::load(None, env(&[])).unwrap();
    assert!(s.metrics_token.is_none() && s.metrics_listen.is_none());
    assert_eq!(s.trusted_proxies, 1);
    let e = Settings::load(None, env(&[("KABINET_METRICS_TOKEN", "short")])).unwrap_err();
    assert!(e.to_string().starts_with("KABINET_METRICS_TOKEN:"), "{e}");
    let s = Settings::load(
        None,
        env(&[
            ("KABINET_METRICS_LISTEN", "127.0.0.1:9090"),
            ("KABINET_TRUSTED_PROXIES", "2"),
        ]),
    )
    .unwrap();
    assert_eq!(s.metrics_listen.map(|a| a.port()), Some(9090));
    assert_eq!(s.trusted_proxies, 2);
}

#[test]
fn smtp_urls() {
    let t = SmtpTarget::parse("smtp://u:p%40@relay.local:2525").unwrap();
    assert_eq!((t.host.as_str(), t.port), ("relay.local", 2525));
    assert_eq!(t.credentials, Some(("u".into(), "p%40".into())));
    assert_eq!(SmtpTarget::parse("smtp://127.0.0.1").unwrap().port, 25);
    assert!(SmtpTarget::parse("smtps://relay").is_err());
    assert!(SmtpTarget::parse("smtp://relay:port").is_err());
}

#[test]
fn secrets_are_redacted_in_debug() {
    let s = Settings::load(
        None,
        env(&[
            ("KABINET_DATABASE_URL", "postgres://kab:hunter2@db/kab"),
            ("KABINET_SMTP_URL", "smtp://mailer:pa55@relay:25"),
            ("KABINET_METRICS_TOKEN", "scrape-me-sesame-42"),
        ]),
    )
    .unwrap();
    let debug = format!("{s:?}");
    assert!(
        !debug.contains("hunter2") && !debug.contains("pa55") && !debug.contains("sesame"),
        "{debug}"
    );
    assert!(debug.contains("postgres://kab:***@db/kab"), "{debug}");
    assert!(!s.demo, "demo is off when a database is configured");
}
