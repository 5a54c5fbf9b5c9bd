//! The outbox worker: claims due events one at a time, delivers them, records the
//! outcome. Runs inside `serve` or alone as `kabinet worker`; several may run against
//! one PostgreSQL database.

use std::time::Duration as StdDuration;

use kabinet_store::{StoreError, outbox};
use time::{Duration, OffsetDateTime};
use tokio::sync::watch;
use uuid::Uuid;

use super::{DeliveryError, Mailer, Message, SmsGateway};
use crate::App;

/// How often the worker looks for passwords about to expire.
const REMINDER_INTERVAL: StdDuration = StdDuration::from_secs(3600);

/// The longest delay between two attempts.
const MAX_BACKOFF: Duration = Duration::hours(1);

/// What happened to a claimed event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Delivered.
    Sent,
    /// Failed; will be tried again at this time.
    Retry(OffsetDateTime),
    /// Failed for good (permanent error or the last attempt).
    Dead,
    /// Delivered, but the lease had expired and another worker owns the event now.
    LeaseLost,
}

/// Delivers outbox events.
pub struct Worker {
    app: App,
    mailer: Mailer,
    sms: SmsGateway,
    http: Option<reqwest::Client>,
    id: String,
    lease: Duration,
}

impl Worker {
    /// A worker with the given channels.
    pub fn new(app: App, mailer: Mailer, sms: SmsGateway) -> Worker {
        let id = format!("worker-{}-{}", std::process::id(), Uuid::now_v7().simple());
        // Webhooks: no redirects (a redirect could point anywhere), a short timeout, no
        // proxy (it would resolve names itself), and — unless the operator allows
        // private addresses — only names whose every address is public, connected to
        // exactly the addresses checked (issue 15 F8).
        let builder = crate::http::client_builder(&app.settings)
            .inspect_err(|e| tracing::error!(error = %e, "the webhook client cannot be built"))
            .ok()
            .map(|b| {
                b.redirect(reqwest::redirect::Policy::none())
                    .timeout(std::time::Duration::from_secs(10))
            });
        let builder = builder.map(|b| {
            if app.settings.webhook_allow_insecure {
                b
            } else {
                b.no_proxy().dns_resolver(super::webhook::PublicOnly)
            }
        });
        // Never a default client instead (it would follow redirects anywhere).
        let http = builder.and_then(|b| {
            b.build()
                .inspect_err(|e| tracing::error!(error = %e, "the webhook client cannot be built"))
                .ok()
        });
        Worker {
            app,
            mailer,
            sms,
            http,
            id,
            // Longer than the channels' own timeouts, so a live worker never loses it.
            lease: Duration::minutes(2),
        }
    }

    /// The delay before attempt `attempts + 1`: base × 2^(attempts − 1), at most an hour.
    pub fn backoff(base_secs: u64, attempts: u32) -> Duration {
        let exp = attempts.saturating_sub(1).min(20);
        let secs = base_secs.saturating_mul(1_u64 << exp);
        Duration::seconds(i64::try_from(secs).unwrap_or(i64::MAX)).min(MAX_BACKOFF)
    }

    /// Claims and handles one due event; `None` when nothing is due.
    pub async fn run_once(&self) -> Result<Option<(Uuid, Outcome)>, StoreError> {
        let store = &self.app.store;
        let now = self.app.clock.now();
        let Some(job) = outbox::claim(store, now, self.lease, &self.id).await? else {
            return Ok(None);
        };
        let result = match serde_json::from_value::<Message>(job.payload.clone()) {
            Err(e) => Err(DeliveryError::Permanent(format!("unreadable event: {e}"))),
            Ok(Message::Email {
                to,
                subject,
                text,
                html,
                unsubscribe,
            }) => {
                self.mailer
                    .send(
                        job.id,
                        &to,
                        &subject,
                        (&text, html.as_deref()),
                        unsubscribe.as_deref(),
                    )
                    .await
            }
            Ok(Message::Sms { to, text }) => self.sms.send(job.id, &to, &text).await,
            Ok(Message::Webhook { account_id, body }) => {
                self.webhook(job.id, &account_id, &body).await
            }
            Ok(Message::OrganizationCheck { organization_id }) => {
                crate::organisations::registry_check(&self.app, &organization_id).await
            }
        };
        let now = self.app.clock.now();
        let outcome = match result {
            Ok(()) => {
                if outbox::mark_sent(store, &job, &self.id, now).await? {
                    tracing::info!(event_id = %job.id, kind = %job.kind, attempt = job.attempts, "delivered");
                    Outcome::Sent
                } else {
                    tracing::warn!(event_id = %job.id, "delivered after the lease expired");
                    Outcome::LeaseLost
                }
            }
            Err(error) => {
                let retry_at = match &error {
                    DeliveryError::Transient(_) if job.attempts < job.max_attempts => Some(
                        now + Self::backoff(self.app.settings.outbox_backoff_secs, job.attempts),
                    ),
                    _ => None,
                };
                let message = error.to_string();
                outbox::mark_failed(store, &job, &self.id, &message, now, retry_at).await?;
                match retry_at {
                    Some(at) => {
                        tracing::warn!(event_id = %job.id, kind = %job.kind, attempt = job.attempts, retry_at = %at, error = %message, "delivery failed, will retry");
                        Outcome::Retry(at)
                    }
                    None => {
                        tracing::error!(event_id = %job.id, kind = %job.kind, attempt = job.attempts, error = %message, "delivery failed for good");
                        Outcome::Dead
                    }
                }
            }
        };
        Ok(Some((job.id, outcome)))
    }

    /// Posts a notification to the person's webhook as it is set now.
    async fn webhook(&self, id: Uuid, account_id: &str, body: &str) -> Result<(), DeliveryError> {
        let found = async {
            let mut conn = self.app.store.acquire().await?;
            kabinet_store::notifications::webhook(&mut conn, account_id).await
        }
        .await
        .map_err(|e| DeliveryError::Transient(e.to_string()))?;
        let Some((url, sealed)) = found else {
            return Err(DeliveryError::Permanent("the webhook was removed".into()));
        };
        let secret = self
            .app
            .keys
            .open(&format!("webhooks:{account_id}"), &sealed)
            .map_err(|e| DeliveryError::Permanent(e.to_string()))?;
        let timestamp = self.app.clock.now().unix_timestamp();
        let Some(http) = &self.http else {
            return Err(DeliveryError::Transient(
                "the webhook client could not be built".into(),
            ));
        };
        let allow_private = self.app.settings.webhook_allow_insecure;
        super::channels::post_webhook(http, allow_private, &url, id, &secret, timestamp, body).await
    }

    /// Delivers until `shutdown` turns true; the event in hand is always finished first.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let poll = StdDuration::from_millis(self.app.settings.worker_poll_ms);
        tracing::info!(worker = %self.id, "delivery worker started");
        let mut next_reminders = tokio::time::Instant::now();
        loop {
            if *shutdown.borrow() {
                break;
            }
            if tokio::time::Instant::now() >= next_reminders {
                next_reminders += REMINDER_INTERVAL;
                if let Err(e) = crate::auth::send_password_reminders(&self.app).await {
                    tracing::error!(error = %e, "password reminders failed");
                }
                if let Err(e) = crate::applications::send_clarification_reminders(&self.app).await {
                    tracing::error!(error = %e, "clarification reminders failed");
                }
                match crate::backoffice::raise_overdue(&self.app).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(
                        applications = n,
                        "overdue applications raised to supervisors"
                    ),
                    Err(e) => tracing::error!(error = %e, "overdue scan failed"),
                }
            }
            // A running broadcast advances one batch per turn, between deliveries.
            let broadcasting = match crate::broadcast::step(&self.app).await {
                Ok(Some(_)) => true,
                Ok(None) => false,
                Err(e) => {
                    tracing::error!(error = %e, "broadcast batch failed");
                    false
                }
            };
            match self.run_once().await {
                Ok(Some(_)) => continue,
                Ok(None) if broadcasting => continue,
                Ok(None) => {}
                Err(e) => tracing::error!(error = %e, "delivery worker could not reach the outbox"),
            }
            tokio::select! {
                _ = shutdown.changed() => {}
                _ = self.app.outbox_wake.notified() => {}
                _ = tokio::time::sleep(poll) => {}
            }
        }
        tracing::info!(worker = %self.id, "delivery worker stopped");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(Worker::backoff(30, 1), Duration::seconds(30));
        assert_eq!(Worker::backoff(30, 2), Duration::seconds(60));
        assert_eq!(Worker::backoff(30, 4), Duration::seconds(240));
        assert_eq!(Worker::backoff(30, 30), Duration::hours(1));
    }
}
