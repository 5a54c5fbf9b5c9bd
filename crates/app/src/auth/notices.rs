//! Messages to people: codes and security notices, enqueued in the caller's transaction.

use kabinet_domain::notify::{self as notify_rules, Category, Channel};
use kabinet_store::notifications::{self, Notification};
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
            unsubscribe: None,
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
            unsubscribe: None,
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

/// A notification to a person (NTF-1 … NTF-3): an entry in «Мои сообщения» and a
/// message to each confirmed contact whose channel is on for the category, all in the
/// caller's transaction. Security notices reach every confirmed contact whatever the
/// settings say.
pub struct Notice<'a> {
    /// The category.
    pub category: Category,
    /// The title's message key.
    pub subject_key: &'a str,
    /// The text's message key.
    pub text_key: &'a str,
    /// The variables of both.
    pub args: &'a [(&'a str, &'a str)],
    /// A local path to the object.
    pub link: Option<String>,
}

/// Sends a [`Notice`] to an account; returns the notification's id.
pub async fn notify(
    conn: &mut Conn,
    app: &App,
    now: OffsetDateTime,
    account_id: &str,
    notice: &Notice<'_>,
) -> Result<String, AppError> {
    let subject = app.i18n.t(notice.subject_key);
    let text = app.i18n.t_with(notice.text_key, notice.args);
    let chosen = notifications::settings(conn, account_id).await?;
    let on = |channel: Channel| {
        let choice = chosen
            .iter()
            .find(|(c, ch, _)| c == notice.category.as_str() && ch == channel.as_str())
            .map(|(_, _, on)| *on);
        notify_rules::effective(notice.category, channel, choice)
    };
    let id = uuid::Uuid::now_v7().to_string();
    notifications::insert(
        conn,
        &Notification {
            id: id.clone(),
            account_id: account_id.to_owned(),
            category: notice.category.as_str().to_owned(),
            title: subject.clone(),
            text: text.clone(),
            link: notice.link.clone(),
            in_inbox: on(Channel::Inbox),
            read_at: None,
            created_at: now,
        },
    )
    .await?;
    let mandatory = notice.category.mandatory();
    if on(Channel::Webhook) && notifications::webhook(conn, account_id).await?.is_some() {
        let body = serde_json::json!({
            "id": id,
            "category": notice.category.as_str(),
            "title": subject,
            "text": text,
            "link": notice.link,
            "created_at": kabinet_store::ts::format(now),
        })
        .to_string();
        let message = Message::Webhook {
            account_id: account_id.to_owned(),
            body,
        };
        let payload =
            serde_json::to_value(&message).map_err(|e| AppError::internal(e.to_string()))?;
        kabinet_store::outbox::enqueue_for(
            conn,
            now,
            message.kind(),
            &payload,
            app.settings.outbox_max_attempts,
            Some(&id),
        )
        .await?;
    }
    // Links in messages must be absolute: only when the public address is known.
    let link = match (&app.settings.public_url, &notice.link) {
        (Some(base), Some(path)) => Some(format!("{}{path}", base.trim_end_matches('/'))),
        _ => None,
    };
    for (kind, value) in accounts::contacts(conn, account_id).await? {
        let channel = if kind == "email" {
            Channel::Email
        } else {
            Channel::Sms
        };
        if !(mandatory || on(channel)) {
            continue;
        }
        let message = match channel {
            Channel::Email => Message::Email {
                to: value.clone(),
                subject: subject.clone(),
                text: with_link(&text, link.as_deref()),
                html: Some(html_body(app, &subject, &text, link.as_deref())),
                unsubscribe: match (&app.settings.public_url, mandatory) {
                    (Some(base), false) => Some(format!(
                        "{}/unsubscribe?t={}",
                        base.trim_end_matches('/'),
                        crate::inbox::unsubscribe_token(app, account_id, notice.category)
                    )),
                    _ => None,
                },
            },
            _ => Message::Sms {
                to: value.clone(),
                text: sms_text(app, &subject, &text),
            },
        };
        let payload =
            serde_json::to_value(&message).map_err(|e| AppError::internal(e.to_string()))?;
        kabinet_store::outbox::enqueue_for(
            conn,
            now,
            message.kind(),
            &payload,
            app.settings.outbox_max_attempts,
            Some(&id),
        )
        .await?;
    }
    Ok(id)
}

/// A security notice: every confirmed contact and «Мои сообщения» (cannot be turned off).
pub async fn security_notice(
    conn: &mut Conn,
    app: &App,
    now: OffsetDateTime,
    account_id: &str,
    subject_key: &str,
    text_key: &str,
    args: &[(&str, &str)],
) -> Result<(), AppError> {
    notify(
        conn,
        app,
        now,
        account_id,
        &Notice {
            category: Category::Security,
            subject_key,
            text_key,
            args,
            link: None,
        },
    )
    .await
    .map(|_| ())
}

fn with_link(text: &str, link: Option<&str>) -> String {
    match link {
        Some(l) => format!("{text}\n\n{l}"),
        None => text.to_owned(),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The HTML part of a notice: the title, the text and a link to the object.
fn html_body(app: &App, subject: &str, text: &str, link: Option<&str>) -> String {
    let link = link
        .map(|l| {
            format!(
                "<p><a href=\"{}\">{}</a></p>",
                escape(l),
                escape(&app.i18n.t("notify-email-open"))
            )
        })
        .unwrap_or_default();
    format!(
        "<!DOCTYPE html><html lang=\"ru\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body><h1 style=\"font-size:20px\">{}</h1><p>{}</p>{link}</body></html>",
        escape(subject),
        escape(subject),
        escape(text).replace('\n', "<br>")
    )
}

/// An SMS within one 70-character Cyrillic segment where possible: the text when it
/// fits, else the title with a pointer to the portal.
fn sms_text(app: &App, subject: &str, text: &str) -> String {
    if text.chars().count() <= 70 {
        return text.to_owned();
    }
    let short = app.i18n.t_with("notify-sms-short", &[("title", subject)]);
    if short.chars().count() <= 70 {
        short
    } else {
        subject.chars().take(70).collect()
    }
}
