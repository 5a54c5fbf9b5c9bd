//! Delivery of outgoing messages (NTF-5): the channels and the outbox worker.
//!
//! Use cases enqueue [`Message`]s with [`enqueue`] inside their transaction; the
//! [`Worker`] delivers them after commit, retrying with exponential back-off.

mod channels;
pub mod webhook;
mod worker;

pub use channels::{DeliveryError, Mailer, SmsGateway, sign_webhook};
pub use worker::{Outcome, Worker};

use kabinet_store::{Conn, StoreError, outbox};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// An outgoing message, as stored in the outbox payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "channel", rename_all = "snake_case")]
pub enum Message {
    /// An e-mail with a plain-text part and an optional HTML part.
    Email {
        /// Recipient address (already parsed and normalised).
        to: String,
        /// Subject line.
        subject: String,
        /// Plain-text body.
        text: String,
        /// HTML body.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        html: Option<String>,
        /// The one-click unsubscribe address (RFC 8058) of a notice that may be
        /// turned off.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unsubscribe: Option<String>,
    },
    /// A notification for the person's webhook; the address and the secret are read
    /// at delivery (never stored in the outbox).
    Webhook {
        /// Whose webhook.
        account_id: String,
        /// The JSON body, exactly as signed and sent.
        body: String,
    },
    /// A text message.
    Sms {
        /// Recipient in E.164.
        to: String,
        /// The text.
        text: String,
    },
    /// Ask the registry about a new organisation (ORG-1); its identifiers are read
    /// (and opened) when the job runs, never stored in the outbox.
    OrganizationCheck {
        /// The organisation.
        organization_id: String,
    },
}

impl Message {
    /// The outbox event kind for this message.
    pub fn kind(&self) -> &'static str {
        match self {
            Message::Email { .. } => "email",
            Message::Sms { .. } => "sms",
            Message::Webhook { .. } => "webhook",
            Message::OrganizationCheck { .. } => "organization_check",
        }
    }
}

/// Enqueues a message inside the caller's transaction.
pub async fn enqueue(
    conn: &mut Conn,
    now: OffsetDateTime,
    message: &Message,
    max_attempts: u32,
) -> Result<Uuid, StoreError> {
    let payload = serde_json::to_value(message)
        .map_err(|e| StoreError::Corrupt(format!("message does not serialise: {e}")))?;
    outbox::enqueue(conn, now, message.kind(), &payload, max_attempts).await
}
