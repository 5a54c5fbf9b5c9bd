//! kabinet use cases and the ports to the outside world.
//!
//! A use case parses its input into domain types, asks `domain::access` whether the
//! actor may act, then runs one transaction holding the change, its audit entry and its
//! outbox event. Nothing is sent from inside a request: the [`notify::Worker`] sends.
#![forbid(unsafe_code)]

pub mod applications;
pub mod audit;
pub mod audit_anchor;
pub mod auth;
pub mod backoffice;
pub mod blobs;
pub mod broadcast;
pub mod catalog;
pub mod clock;
pub mod contacts;
pub mod context;
pub mod crypto;
pub mod demo;
pub mod error;
pub mod files;
pub mod format;
pub mod http;
pub mod i18n;
pub mod identity;
pub mod inbox;
pub mod keys;
pub mod notify;
pub mod ops;
pub mod organisations;
pub mod privacy;
pub mod profile;
pub mod registry;
pub mod seed;
pub mod settings;
pub mod staff;
pub mod support;

use std::sync::Arc;

use kabinet_store::Store;
use tokio::sync::Notify;

pub use clock::{Clock, ManualClock, SystemClock};
pub use context::Ctx;
pub use error::{AppError, FieldError};
pub use settings::Settings;

/// Everything a use case needs, shared by the web layer, the worker and the CLI.
#[derive(Clone)]
pub struct App {
    /// The database.
    pub store: Store,
    /// Effective configuration.
    pub settings: Arc<Settings>,
    /// The source of "now".
    pub clock: Arc<dyn Clock>,
    /// Wakes the in-process worker after a commit that enqueued events.
    pub outbox_wake: Arc<Notify>,
    /// Password hashing on a bounded pool.
    pub hasher: Arc<auth::PasswordHasher>,
    /// The message catalog (for messages sent to people).
    pub i18n: Arc<i18n::I18n>,
    /// Encryption keys for personal identifiers.
    pub keys: Arc<crypto::Keyring>,
    /// The identity registry.
    pub registry: registry::Registry,
    /// Where file contents live.
    pub blobs: blobs::BlobStore,
    /// Service definitions by version, as read (they never change once stored).
    pub service_versions: catalog::VersionCache,
}

impl App {
    /// Assembles the application from its parts; fails on unusable password-hashing
    /// parameters, unreadable encryption keys or a broken message catalog.
    pub fn new(
        store: Store,
        settings: Arc<Settings>,
        clock: Arc<dyn Clock>,
    ) -> Result<App, String> {
        http::install_tls_provider();
        Ok(App {
            hasher: Arc::new(auth::PasswordHasher::new(&settings.password)?),
            i18n: Arc::new(i18n::I18n::russian()?),
            keys: Arc::new(settings.keyring()?),
            registry: registry::Registry::from_settings(&settings)?,
            blobs: blobs::BlobStore::disk(settings.files_dir()),
            service_versions: catalog::VersionCache::default(),
            store,
            settings,
            clock,
            outbox_wake: Arc::new(Notify::new()),
        })
    }

    /// The key an identifier is stored under in `account_logins`: e-mails and phones
    /// as they are, СНИЛС and ИНН as keyed hashes (never in clear).
    pub fn login_key(&self, id: &kabinet_domain::login::LoginId) -> String {
        use kabinet_domain::login::LoginId;
        match id {
            LoginId::Snils(s) => format!("snils:{}", self.keys.index("snils", s.as_str())),
            LoginId::Inn(i) => format!("inn:{}", self.keys.index("inn", i.as_str())),
            other => other.key(),
        }
    }

    /// The key sign-in failures are counted under for what was typed: the first
    /// reading as in [`App::login_key`]; what reads as nothing is hashed too, so a
    /// mistyped СНИЛС is not kept in clear either.
    pub fn throttle_key(&self, typed: &str) -> String {
        match kabinet_domain::login::LoginId::candidates(typed).first() {
            Some(id) => self.login_key(id),
            None => format!(
                "raw:{}",
                self.keys.index("raw", &typed.trim().to_lowercase())
            ),
        }
    }
}
