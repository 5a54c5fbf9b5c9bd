//! Operator use cases that the command line and the back office share.

use kabinet_domain::ids::{Email, Phone};
use kabinet_store::audit;
use serde_json::json;
use uuid::Uuid;

use crate::notify::{self, Message};
use crate::{App, AppError, Ctx, FieldError};

/// Where a test message goes.
#[derive(Clone, Debug)]
pub enum TestTarget {
    /// An e-mail address as typed.
    Email(String),
    /// A phone number as typed.
    Phone(String),
}

/// Queues a test message through the real delivery path (outbox → worker → channel),
/// so an operator can check the SMTP or SMS settings. Audited.
pub async fn send_test_message(app: &App, ctx: &Ctx, target: TestTarget) -> Result<Uuid, AppError> {
    let message = match target {
        TestTarget::Email(raw) => {
            let email = Email::parse(&raw).map_err(|e| {
                AppError::Validation(vec![FieldError::new("email", e.message_key())])
            })?;
            Message::Email {
                to: email.as_str().to_owned(),
                subject: "Проверка доставки".to_owned(),
                text: "Это проверочное письмо личного кабинета. Отвечать на него не нужно."
                    .to_owned(),
                html: None,
                unsubscribe: None,
            }
        }
        TestTarget::Phone(raw) => {
            let phone = Phone::parse(&raw).map_err(|e| {
                AppError::Validation(vec![FieldError::new("phone", e.message_key())])
            })?;
            Message::Sms {
                to: phone.as_str().to_owned(),
                text: "Проверка доставки SMS личного кабинета.".to_owned(),
            }
        }
    };
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let id = notify::enqueue(&mut tx, now, &message, app.settings.outbox_max_attempts).await?;
    audit::append(
        &mut tx,
        &audit::NewEntry {
            at: now,
            actor: &ctx.actor,
            action: "notify.test_queued",
            object: &format!("outbox:{id}"),
            source: ctx.source.as_deref(),
            request_id: ctx.request_id.as_deref(),
            details: json!({ "channel": message.kind() }),
        },
    )
    .await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(id)
}
