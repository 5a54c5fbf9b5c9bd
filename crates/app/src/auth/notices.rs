//! Messages to people: codes and security notices, enqueued in the caller's transaction.

use kabinet_store::{Conn, accounts};
use time::OffsetDateTime;

use crate::notify::{self, Message};
use crate::{App, AppError};

/// The message carrying a code to a contact (`email` or `phone`).
pub fn code_message(app: &App, kind: &str, to: &str, code: &str) -> Message {
    let text = app.i18n.t_with("code-message", &[("code", code)]);
    match kind {
        "email" => Message::Email {
            to: to.to_owned(),
            subject: app.i18n.t("code-subject"),
            text,
            html: None,
        },
        _ => Message::Sms {
            to: to.to_owned(),
            text,
        },
    }
}

/// A plain message to a contact.
pub fn text_message(kind: &str, to: &str, subject: String, text: String) -> Message {
    match kind {
        "email" => Message::Email {
            to: to.to_owned(),
            subject,
            text,
            html: None,
        },
        _ => Message::Sms {
            to: to.to_owned(),
            text,
        },
    }
}

/// Enqueues a message.
pub async fn send(
    conn: &mut Conn,
    app: &App,
    now: OffsetDateTime,
    message: &Message,
) -> Result<(), AppError> {
    notify::enqueue(conn, now, message, app.settings.outbox_max_attempts).await?;
    Ok(())
}

/// A security notice to every confirmed contact of an account (cannot be turned off).
pub async fn security_notice(
    conn: &mut Conn,
    app: &App,
    now: OffsetDateTime,
    account_id: &str,
    subject_key: &str,
    text_key: &str,
    args: &[(&str, &str)],
) -> Result<(), AppError> {
    let subject = app.i18n.t(subject_key);
    let text = app.i18n.t_with(text_key, args);
    for (kind, value) in accounts::contacts(conn, account_id).await? {
        send(
            conn,
            app,
            now,
            &text_message(&kind, &value, subject.clone(), text.clone()),
        )
        .await?;
    }
    Ok(())
}
