//! kabinet use cases and the ports to the outside world.
//!
//! A use case parses its input into domain types, asks `domain::access` whether the
//! actor may act, then runs one transaction holding the change, its audit entry and its
//! outbox event. Nothing is sent from inside a request: the [`notify::Worker`] sends.
#![forbid(unsafe_code)]

pub mod auth;
pub mod clock;
pub mod context;
pub mod demo;
pub mod error;
pub mod format;
pub mod i18n;
pub mod notify;
pub mod ops;
pub mod settings;
pub mod staff;

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
}

impl App {
    /// Assembles the application from its parts; fails on unusable password-hashing
    /// parameters or a broken message catalog.
    pub fn new(
        store: Store,
        settings: Arc<Settings>,
        clock: Arc<dyn Clock>,
    ) -> Result<App, String> {
        Ok(App {
            hasher: Arc::new(auth::PasswordHasher::new(&settings.password)?),
            i18n: Arc::new(i18n::I18n::russian()?),
            store,
            settings,
            clock,
            outbox_wake: Arc::new(Notify::new()),
        })
    }
}
