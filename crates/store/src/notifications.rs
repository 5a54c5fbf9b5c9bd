//! «Мои сообщения» and notification preferences as stored (NTF-1 … NTF-3), and the
//! delivery state of each notification's messages (NTF-5 made visible).

use sqlx::Row;
use time::OffsetDateTime;

use crate::{Conn, StoreError, ts};

/// A notification as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    /// UUIDv7.
    pub id: String,
    /// The person.
    pub account_id: String,
    /// Category name.
    pub category: String,
    /// Title.
    pub title: String,
    /// Text.
    pub text: String,
    /// A local path to the object.
    pub link: Option<String>,
    /// Shown in «Мои сообщения».
    pub in_inbox: bool,
    /// Read.
    pub read_at: Option<OffsetDateTime>,
    /// Created.
    pub created_at: OffsetDateTime,
}

const COLUMNS: &str = "id, account_id, category, title, text, link, in_inbox, read_at, created_at";

fn notification(r: &sqlx::any::AnyRow) -> Result<Notification, StoreError> {
    let read: Option<String> = r.try_get(7)?;
    Ok(Notification {
        id: r.try_get(0)?,
        account_id: r.try_get(1)?,
        category: r.try_get(2)?,
        title: r.try_get(3)?,
        text: r.try_get(4)?,
        link: r.try_get(5)?,
        in_inbox: r.try_get::<i64, _>(6)? != 0,
        read_at: read.as_deref().map(ts::parse).transpose()?,
        created_at: ts::parse(&r.try_get::<String, _>(8)?)?,
    })
}

/// Stores a notification.
pub async fn insert(conn: &mut Conn, n: &Notification) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO notifications (id, account_id, category, title, text, link, in_inbox, read_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&n.id)
    .bind(&n.account_id)
    .bind(&n.category)
    .bind(&n.title)
    .bind(&n.text)
    .bind(&n.link)
    .bind(i64::from(n.in_inbox))
    .bind(n.read_at.map(ts::format))
    .bind(ts::format(n.created_at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The inbox of an account, newest first: `limit` after `offset`, only unread ones
/// or one category if asked; and the total that match.
pub async fn inbox(
    conn: &mut Conn,
    account_id: &str,
    unread_only: bool,
    category: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Notification>, i64), StoreError> {
    let mut filter = String::from("account_id = $1 AND in_inbox = 1");
    if unread_only {
        filter.push_str(" AND read_at IS NULL");
    }
    if category.is_some() {
        filter.push_str(" AND category = $2");
    }
    let mut count = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM notifications WHERE {filter}"
    )))
    .bind(account_id);
    if let Some(c) = category {
        count = count.bind(c);
    }
    let total: i64 = count.fetch_one(&mut *conn).await?.try_get(0)?;
    let n = if category.is_some() { 3 } else { 2 };
    let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM notifications WHERE {filter} ORDER BY id DESC LIMIT ${n} OFFSET ${}",
        n + 1
    )))
    .bind(account_id);
    if let Some(c) = category {
        q = q.bind(c);
    }
    let rows = q.bind(limit).bind(offset).fetch_all(&mut *conn).await?;
    Ok((
        rows.iter().map(notification).collect::<Result<_, _>>()?,
        total,
    ))
}

/// One notification of an account.
pub async fn get(
    conn: &mut Conn,
    account_id: &str,
    id: &str,
) -> Result<Option<Notification>, StoreError> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM notifications WHERE id = $1 AND account_id = $2"
    )))
    .bind(id)
    .bind(account_id)
    .fetch_optional(&mut *conn)
    .await?;
    r.as_ref().map(notification).transpose()
}

/// Marks one notification read; false when the account has no such notification.
pub async fn mark_read(
    conn: &mut Conn,
    account_id: &str,
    id: &str,
    now: OffsetDateTime,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE notifications SET read_at = COALESCE(read_at, $3) WHERE id = $1 AND account_id = $2",
    )
    .bind(id)
    .bind(account_id)
    .bind(ts::format(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks every unread notification of an account (of one category, if given) read;
/// returns how many.
pub async fn mark_all_read(
    conn: &mut Conn,
    account_id: &str,
    category: Option<&str>,
    now: OffsetDateTime,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "UPDATE notifications SET read_at = $2 WHERE account_id = $1 AND read_at IS NULL \
         AND ($3 = '' OR category = $3)",
    )
    .bind(account_id)
    .bind(ts::format(now))
    .bind(category.unwrap_or(""))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// The person's choices: `(category, channel, enabled)`.
pub async fn settings(
    conn: &mut Conn,
    account_id: &str,
) -> Result<Vec<(String, String, bool)>, StoreError> {
    let rows = sqlx::query(
        "SELECT category, channel, enabled FROM notification_settings WHERE account_id = $1",
    )
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get::<i64, _>(2)? != 0)))
        .collect()
}

/// Stores one choice.
pub async fn put_setting(
    conn: &mut Conn,
    account_id: &str,
    category: &str,
    channel: &str,
    enabled: bool,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO notification_settings (account_id, category, channel, enabled) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (account_id, category, channel) DO UPDATE SET enabled = $4",
    )
    .bind(account_id)
    .bind(category)
    .bind(channel)
    .bind(i64::from(enabled))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A delivery of a notification: `(kind, status, attempts, last_error, sent_at)`.
pub type Delivery = (String, String, i64, Option<String>, Option<String>);

/// The deliveries of notifications (by id), for showing their state.
pub async fn deliveries(
    conn: &mut Conn,
    notification_id: &str,
) -> Result<Vec<Delivery>, StoreError> {
    let rows = sqlx::query(
        "SELECT kind, status, attempts, last_error, sent_at FROM outbox WHERE notification_id = $1 ORDER BY id",
    )
    .bind(notification_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get(0)?,
                r.try_get(1)?,
                r.try_get(2)?,
                r.try_get(3)?,
                r.try_get(4)?,
            ))
        })
        .collect()
}

/// A person's webhook: `(url, sealed secret)`.
pub async fn webhook(
    conn: &mut Conn,
    account_id: &str,
) -> Result<Option<(String, String)>, StoreError> {
    let r =
        sqlx::query("SELECT url, secret_sealed FROM notification_webhooks WHERE account_id = $1")
            .bind(account_id)
            .fetch_optional(&mut *conn)
            .await?;
    r.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
}

/// Sets (or replaces) a person's webhook.
pub async fn put_webhook(
    conn: &mut Conn,
    account_id: &str,
    url: &str,
    secret_sealed: &str,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO notification_webhooks (account_id, url, secret_sealed, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (account_id) DO UPDATE SET url = $2, secret_sealed = $3, created_at = $4",
    )
    .bind(account_id)
    .bind(url)
    .bind(secret_sealed)
    .bind(ts::format(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Removes a person's webhook; true when there was one.
pub async fn delete_webhook(conn: &mut Conn, account_id: &str) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM notification_webhooks WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// A delivery as staff see it: `(kind, status, attempts, last_error)`.
pub type DeliveryState = (String, String, i64, Option<String>);

/// The latest notifications of an account (inbox or not) with their deliveries, for
/// staff.
pub async fn with_deliveries(
    conn: &mut Conn,
    account_id: &str,
    limit: i64,
) -> Result<Vec<(Notification, Vec<DeliveryState>)>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM notifications WHERE account_id = $1 ORDER BY id DESC LIMIT $2"
    )))
    .bind(account_id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let list: Vec<Notification> = rows.iter().map(notification).collect::<Result<_, _>>()?;
    let Some(oldest) = list.last().map(|n| n.id.clone()) else {
        return Ok(Vec::new());
    };
    let rows = sqlx::query(
        "SELECT o.notification_id, o.kind, o.status, o.attempts, o.last_error FROM outbox o \
         JOIN notifications n ON n.id = o.notification_id \
         WHERE n.account_id = $1 AND n.id >= $2 ORDER BY o.id",
    )
    .bind(account_id)
    .bind(&oldest)
    .fetch_all(&mut *conn)
    .await?;
    let mut deliveries: Vec<(String, DeliveryState)> = Vec::new();
    for r in &rows {
        deliveries.push((
            r.try_get(0)?,
            (r.try_get(1)?, r.try_get(2)?, r.try_get(3)?, r.try_get(4)?),
        ));
    }
    Ok(list
        .into_iter()
        .map(|n| {
            let d = deliveries
                .iter()
                .filter(|(id, _)| *id == n.id)
                .map(|(_, d)| d.clone())
                .collect();
            (n, d)
        })
        .collect())
}
