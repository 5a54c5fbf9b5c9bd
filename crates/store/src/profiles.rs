//! Personal data as stored: names and dates in clear, identifiers sealed by the
//! application with their keyed hashes, addresses as JSON; and the change history.
//! SQL only: validation, sealing and masking live in `kabinet_app::profile`.

use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use crate::{Conn, StoreError, ts};

/// A profile row. Every field but the account id may be empty.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProfileRow {
    /// The account.
    pub account_id: String,
    /// Фамилия.
    pub last_name: Option<String>,
    /// Имя.
    pub first_name: Option<String>,
    /// Отчество.
    pub middle_name: Option<String>,
    /// `YYYY-MM-DD`.
    pub birth_date: Option<String>,
    /// Sealed passport JSON.
    pub passport_sealed: Option<String>,
    /// Sealed СНИЛС.
    pub snils_sealed: Option<String>,
    /// Keyed hash of the СНИЛС.
    pub snils_index: Option<String>,
    /// Sealed ИНН.
    pub inn_sealed: Option<String>,
    /// Keyed hash of the ИНН.
    pub inn_index: Option<String>,
    /// Address JSON.
    pub registration_address: Option<String>,
    /// Address JSON.
    pub postal_address: Option<String>,
    /// Why the level did not rise.
    pub level_note: Option<String>,
}

const COLUMNS: &str = "account_id, last_name, first_name, middle_name, birth_date, passport_sealed, \
     snils_sealed, snils_index, inn_sealed, inn_index, registration_address, postal_address, level_note";

fn row(r: &AnyRow) -> Result<ProfileRow, StoreError> {
    Ok(ProfileRow {
        account_id: r.try_get(0)?,
        last_name: r.try_get(1)?,
        first_name: r.try_get(2)?,
        middle_name: r.try_get(3)?,
        birth_date: r.try_get(4)?,
        passport_sealed: r.try_get(5)?,
        snils_sealed: r.try_get(6)?,
        snils_index: r.try_get(7)?,
        inn_sealed: r.try_get(8)?,
        inn_index: r.try_get(9)?,
        registration_address: r.try_get(10)?,
        postal_address: r.try_get(11)?,
        level_note: r.try_get(12)?,
    })
}

/// The profile of an account; an empty one when nothing was saved yet.
pub async fn get(conn: &mut Conn, account_id: &str) -> Result<ProfileRow, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM profiles WHERE account_id = $1");
    let found = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account_id)
        .fetch_optional(&mut *conn)
        .await?;
    match found {
        Some(r) => row(&r),
        None => Ok(ProfileRow {
            account_id: account_id.to_owned(),
            ..ProfileRow::default()
        }),
    }
}

/// Writes the whole row (insert or replace).
pub async fn put(conn: &mut Conn, p: &ProfileRow, now: OffsetDateTime) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO profiles (account_id, last_name, first_name, middle_name, birth_date, \
         passport_sealed, snils_sealed, snils_index, inn_sealed, inn_index, registration_address, \
         postal_address, level_note, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
         ON CONFLICT (account_id) DO UPDATE SET last_name = $2, first_name = $3, middle_name = $4, \
         birth_date = $5, passport_sealed = $6, snils_sealed = $7, snils_index = $8, inn_sealed = $9, \
         inn_index = $10, registration_address = $11, postal_address = $12, level_note = $13, \
         updated_at = $14",
    )
    .bind(&p.account_id)
    .bind(&p.last_name)
    .bind(&p.first_name)
    .bind(&p.middle_name)
    .bind(&p.birth_date)
    .bind(&p.passport_sealed)
    .bind(&p.snils_sealed)
    .bind(&p.snils_index)
    .bind(&p.inn_sealed)
    .bind(&p.inn_index)
    .bind(&p.registration_address)
    .bind(&p.postal_address)
    .bind(&p.level_note)
    .bind(ts::format(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The account holding an identifier's keyed hash in `column` (`snils_index` or `inn_index`).
pub async fn holder_of(
    conn: &mut Conn,
    column: IndexColumn,
    index: &str,
) -> Result<Option<String>, StoreError> {
    let sql = format!(
        "SELECT account_id FROM profiles WHERE {} = $1",
        column.name()
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(index)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(|r| r.try_get(0)).transpose()?)
}

/// A lookup column.
#[derive(Clone, Copy, Debug)]
pub enum IndexColumn {
    /// `snils_index`.
    Snils,
    /// `inn_index`.
    Inn,
}

impl IndexColumn {
    fn name(self) -> &'static str {
        match self {
            IndexColumn::Snils => "snils_index",
            IndexColumn::Inn => "inn_index",
        }
    }
}

/// One entry of «История изменений».
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// UUIDv7.
    pub id: String,
    /// The account.
    pub account_id: String,
    /// Which field (`snils`, `last_name`, `level`, …).
    pub field: String,
    /// Before (masked for identifiers).
    pub old_value: Option<String>,
    /// After (masked for identifiers).
    pub new_value: Option<String>,
    /// `user`, `staff`, `registry`, `system`.
    pub actor_kind: String,
    /// The staff account, when staff changed it.
    pub actor_id: Option<String>,
    /// When.
    pub at: OffsetDateTime,
}

/// Records a change.
pub async fn add_change(conn: &mut Conn, c: &Change) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO profile_changes (id, account_id, field, old_value, new_value, actor_kind, actor_id, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&c.id)
    .bind(&c.account_id)
    .bind(&c.field)
    .bind(&c.old_value)
    .bind(&c.new_value)
    .bind(&c.actor_kind)
    .bind(&c.actor_id)
    .bind(ts::format(c.at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The latest `limit` changes of an account, newest first.
pub async fn changes(
    conn: &mut Conn,
    account_id: &str,
    limit: i64,
) -> Result<Vec<Change>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, account_id, field, old_value, new_value, actor_kind, actor_id, at \
         FROM profile_changes WHERE account_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(account_id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Change {
                id: r.try_get(0)?,
                account_id: r.try_get(1)?,
                field: r.try_get(2)?,
                old_value: r.try_get(3)?,
                new_value: r.try_get(4)?,
                actor_kind: r.try_get(5)?,
                actor_id: r.try_get(6)?,
                at: ts::parse(&r.try_get::<String, _>(7)?)?,
            })
        })
        .collect()
}

/// Up to `limit` profiles with a sealed value whose key id is not `current`, after
/// the account id `after` (for `kabinet keys rotate`, in batches).
pub async fn stale_sealed(
    conn: &mut Conn,
    current: &str,
    after: &str,
    limit: i64,
) -> Result<Vec<ProfileRow>, StoreError> {
    let prefix = crate::like_prefix(current);
    let sql = format!(
        "SELECT {COLUMNS} FROM profiles WHERE account_id > $1 AND ( \
         (passport_sealed IS NOT NULL AND passport_sealed NOT LIKE $2 ESCAPE '\\') OR \
         (snils_sealed IS NOT NULL AND snils_sealed NOT LIKE $2 ESCAPE '\\') OR \
         (inn_sealed IS NOT NULL AND inn_sealed NOT LIKE $2 ESCAPE '\\')) ORDER BY account_id LIMIT $3"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(after)
        .bind(prefix)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(row).collect()
}

/// Replaces an account's sign-in identifier of `kind` (`snils`, `inn`): removes the
/// old row(s) of that kind and, when `login` is given, inserts it confirmed.
pub async fn replace_login(
    conn: &mut Conn,
    account_id: &str,
    kind: &str,
    login: Option<&str>,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM account_logins WHERE account_id = $1 AND kind = $2")
        .bind(account_id)
        .bind(kind)
        .execute(&mut *conn)
        .await?;
    if let Some(login) = login {
        crate::accounts::insert_login(conn, login, account_id, kind, "", true, now).await?;
    }
    Ok(())
}
