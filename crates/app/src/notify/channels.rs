//! Channel adapters: e-mail over SMTP (lettre) and SMS over an HTTP gateway; both fall
//! back to printing to the log when not configured (the embedded default).

use std::time::Duration;

use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use std::sync::Arc;

use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::AsyncSmtpConnection;
use lettre::transport::smtp::extension::ClientId;
use secrecy::ExposeSecret;
use uuid::Uuid;

use crate::Settings;
use crate::settings::SmtpTarget;

/// Why a delivery failed.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// Worth retrying later (connection refused, 4xx SMTP reply, 5xx HTTP).
    #[error("temporary failure: {0}")]
    Transient(String),
    /// Retrying will not help (bad address, 5xx SMTP reply, 4xx HTTP).
    #[error("permanent failure: {0}")]
    Permanent(String),
}

/// The e-mail channel.
#[derive(Clone)]
pub enum Mailer {
    /// Deliver through an SMTP relay.
    Smtp {
        /// Where and as whom.
        target: Arc<SmtpTarget>,
        /// One connection kept open between messages (the worker sends one at a time).
        conn: Arc<tokio::sync::Mutex<Option<AsyncSmtpConnection>>>,
        /// The sender.
        from: Mailbox,
    },
    /// Print to the log (development).
    Log,
}

/// Opens a connection with `TCP_NODELAY`: lettre writes a message and its final
/// `.` in two writes, and with Nagle's algorithm the second waits for the server's
/// delayed acknowledgement — 40 ms per message, about 23 messages a second.
async fn smtp_connect(target: &SmtpTarget) -> Result<AsyncSmtpConnection, DeliveryError> {
    let transient = |e: String| DeliveryError::Transient(e);
    let stream = tokio::time::timeout(
        Duration::from_secs(20),
        tokio::net::TcpStream::connect((target.host.as_str(), target.port)),
    )
    .await
    .map_err(|_| transient("connection timed out".into()))?
    .map_err(|e| transient(e.to_string()))?;
    stream
        .set_nodelay(true)
        .map_err(|e| transient(e.to_string()))?;
    let mut conn =
        AsyncSmtpConnection::connect_with_transport(Box::new(stream), &ClientId::default())
            .await
            .map_err(smtp_error)?;
    if let Some((user, password)) = &target.credentials {
        conn.auth(
            &[Mechanism::Plain, Mechanism::Login],
            &Credentials::new(user.clone(), password.clone()),
        )
        .await
        .map_err(smtp_error)?;
    }
    Ok(conn)
}

fn smtp_error(e: lettre::transport::smtp::Error) -> DeliveryError {
    if e.is_permanent() {
        DeliveryError::Permanent(e.to_string())
    } else {
        DeliveryError::Transient(e.to_string())
    }
}

impl Mailer {
    /// Builds the channel from the settings.
    pub fn from_settings(settings: &Settings) -> Result<Mailer, String> {
        let Some(target) = settings.smtp_target() else {
            return Ok(Mailer::Log);
        };
        let from = settings
            .mail_from
            .parse()
            .map_err(|e| format!("KABINET_MAIL_FROM: {e}"))?;
        Ok(Mailer::Smtp {
            target: Arc::new(target),
            conn: Arc::new(tokio::sync::Mutex::new(None)),
            from,
        })
    }

    /// Sends one message; `id` becomes its Message-ID so receivers can drop duplicates.
    pub async fn send(
        &self,
        id: Uuid,
        to: &str,
        subject: &str,
        (text, html): (&str, Option<&str>),
        unsubscribe: Option<&str>,
    ) -> Result<(), DeliveryError> {
        match self {
            Mailer::Log => {
                tracing::info!(
                    target: "kabinet::console_delivery",
                    event_id = %id, to, subject, "e-mail (not sent: no KABINET_SMTP_URL)\n{text}"
                );
                Ok(())
            }
            Mailer::Smtp { target, conn, from } => {
                let to: Mailbox = to
                    .parse()
                    .map_err(|e| DeliveryError::Permanent(format!("bad recipient: {e}")))?;
                let host = from.email.domain().to_owned();
                let builder = lettre::Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(subject)
                    .message_id(Some(format!("<{id}@{host}>")));
                // RFC 8058: one click in the mail client turns this category off.
                let builder = match unsubscribe {
                    Some(url) => builder
                        .raw_header(HeaderValue::new(
                            HeaderName::new_from_ascii_str("List-Unsubscribe"),
                            format!("<{url}>"),
                        ))
                        .raw_header(HeaderValue::new(
                            HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                            "List-Unsubscribe=One-Click".to_owned(),
                        )),
                    None => builder,
                };
                let built = match html {
                    Some(html) => builder.multipart(MultiPart::alternative_plain_html(
                        text.to_owned(),
                        html.to_owned(),
                    )),
                    None => builder
                        .header(ContentType::TEXT_PLAIN)
                        .body(text.to_owned()),
                }
                .map_err(|e| DeliveryError::Permanent(format!("cannot build message: {e}")))?;
                let envelope = built.envelope().clone();
                let bytes = built.formatted();
                let mut slot = conn.lock().await;
                let reused = slot.is_some();
                let mut c = match slot.take() {
                    Some(c) => c,
                    None => smtp_connect(target).await?,
                };
                let mut result = c.send(&envelope, &bytes).await;
                // A kept connection may have been closed by the server meanwhile (not
                // an SMTP reply): one more try on a fresh one.
                if let Err(e) = &result
                    && reused
                    && !e.is_response()
                {
                    c = smtp_connect(target).await?;
                    result = c.send(&envelope, &bytes).await;
                }
                match result {
                    Ok(_) => {
                        *slot = Some(c);
                        Ok(())
                    }
                    // lettre ends the session after an error: the next message connects anew.
                    Err(e) => Err(smtp_error(e)),
                }
            }
        }
    }
}

/// The SMS channel.
#[derive(Clone)]
pub enum SmsGateway {
    /// `POST {"to", "text"}` to an HTTP endpoint.
    Http {
        /// The client.
        client: reqwest::Client,
        /// The endpoint (a secret: it may carry a token).
        url: secrecy::SecretString,
    },
    /// Print to the log (development).
    Log,
}

impl SmsGateway {
    /// Builds the channel from the settings.
    pub fn from_settings(settings: &Settings) -> Result<SmsGateway, String> {
        let Some(url) = &settings.sms_gateway_url else {
            return Ok(SmsGateway::Log);
        };
        let client = crate::http::client_builder(settings)?
            .timeout(Duration::from_secs(20))
            .build()
            .map_err(|e| format!("KABINET_SMS_GATEWAY_URL: {e}"))?;
        Ok(SmsGateway::Http {
            client,
            url: url.clone(),
        })
    }

    /// Sends one SMS; `id` goes in the `Idempotency-Key` header.
    pub async fn send(&self, id: Uuid, to: &str, text: &str) -> Result<(), DeliveryError> {
        tracing::info!(event_id = %id, segments = sms_segments(text), "SMS");
        match self {
            SmsGateway::Log => {
                tracing::info!(
                    target: "kabinet::console_delivery",
                    event_id = %id, to, "SMS (not sent: no KABINET_SMS_GATEWAY_URL)\n{text}"
                );
                Ok(())
            }
            SmsGateway::Http { client, url } => {
                let response = client
                    .post(url.expose_secret())
                    .header("Idempotency-Key", id.to_string())
                    .json(&serde_json::json!({ "to": to, "text": text }))
                    .send()
                    .await
                    .map_err(|e| DeliveryError::Transient(crate::http::describe(e)))?;
                let status = response.status();
                if status.is_success() {
                    Ok(())
                } else if status.is_client_error() && status.as_u16() != 429 {
                    Err(DeliveryError::Permanent(format!(
                        "gateway answered {status}"
                    )))
                } else {
                    Err(DeliveryError::Transient(format!(
                        "gateway answered {status}"
                    )))
                }
            }
        }
    }
}

/// How many SMS segments a text takes: GSM-7 fits 160 characters in one (153 each when
/// split), anything else (Cyrillic) is UCS-2 with 70 in one (67 each when split).
pub fn sms_segments(text: &str) -> usize {
    const GSM: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
    let n = text.chars().count();
    let (one, each) = if text.chars().all(|c| GSM.contains(c)) {
        (160, 153)
    } else {
        (70, 67)
    };
    if n <= one { 1 } else { n.div_ceil(each) }
}

/// The signature of a webhook body: `sha256=` and the hex HMAC-SHA256, under the
/// person's secret, of the timestamp, a dot and the body (see docs/notifications.md).
pub fn sign_webhook(secret: &str, timestamp: i64, body: &str) -> String {
    use hmac::{KeyInit, Mac};
    let mut mac = match hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Posts a signed webhook body; 2xx is delivered; an address that is not public
/// (see [`super::webhook`]), a redirect (never followed) and other 4xx (but 408 and
/// 429) will not get better; everything else is retried.
pub async fn post_webhook(
    client: &reqwest::Client,
    allow_private: bool,
    url: &str,
    event: Uuid,
    secret: &str,
    timestamp: i64,
    body: &str,
) -> Result<(), DeliveryError> {
    if !allow_private && let Err(refused) = super::webhook::check_target(url) {
        return Err(DeliveryError::Permanent(format!("webhook {refused}")));
    }
    let res = client
        .post(url)
        .header("content-type", "application/json")
        .header("x-kabinet-event", event.to_string())
        .header("x-kabinet-timestamp", timestamp.to_string())
        .header("x-kabinet-signature", sign_webhook(secret, timestamp, body))
        .body(body.to_owned())
        .send()
        .await
        .map_err(|e| {
            if super::webhook::is_refusal(&e) {
                DeliveryError::Permanent(format!("webhook {}", super::webhook::REFUSED))
            } else {
                DeliveryError::Transient(format!("webhook: {}", crate::http::describe(e)))
            }
        })?;
    let status = res.status();
    if status.is_success() {
        Ok(())
    } else if status.is_redirection() {
        Err(DeliveryError::Permanent(format!(
            "webhook answered {status}; redirects are not followed"
        )))
    } else if status.is_client_error() && status.as_u16() != 408 && status.as_u16() != 429 {
        Err(DeliveryError::Permanent(format!(
            "webhook answered {status}"
        )))
    } else {
        Err(DeliveryError::Transient(format!(
            "webhook answered {status}"
        )))
    }
}

#[cfg(test)]
mod sms_tests {
    use super::sms_segments;

    #[test]
    fn segments_by_alphabet() {
        assert_eq!(sms_segments("Your code 123456"), 1);
        assert_eq!(sms_segments(&"a".repeat(160)), 1);
        assert_eq!(sms_segments(&"a".repeat(161)), 2);
        assert_eq!(sms_segments(&"ж".repeat(70)), 1);
        assert_eq!(sms_segments(&"ж".repeat(71)), 2);
        assert_eq!(sms_segments(&"ж".repeat(134)), 2);
        assert_eq!(sms_segments(&"ж".repeat(135)), 3);
    }
}
