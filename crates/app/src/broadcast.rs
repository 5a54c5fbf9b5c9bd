//! Broadcasts (NTF-2 `news`): an administrator's notice to every active person or to
//! those of one level, respecting each person's choices; the delivery workers process
//! it in batches of [`BATCH`] recipients (never all of them in memory), one batch per
//! transaction, and its progress is visible.

use kabinet_domain::access::Action;
use kabinet_domain::account::AccountLevel;
use kabinet_domain::notify::{self as rules, Category, Channel};
use kabinet_store::broadcasts::{self as store, Broadcast};
use kabinet_store::notifications::Notification;
use serde_json::json;
use uuid::Uuid;

use crate::audit::audit_event;
use crate::auth::SignedIn;
use crate::notify::Message;
use crate::{App, AppError, Ctx, FieldError};

/// Recipients per batch (one transaction).
pub const BATCH: i64 = 1000;

/// Sends a `news` notice; answers the broadcast (its total counted now).
pub async fn create(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    title: &str,
    text: &str,
    level: Option<&str>,
) -> Result<Broadcast, AppError> {
    who.authorize(Action::ManageAccounts)?;
    create_as(app, ctx, &who.actor(), title, text, level).await
}

/// Sends a `news` notice on behalf of `actor` (the command line, or an administrator
/// already authorised).
pub async fn create_as(
    app: &App,
    ctx: &Ctx,
    actor: &str,
    title: &str,
    text: &str,
    level: Option<&str>,
) -> Result<Broadcast, AppError> {
    let mut errors = Vec::new();
    let title = title.trim();
    let text = text.trim();
    if title.is_empty() || title.chars().count() > 200 {
        errors.push(FieldError::new("title", "broadcast-title"));
    }
    if text.is_empty() || text.chars().count() > 2000 {
        errors.push(FieldError::new("text", "broadcast-text"));
    }
    let level = match level.filter(|l| !l.is_empty()) {
        None => None,
        Some(l) => {
            let parsed = AccountLevel::parse(l);
            if parsed.is_none() {
                errors.push(FieldError::new("level", "broadcast-level"));
            }
            parsed
        }
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let total = store::audience(&mut tx, level).await?;
    let b = Broadcast {
        id: Uuid::now_v7().to_string(),
        title: title.to_owned(),
        text: text.to_owned(),
        level,
        status: "running".into(),
        total,
        processed: 0,
        cursor: String::new(),
        created_by: actor.to_owned(),
        created_at: now,
        finished_at: None,
    };
    store::insert(&mut tx, &b).await?;
    audit_event(
        &mut tx,
        ctx,
        now,
        actor,
        "broadcast.created",
        &format!("broadcast:{}", b.id),
        json!({ "level": level.map(AccountLevel::as_str), "total": total }),
    )
    .await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(b)
}

/// The latest broadcasts with their progress.
pub async fn list(app: &App, who: &SignedIn) -> Result<Vec<Broadcast>, AppError> {
    who.authorize(Action::ManageAccounts)?;
    let mut conn = app.store.acquire().await?;
    Ok(store::latest(&mut conn, 50).await?)
}

/// One broadcast and its progress.
pub async fn get(app: &App, who: &SignedIn, id: &str) -> Result<Broadcast, AppError> {
    who.authorize(Action::ManageAccounts)?;
    let mut conn = app.store.acquire().await?;
    store::get(&mut conn, id).await?.ok_or(AppError::NotFound)
}

/// Delivers the next batch of the oldest running broadcast; returns how many
/// recipients it took (`None` when nothing is running).
pub async fn step(app: &App) -> Result<Option<usize>, AppError> {
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let Some(b) = store::lock_running(&mut tx).await? else {
        return Ok(None);
    };
    let ids = store::recipients(&mut tx, b.level, &b.cursor, BATCH).await?;
    let Some(last) = ids.last().cloned() else {
        store::advance(&mut tx, &b.id, &b.cursor, 0, true, now).await?;
        finish(app, &mut tx, &b, now).await?;
        tx.commit().await?;
        return Ok(Some(0));
    };
    let category = Category::News;
    let choices = store::choices(&mut tx, category.as_str(), &b.cursor, &last).await?;
    let contacts = store::contacts(&mut tx, &b.cursor, &last).await?;
    let on = |account: &str, channel: Channel| {
        let choice = choices
            .iter()
            .find(|(a, ch, _)| a == account && ch == channel.as_str())
            .map(|(_, _, on)| *on);
        rules::effective(category, channel, choice)
    };
    let mut notifications = Vec::with_capacity(ids.len());
    let mut outbox = Vec::new();
    for account in &ids {
        let id = Uuid::now_v7().to_string();
        for (_, kind, value) in contacts.iter().filter(|(a, _, _)| a == account) {
            let channel = if kind == "email" {
                Channel::Email
            } else {
                Channel::Sms
            };
            if !on(account, channel) {
                continue;
            }
            let message = match channel {
                Channel::Email => Message::Email {
                    to: value.clone(),
                    subject: b.title.clone(),
                    text: b.text.clone(),
                    html: None,
                    unsubscribe: app.settings.public_url.as_ref().map(|base| {
                        format!(
                            "{}/unsubscribe?t={}",
                            base.trim_end_matches('/'),
                            crate::inbox::unsubscribe_token(app, account, category)
                        )
                    }),
                },
                _ => Message::Sms {
                    to: value.clone(),
                    text: b.title.chars().take(70).collect(),
                },
            };
            let payload =
                serde_json::to_string(&message).map_err(|e| AppError::internal(e.to_string()))?;
            outbox.push((
                Uuid::now_v7().to_string(),
                message.kind(),
                payload,
                id.clone(),
            ));
        }
        notifications.push(Notification {
            id,
            account_id: account.clone(),
            category: category.as_str().to_owned(),
            title: b.title.clone(),
            text: b.text.clone(),
            link: None,
            in_inbox: on(account, Channel::Inbox),
            read_at: None,
            created_at: now,
        });
    }
    store::insert_notifications(&mut tx, &notifications).await?;
    store::insert_outbox(
        &mut tx,
        &outbox,
        i64::from(app.settings.outbox_max_attempts.max(1)),
        now,
    )
    .await?;
    let done = i64::try_from(ids.len()).unwrap_or(BATCH) < BATCH;
    store::advance(
        &mut tx,
        &b.id,
        &last,
        i64::try_from(ids.len()).unwrap_or(0),
        done,
        now,
    )
    .await?;
    if done {
        finish(app, &mut tx, &b, now).await?;
    }
    tx.commit().await?;
    if !outbox.is_empty() {
        app.outbox_wake.notify_one();
    }
    Ok(Some(ids.len()))
}

async fn finish(
    _app: &App,
    conn: &mut kabinet_store::Conn,
    b: &Broadcast,
    now: time::OffsetDateTime,
) -> Result<(), AppError> {
    audit_event(
        conn,
        &Ctx::system(),
        now,
        "system",
        "broadcast.finished",
        &format!("broadcast:{}", b.id),
        json!({}),
    )
    .await
}

/// Turns e-mail for `news` on for every person (benchmarks: so that a broadcast also
/// measures e-mail).
pub async fn news_by_email_for_everyone(app: &App) -> Result<u64, AppError> {
    let mut conn = app.store.acquire().await?;
    Ok(store::opt_in_everyone(&mut conn, Category::News.as_str(), Channel::Email.as_str()).await?)
}
