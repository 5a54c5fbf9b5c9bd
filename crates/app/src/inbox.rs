//! «Мои сообщения» and «Настройки → Уведомления» (NTF-2, NTF-3): the person's
//! notifications, read state, delivery state per channel, and the channel chosen for
//! each category.

use kabinet_domain::access::Action;
use kabinet_domain::notify::{self as rules, Category, Channel};
use kabinet_store::notifications::{self as store, Delivery, Notification};
use serde_json::json;

use crate::audit::audit_event;
use crate::auth::SignedIn;
use crate::{App, AppError, Ctx, FieldError};

fn category(name: Option<&str>) -> Result<Option<Category>, AppError> {
    match name.filter(|n| !n.is_empty()) {
        None => Ok(None),
        Some(n) => Category::parse(n).map(Some).ok_or_else(|| {
            AppError::Validation(vec![FieldError::new("category", "notify-category-unknown")])
        }),
    }
}

/// A page of the person's notifications, newest first, and how many match.
pub async fn list(
    app: &App,
    who: &SignedIn,
    unread_only: bool,
    category_name: Option<&str>,
    page: i64,
    per_page: i64,
) -> Result<(Vec<Notification>, i64), AppError> {
    who.authorize(Action::UseOwnNotifications)?;
    let category = category(category_name)?;
    let per_page = per_page.clamp(1, 100);
    let mut conn = app.store.acquire().await?;
    Ok(store::inbox(
        &mut conn,
        &who.account.id,
        unread_only,
        category.map(Category::as_str),
        per_page,
        (page.max(1) - 1) * per_page,
    )
    .await?)
}

/// One notification with the state of its deliveries (NTF-5 made visible).
pub async fn get(
    app: &App,
    who: &SignedIn,
    id: &str,
) -> Result<(Notification, Vec<Delivery>), AppError> {
    who.authorize(Action::UseOwnNotifications)?;
    let mut conn = app.store.acquire().await?;
    let n = store::get(&mut conn, &who.account.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let d = store::deliveries(&mut conn, id).await?;
    Ok((n, d))
}

/// Marks one notification read.
pub async fn mark_read(app: &App, who: &SignedIn, id: &str) -> Result<(), AppError> {
    who.authorize(Action::UseOwnNotifications)?;
    let mut conn = app.store.acquire().await?;
    if store::mark_read(&mut conn, &who.account.id, id, app.clock.now()).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// «Отметить все прочитанными» (of one category, if given); returns how many.
pub async fn mark_all_read(
    app: &App,
    who: &SignedIn,
    category_name: Option<&str>,
) -> Result<u64, AppError> {
    who.authorize(Action::UseOwnNotifications)?;
    let category = category(category_name)?;
    let mut conn = app.store.acquire().await?;
    Ok(store::mark_all_read(
        &mut conn,
        &who.account.id,
        category.map(Category::as_str),
        app.clock.now(),
    )
    .await?)
}

/// A category's channels: `(channel, on, locked)` — locked when it cannot be turned off.
pub type Row = (Category, Vec<(Channel, bool, bool)>);

/// The effective settings of every category and channel.
pub async fn settings(app: &App, who: &SignedIn) -> Result<Vec<Row>, AppError> {
    who.authorize(Action::UseOwnNotifications)?;
    let mut conn = app.store.acquire().await?;
    let chosen = store::settings(&mut conn, &who.account.id).await?;
    Ok(effective(&chosen))
}

fn effective(chosen: &[(String, String, bool)]) -> Vec<Row> {
    Category::ALL
        .into_iter()
        .map(|c| {
            let channels = Channel::ALL
                .into_iter()
                .map(|ch| {
                    let choice = chosen
                        .iter()
                        .find(|(cat, chan, _)| cat == c.as_str() && chan == ch.as_str())
                        .map(|(_, _, on)| *on);
                    let locked = c.mandatory() && matches!(ch, Channel::Inbox | Channel::Email);
                    (ch, rules::effective(c, ch, choice), locked)
                })
                .collect();
            (c, channels)
        })
        .collect()
}

/// Saves choices `(category, channel, on)`; unknown names are refused with the field
/// named (`categories.<category>.<channel>`); the mandatory ones stay on. Returns the
/// effective settings.
pub async fn save_settings(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    choices: &[(String, String, bool)],
) -> Result<Vec<Row>, AppError> {
    who.authorize(Action::UseOwnNotifications)?;
    let mut errors = Vec::new();
    let mut parsed = Vec::new();
    for (cat, chan, on) in choices {
        match (Category::parse(cat), Channel::parse(chan)) {
            (Some(c), Some(ch)) => parsed.push((c, ch, *on)),
            _ => errors.push(FieldError::new(
                format!("categories.{cat}.{chan}"),
                "notify-setting-unknown",
            )),
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    for (c, ch, on) in &parsed {
        let on = *on || (c.mandatory() && matches!(ch, Channel::Inbox | Channel::Email));
        store::put_setting(&mut tx, &who.account.id, c.as_str(), ch.as_str(), on).await?;
    }
    let chosen = store::settings(&mut tx, &who.account.id).await?;
    audit_event(
        &mut tx,
        ctx,
        now,
        &who.actor(),
        "notifications.settings_changed",
        &format!("account:{}", who.account.id),
        json!({ "changed": parsed.len() }),
    )
    .await?;
    tx.commit().await?;
    Ok(effective(&chosen))
}

/// The token of a one-click unsubscribe link (RFC 8058): which account and category,
/// and a keyed hash of both so that nobody can forge one for somebody else.
pub fn unsubscribe_token(app: &App, account_id: &str, category: Category) -> String {
    let mac = app.keys.index(
        "unsubscribe",
        &format!("{account_id}:{}", category.as_str()),
    );
    format!("{account_id}.{}.{mac}", category.as_str())
}

/// What a token says, if it is genuine.
pub fn read_unsubscribe_token(app: &App, token: &str) -> Option<(String, Category)> {
    let mut parts = token.splitn(3, '.');
    let (account, category, mac) = (parts.next()?, parts.next()?, parts.next()?);
    let category = Category::parse(category)?;
    let expected = unsubscribe_token(app, account, category);
    let given = format!("{account}.{}.{mac}", category.as_str());
    crate::auth::csrf_matches(&expected, &given).then(|| (account.to_owned(), category))
}

/// Turns e-mail off for the token's category (mandatory categories cannot be turned
/// off); returns the category.
pub async fn unsubscribe(app: &App, ctx: &Ctx, token: &str) -> Result<Category, AppError> {
    let (account, category) = read_unsubscribe_token(app, token).ok_or(AppError::NotFound)?;
    if category.mandatory() {
        return Err(AppError::Conflict("notify-security-mandatory"));
    }
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    store::put_setting(
        &mut tx,
        &account,
        category.as_str(),
        Channel::Email.as_str(),
        false,
    )
    .await?;
    audit_event(
        &mut tx,
        ctx,
        now,
        &format!("account:{account}"),
        "notifications.unsubscribed",
        &format!("account:{account}"),
        json!({ "category": category.as_str(), "channel": "email" }),
    )
    .await?;
    tx.commit().await?;
    Ok(category)
}

/// Whether a webhook address is acceptable (see [`crate::notify::webhook::check_url`]).
pub fn check_webhook_url(url: &str, allow_insecure: bool) -> Result<reqwest::Url, &'static str> {
    crate::notify::webhook::check_url(url, allow_insecure)
}

/// Sets the person's webhook; answers the new signing secret (shown once).
pub async fn set_webhook(
    app: &App,
    ctx: &Ctx,
    who: &SignedIn,
    url: &str,
) -> Result<String, AppError> {
    who.authorize(Action::UseOwnNotifications)?;
    let url = check_webhook_url(url, app.settings.webhook_allow_insecure)
        .map_err(|key| AppError::Validation(vec![FieldError::new("url", key)]))?;
    let secret = crate::auth::random_token()?;
    let sealed = app
        .keys
        .seal(&format!("webhooks:{}", who.account.id), &secret)
        .map_err(|e| AppError::internal(e.to_string()))?;
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    store::put_webhook(&mut tx, &who.account.id, url.as_str(), &sealed, now).await?;
    audit_event(
        &mut tx,
        ctx,
        now,
        &who.actor(),
        "notifications.webhook_set",
        &format!("account:{}", who.account.id),
        json!({ "host": url.host_str() }),
    )
    .await?;
    crate::auth::notices::security_notice(
        &mut tx,
        app,
        now,
        &who.account.id,
        "notice-webhook-set-subject",
        "notice-webhook-set-message",
        &[("host", url.host_str().unwrap_or_default())],
    )
    .await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(secret)
}

/// The person's webhook address, if set.
pub async fn webhook_url(app: &App, who: &SignedIn) -> Result<Option<String>, AppError> {
    who.authorize(Action::UseOwnNotifications)?;
    let mut conn = app.store.acquire().await?;
    Ok(store::webhook(&mut conn, &who.account.id)
        .await?
        .map(|(u, _)| u))
}

/// Removes the person's webhook.
pub async fn remove_webhook(app: &App, ctx: &Ctx, who: &SignedIn) -> Result<(), AppError> {
    who.authorize(Action::UseOwnNotifications)?;
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    if !store::delete_webhook(&mut tx, &who.account.id).await? {
        return Err(AppError::NotFound);
    }
    audit_event(
        &mut tx,
        ctx,
        now,
        &who.actor(),
        "notifications.webhook_removed",
        &format!("account:{}", who.account.id),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// An account's latest notifications with their delivery state, for support staff and
/// administrators (NTF-5 made visible); the view is recorded.
pub async fn for_staff(
    app: &App,
    ctx: &Ctx,
    staff: &SignedIn,
    account_id: &str,
) -> Result<Vec<(Notification, Vec<store::DeliveryState>)>, AppError> {
    if staff.authorize(Action::HandleSupport).is_err() {
        staff.authorize(Action::ManageAccounts)?;
    }
    let mut conn = app.store.acquire().await?;
    kabinet_store::accounts::get(&mut conn, account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let list = store::with_deliveries(&mut conn, account_id, 50).await?;
    audit_event(
        &mut conn,
        ctx,
        app.clock.now(),
        &staff.actor(),
        "notifications.viewed_by_staff",
        &format!("account:{account_id}"),
        json!({ "rows": list.len() }),
    )
    .await?;
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::check_webhook_url;

    #[test]
    fn webhook_addresses() {
        assert!(check_webhook_url("https://bot.example.ru/hook", false).is_ok());
        for bad in [
            "http://bot.example.ru/hook",
            "ftp://x.ru",
            "https://user:pw@x.ru/",
            "не адрес",
        ] {
            assert_eq!(
                check_webhook_url(bad, false).err(),
                Some("notify-webhook-url"),
                "{bad}"
            );
        }
        for private in [
            "https://127.0.0.1/",
            "https://10.1.2.3/",
            "https://192.168.0.5/",
            "https://[::1]/",
            "https://localhost/",
            "https://169.254.169.254/latest",
        ] {
            assert_eq!(
                check_webhook_url(private, false).err(),
                Some("notify-webhook-private"),
                "{private}"
            );
        }
        assert!(check_webhook_url("http://127.0.0.1:8080/hook", true).is_ok());
    }
}
