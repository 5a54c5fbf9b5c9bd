//! The profile as stored: sealed columns, opened and masked for display.

use crate::auth::SignedIn;
use crate::{App, AppError};
use kabinet_domain::access::Action;
use kabinet_domain::account::AccountLevel;
use kabinet_domain::ids::Snils;
use kabinet_domain::profile::{self as rules};
use kabinet_store::profiles::{self, ProfileRow};
use kabinet_store::{Conn, accounts};

use super::*;

pub(super) fn place(column: &str, account_id: &str) -> String {
    format!("profiles.{column}:{account_id}")
}

pub(crate) fn open_row(
    app: &App,
    row: &ProfileRow,
    level: AccountLevel,
) -> Result<Profile, AppError> {
    let open = |column: &str, v: &Option<String>| -> Result<Option<String>, AppError> {
        v.as_deref()
            .map(|s| app.keys.open(&place(column, &row.account_id), s))
            .transpose()
            .map_err(|e| AppError::Store(kabinet_store::StoreError::Corrupt(e.to_string())))
    };
    let passport = open("passport", &row.passport_sealed)?
        .map(|json| serde_json::from_str::<PassportData>(&json))
        .transpose()
        .map_err(|e| {
            AppError::Store(kabinet_store::StoreError::Corrupt(format!("passport: {e}")))
        })?;
    let address = |v: &Option<String>| -> Result<Option<Address>, AppError> {
        v.as_deref()
            .map(serde_json::from_str::<Address>)
            .transpose()
            .map_err(|e| {
                AppError::Store(kabinet_store::StoreError::Corrupt(format!("address: {e}")))
            })
    };
    Ok(Profile {
        last_name: row.last_name.clone(),
        first_name: row.first_name.clone(),
        middle_name: row.middle_name.clone(),
        birth_date: row
            .birth_date
            .as_deref()
            .map(|d| {
                rules::date(d).map_err(|_| {
                    AppError::Store(kabinet_store::StoreError::Corrupt("birth_date".into()))
                })
            })
            .transpose()?,
        passport,
        snils: open("snils", &row.snils_sealed)?,
        inn: open("inn", &row.inn_sealed)?,
        registration_address: address(&row.registration_address)?,
        postal_address: address(&row.postal_address)?,
        level,
        level_note: row.level_note.clone(),
    })
}

pub(super) fn seal_err(e: crate::crypto::CryptoError) -> AppError {
    AppError::internal(e.to_string())
}

pub(crate) fn to_row(app: &App, account_id: &str, p: &Profile) -> Result<ProfileRow, AppError> {
    let seal = |column: &str, v: Option<String>| -> Result<Option<String>, AppError> {
        v.map(|s| app.keys.seal(&place(column, account_id), &s))
            .transpose()
            .map_err(seal_err)
    };
    let json = |a: &Option<Address>| a.as_ref().and_then(|a| serde_json::to_string(a).ok());
    Ok(ProfileRow {
        account_id: account_id.to_owned(),
        last_name: p.last_name.clone(),
        first_name: p.first_name.clone(),
        middle_name: p.middle_name.clone(),
        birth_date: p.birth_date.map(|d| d.to_string()),
        passport_sealed: seal(
            "passport",
            p.passport
                .as_ref()
                .and_then(|x| serde_json::to_string(x).ok()),
        )?,
        snils_sealed: seal("snils", p.snils.clone())?,
        snils_index: p.snils.as_deref().map(|s| app.keys.index("snils", s)),
        inn_sealed: seal("inn", p.inn.clone())?,
        inn_index: p.inn.as_deref().map(|s| app.keys.index("inn", s)),
        registration_address: json(&p.registration_address),
        postal_address: json(&p.postal_address),
        level_note: p.level_note.clone(),
    })
}

/// Masks the digits of an identifier but the last `visible`, keeping separators.
pub fn mask_digits(value: &str, visible: usize) -> String {
    let digits = value.chars().filter(char::is_ascii_digit).count();
    let mut seen = 0;
    value
        .chars()
        .map(|c| {
            if c.is_ascii_digit() {
                seen += 1;
                if seen + visible <= digits { '•' } else { c }
            } else {
                c
            }
        })
        .collect()
}

/// How a field's value appears in the history (identifiers masked).
pub(crate) fn shown(p: &Profile, field: &str) -> Option<String> {
    match field {
        "last_name" => p.last_name.clone(),
        "first_name" => p.first_name.clone(),
        "middle_name" => p.middle_name.clone(),
        "birth_date" => p.birth_date.map(crate::format::day),
        "snils" => p
            .snils
            .as_deref()
            .and_then(|s| Snils::parse(s).ok())
            .map(|s| mask_digits(&format!("{s}"), 3)),
        "inn" => p.inn.as_deref().map(|s| mask_digits(s, 4)),
        "passport" => p.passport.as_ref().map(|x| {
            mask_digits(
                &format!("{} {} {}", &x.series[..2], &x.series[2..], x.number),
                4,
            )
        }),
        "registration_address" => p.registration_address.as_ref().map(Address::one_line),
        "postal_address" => p.postal_address.as_ref().map(Address::one_line),
        _ => None,
    }
}

pub(crate) const FIELDS: &[&str] = &[
    "last_name",
    "first_name",
    "middle_name",
    "birth_date",
    "passport",
    "snils",
    "inn",
    "registration_address",
    "postal_address",
];

pub(crate) fn field_changed(a: &Profile, b: &Profile, field: &str) -> bool {
    match field {
        "passport" => a.passport != b.passport,
        "snils" => a.snils != b.snils,
        "inn" => a.inn != b.inn,
        "registration_address" => a.registration_address != b.registration_address,
        "postal_address" => a.postal_address != b.postal_address,
        _ => shown(a, field) != shown(b, field),
    }
}

/// The signed-in person's data.
pub async fn get(app: &App, who: &SignedIn) -> Result<Profile, AppError> {
    who.authorize(Action::ManageOwnProfile)?;
    let mut conn = app
        .store
        .pool()
        .acquire()
        .await
        .map_err(kabinet_store::StoreError::from)?;
    load(app, &mut conn, &who.account.id).await
}

pub(crate) async fn load(
    app: &App,
    conn: &mut Conn,
    account_id: &str,
) -> Result<Profile, AppError> {
    let account = accounts::get(conn, account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let row = profiles::get(conn, account_id).await?;
    open_row(app, &row, account.level)
}
