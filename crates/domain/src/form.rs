//! Forms from data (CAT-1, APP-1): the field types a service definition may use and the
//! validation of one typed value. The values come back normalised (a СНИЛС as 11
//! digits, a date as `YYYY-MM-DD`, a number without spaces).

use serde::{Deserialize, Serialize};
use time::Date;

use crate::ids::{Email, Inn, Kpp, Ogrn, Ogrnip, Phone, Snils};
use crate::profile;

/// The type of a form field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// One line of text.
    Text,
    /// Several lines.
    Textarea,
    /// A number (integer or with a decimal comma/point).
    Number,
    /// A calendar date.
    Date,
    /// One of `options`.
    Select,
    /// Yes or no.
    Checkbox,
    /// A document to upload (handled as an attachment, not a value).
    File,
    /// СНИЛС.
    Snils,
    /// ИНН (10 or 12 digits).
    Inn,
    /// ОГРН.
    Ogrn,
    /// ОГРНИП.
    Ogrnip,
    /// КПП.
    Kpp,
    /// A phone number.
    Phone,
    /// An e-mail address.
    Email,
    /// Passport series and number, `45 06 123456`.
    Passport,
}

/// One option of a select.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    /// Stored value.
    pub value: String,
    /// Shown label.
    pub label: String,
}

/// A field of a service form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// Name (letters, digits, `_`), unique in the form.
    pub name: String,
    /// Type.
    #[serde(rename = "type")]
    pub kind: FieldType,
    /// Label (Russian).
    pub label: String,
    /// Hint under the label.
    #[serde(default)]
    pub hint: Option<String>,
    /// Must be filled.
    #[serde(default)]
    pub required: bool,
    /// For `select`.
    #[serde(default)]
    pub options: Vec<Choice>,
    /// Shortest text.
    #[serde(default)]
    pub min_length: Option<u32>,
    /// Longest text (default 200 for text, 4000 for textarea).
    #[serde(default)]
    pub max_length: Option<u32>,
    /// Smallest number.
    #[serde(default)]
    pub min: Option<i64>,
    /// Largest number.
    #[serde(default)]
    pub max: Option<i64>,
    /// Dates: not in the future.
    #[serde(default)]
    pub past_only: bool,
    /// Where the value comes from when the form opens, e.g. `profile.snils`.
    #[serde(default)]
    pub prefill: Option<String>,
}

/// Why a value was refused: a message key of `locales/ru/catalog.ftl`, or an identifier
/// parser's key.
pub type FieldErrorKey = &'static str;

fn length_ok(text: &str, field: &Field, default_max: u32) -> Result<(), FieldErrorKey> {
    let n = u32::try_from(text.chars().count()).unwrap_or(u32::MAX);
    if field.min_length.is_some_and(|min| n < min) {
        return Err("form-too-short");
    }
    if n > field.max_length.unwrap_or(default_max) {
        return Err("form-too-long");
    }
    Ok(())
}

/// Checks one typed value; returns the normalised value, or `None` for an empty
/// optional field (and a checkbox left unticked).
///
/// # Errors
/// A message key naming what is wrong.
pub fn validate(field: &Field, raw: &str, today: Date) -> Result<Option<String>, FieldErrorKey> {
    let text = raw.trim();
    if field.kind == FieldType::Checkbox {
        let on = matches!(text, "yes" | "on" | "true" | "1");
        if field.required && !on {
            return Err("form-checkbox-required");
        }
        return Ok(on.then(|| "yes".to_owned()));
    }
    if text.is_empty() {
        return if field.required {
            Err("form-required")
        } else {
            Ok(None)
        };
    }
    let id = |r: Result<String, crate::ids::IdError>| r.map(Some).map_err(|e| e.message_key());
    match field.kind {
        FieldType::Text => {
            let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
            length_ok(&one_line, field, 200)?;
            Ok(Some(one_line))
        }
        FieldType::Textarea => {
            length_ok(text, field, 4000)?;
            Ok(Some(text.replace("\r\n", "\n")))
        }
        FieldType::Number => {
            let cleaned: String = text
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .replace(',', ".");
            let value: f64 = cleaned.parse().map_err(|_| "form-number")?;
            if !value.is_finite() {
                return Err("form-number");
            }
            if field.min.is_some_and(|m| value < m as f64) {
                return Err("form-number-too-small");
            }
            if field.max.is_some_and(|m| value > m as f64) {
                return Err("form-number-too-big");
            }
            Ok(Some(cleaned))
        }
        FieldType::Date => {
            let d = profile::date(text).map_err(|e| match e {
                profile::ProfileError::DateNotReal => "form-date-not-real",
                _ => "form-date",
            })?;
            if field.past_only && d > today {
                return Err("form-date-future");
            }
            Ok(Some(d.to_string()))
        }
        FieldType::Select => field
            .options
            .iter()
            .find(|o| o.value == text)
            .map(|o| Some(o.value.clone()))
            .ok_or("form-select"),
        FieldType::Checkbox | FieldType::File => Ok(Some(text.to_owned())),
        FieldType::Snils => id(Snils::parse(text).map(|s| s.as_str().to_owned())),
        FieldType::Inn => id(Inn::parse(text).map(|s| s.as_str().to_owned())),
        FieldType::Ogrn => id(Ogrn::parse(text).map(|s| s.as_str().to_owned())),
        FieldType::Ogrnip => id(Ogrnip::parse(text).map(|s| s.as_str().to_owned())),
        FieldType::Kpp => id(Kpp::parse(text).map(|s| s.as_str().to_owned())),
        FieldType::Phone => id(Phone::parse(text).map(|s| s.as_str().to_owned())),
        FieldType::Email => id(Email::parse(text).map(|s| s.as_str().to_owned())),
        FieldType::Passport => {
            let digits: String = text
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '-')
                .collect();
            if digits.len() != 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err("form-passport");
            }
            Ok(Some(format!(
                "{} {} {}",
                &digits[..2],
                &digits[2..4],
                &digits[4..]
            )))
        }
    }
}

/// Every key [`validate`] can return besides the identifier parsers' own.
pub const MESSAGE_KEYS: &[&str] = &[
    "form-required",
    "form-checkbox-required",
    "form-too-short",
    "form-too-long",
    "form-number",
    "form-number-too-small",
    "form-number-too-big",
    "form-date",
    "form-date-not-real",
    "form-date-future",
    "form-select",
    "form-passport",
];

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn field(kind: FieldType, required: bool) -> Field {
        Field {
            name: "f".into(),
            kind,
            label: "Поле".into(),
            hint: None,
            required,
            options: vec![Choice {
                value: "a".into(),
                label: "А".into(),
            }],
            min_length: None,
            max_length: None,
            min: Some(0),
            max: Some(100),
            past_only: true,
            prefill: None,
        }
    }

    #[test]
    fn every_type_normalises_and_refuses() {
        let today = date!(2026 - 11 - 23);
        let ok = |k, v: &str| validate(&field(k, true), v, today).unwrap().unwrap();
        let err = |k, v: &str| validate(&field(k, true), v, today).unwrap_err();
        assert_eq!(ok(FieldType::Text, "  два   слова "), "два слова");
        assert_eq!(err(FieldType::Text, &"я".repeat(201)), "form-too-long");
        assert_eq!(err(FieldType::Text, "  "), "form-required");
        assert_eq!(
            validate(&field(FieldType::Text, false), " ", today),
            Ok(None)
        );
        assert_eq!(ok(FieldType::Number, "1 5,5"), "15.5");
        assert_eq!(err(FieldType::Number, "пять"), "form-number");
        assert_eq!(err(FieldType::Number, "101"), "form-number-too-big");
        assert_eq!(err(FieldType::Number, "-1"), "form-number-too-small");
        assert_eq!(ok(FieldType::Date, "01.02.2020"), "2020-02-01");
        assert_eq!(err(FieldType::Date, "31.02.2020"), "form-date-not-real");
        assert_eq!(err(FieldType::Date, "01.01.2030"), "form-date-future");
        assert_eq!(err(FieldType::Date, "вчера"), "form-date");
        assert_eq!(ok(FieldType::Select, "a"), "a");
        assert_eq!(err(FieldType::Select, "b"), "form-select");
        assert_eq!(ok(FieldType::Checkbox, "yes"), "yes");
        assert_eq!(err(FieldType::Checkbox, ""), "form-checkbox-required");
        assert_eq!(ok(FieldType::Snils, "112-233-445 95"), "11223344595");
        assert_eq!(
            err(FieldType::Snils, "112-233-445 96"),
            "id-snils-checkdigit"
        );
        assert_eq!(ok(FieldType::Inn, "7707083893"), "7707083893");
        assert_eq!(ok(FieldType::Phone, "8 (999) 123-45-67"), "+79991234567");
        assert_eq!(ok(FieldType::Passport, "45 06 123456"), "45 06 123456");
        assert_eq!(err(FieldType::Passport, "45 06 12345"), "form-passport");
        assert!(err(FieldType::Email, "a@").starts_with("id-email"));
    }
}
