//! «Мои данные» (PR-1 … PR-5, ID-11): read and change personal data, the change
//! history, the account level, the staff's identity confirmation and prefill for forms.
//!
//! Every change runs in one transaction with its history rows, its audit entry and
//! its notice. Passport, СНИЛС and ИНН are sealed (see [`crate::crypto`]); the audit
//! and the history only ever see them masked.

mod confirm;
mod input;
mod stored;
mod update;

/// Key rotation lives in [`crate::keys`]; kept here for the CLI and the tests.
pub use crate::keys::{Rotated, rotate_keys};
pub use confirm::{ConfirmMethod, confirm_identity};
pub(crate) use input::merge;
pub use input::{AddressInput, PassportInput, ProfileInput};
pub(crate) use stored::{FIELDS, field_changed, load, open_row, shown, to_row};
pub use stored::{get, mask_digits};
pub(crate) use update::record;
pub use update::{Updated, history, update};

use kabinet_domain::account::AccountLevel;
use kabinet_domain::ids::Snils;
use serde::{Deserialize, Serialize};
use time::Date;

/// A structured address (PR-1). Every part may be empty; `line` is a free-text
/// address for what does not fit the parts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// Почтовый индекс, 6 digits.
    pub postal_code: Option<String>,
    /// Регион.
    pub region: Option<String>,
    /// Населённый пункт.
    pub city: Option<String>,
    /// Улица.
    pub street: Option<String>,
    /// Дом (with корпус, строение).
    pub house: Option<String>,
    /// Квартира.
    pub flat: Option<String>,
    /// Free text.
    pub line: Option<String>,
}

impl Address {
    /// One line, the way an address is written on an envelope.
    pub fn one_line(&self) -> String {
        if let Some(line) = &self.line
            && self.region.is_none()
            && self.city.is_none()
            && self.street.is_none()
        {
            return [self.postal_code.clone(), Some(line.clone())]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ");
        }
        [
            self.postal_code.clone(),
            self.region.clone(),
            self.city.clone(),
            self.street.clone(),
            self.house.as_ref().map(|h| format!("д. {h}")),
            self.flat.as_ref().map(|f| format!("кв. {f}")),
            self.line.clone(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
    }

    fn is_empty(&self) -> bool {
        *self == Address::default()
    }
}

/// A passport with its issue date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassportData {
    /// Series, 4 digits.
    pub series: String,
    /// Number, 6 digits.
    pub number: String,
    /// Issue date.
    pub issued_on: Date,
    /// Issuer code, 6 digits.
    pub issuer_code: String,
}

/// A person's data as the owner sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Profile {
    /// Фамилия.
    pub last_name: Option<String>,
    /// Имя.
    pub first_name: Option<String>,
    /// Отчество.
    pub middle_name: Option<String>,
    /// Дата рождения.
    pub birth_date: Option<Date>,
    /// Паспорт РФ.
    pub passport: Option<PassportData>,
    /// СНИЛС, 11 digits.
    pub snils: Option<String>,
    /// ИНН, 12 digits.
    pub inn: Option<String>,
    /// Адрес регистрации.
    pub registration_address: Option<Address>,
    /// Почтовый адрес.
    pub postal_address: Option<Address>,
    /// The account's level.
    pub level: AccountLevel,
    /// Why the level did not rise at the last check.
    pub level_note: Option<String>,
}

impl Profile {
    /// Фамилия Имя Отчество.
    pub fn full_name(&self) -> Option<String> {
        let parts: Vec<&str> = [&self.last_name, &self.first_name, &self.middle_name]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }

    /// What is still missing for the `standard` level, as message keys.
    pub fn missing_for_standard(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.last_name.is_none() || self.first_name.is_none() {
            out.push("profile-missing-name");
        }
        if self.birth_date.is_none() {
            out.push("profile-missing-birth-date");
        }
        if self.snils.is_none() {
            out.push("profile-missing-snils");
        }
        if self.passport.is_none() {
            out.push("profile-missing-passport");
        }
        out
    }

    /// PR-5: the value of a form binding such as `profile.snils` or
    /// `profile.address.registration`, as a form field shows it; `None` when the
    /// binding is unknown or the value is not filled.
    pub fn prefill(&self, binding: &str) -> Option<String> {
        let key = binding.strip_prefix("profile.")?;
        let date = |d: &Date| crate::format::day(*d);
        match key {
            "last_name" => self.last_name.clone(),
            "first_name" => self.first_name.clone(),
            "middle_name" => self.middle_name.clone(),
            "full_name" => self.full_name(),
            "birth_date" => self.birth_date.as_ref().map(date),
            "snils" => self
                .snils
                .as_deref()
                .and_then(|s| Snils::parse(s).ok())
                .map(|s| s.to_string()),
            "inn" => self.inn.clone(),
            "passport" => self
                .passport
                .as_ref()
                .map(|p| format!("{} {}", p.series, p.number)),
            "passport.series" => self.passport.as_ref().map(|p| p.series.clone()),
            "passport.number" => self.passport.as_ref().map(|p| p.number.clone()),
            "passport.issued_on" => self.passport.as_ref().map(|p| date(&p.issued_on)),
            "passport.issuer_code" => self.passport.as_ref().map(|p| {
                let (a, b) = p.issuer_code.split_at(3.min(p.issuer_code.len()));
                format!("{a}-{b}")
            }),
            "address.registration" => self.registration_address.as_ref().map(Address::one_line),
            "address.postal" => self
                .postal_address
                .as_ref()
                .or(self.registration_address.as_ref())
                .map(Address::one_line),
            _ => None,
        }
    }
}

/// The bindings [`Profile::prefill`] knows, for the catalog's validation.
pub const PREFILL_BINDINGS: &[&str] = &[
    "profile.last_name",
    "profile.first_name",
    "profile.middle_name",
    "profile.full_name",
    "profile.birth_date",
    "profile.snils",
    "profile.inn",
    "profile.passport",
    "profile.passport.series",
    "profile.passport.number",
    "profile.passport.issued_on",
    "profile.passport.issuer_code",
    "profile.address.registration",
    "profile.address.postal",
    "profile.email",
    "profile.phone",
];

/// The fields that identify a person: locked once the identity is confirmed.
pub(crate) const IDENTITY_FIELDS: &[&str] = &[
    "last_name",
    "first_name",
    "middle_name",
    "birth_date",
    "snils",
    "passport",
];

/// Every message key this module can put in a field error (checked against the catalog).
pub const MESSAGE_KEYS: &[&str] = &[
    "profile-last-name-empty",
    "profile-last-name-too-long",
    "profile-last-name-characters",
    "profile-first-name-empty",
    "profile-first-name-too-long",
    "profile-first-name-characters",
    "profile-middle-name-too-long",
    "profile-middle-name-characters",
    "profile-birth-date-empty",
    "profile-birth-date-format",
    "profile-birth-date-not-real",
    "profile-birth-date-future",
    "profile-birth-date-too-early",
    "profile-issued-on-empty",
    "profile-issued-on-format",
    "profile-issued-on-not-real",
    "profile-issued-on-future",
    "profile-issued-on-before-14",
    "profile-postal-code",
    "profile-address-too-long",
    "profile-snils-taken",
    "profile-inn-taken",
    "profile-locked",
    "profile-missing-name",
    "profile-missing-birth-date",
    "profile-missing-snils",
    "profile-missing-passport",
    "profile-registry-unavailable",
    "profile-registry-mismatch",
    "profile-changed-meanwhile",
    "identity-method",
    "identity-needs-standard",
    "identity-already-confirmed",
    "identity-scan-required",
    "identity-request-needs-standard",
    "identity-request-pending",
    "request-reason-required",
    "request-already-decided",
    "change-request-not-needed",
    "change-request-document",
    "change-request-nothing",
    "change-request-snils-taken",
    "file-empty",
    "file-too-big",
    "file-type",
    "file-owner-quota",
    "contact-already-yours",
    "contact-taken",
    "contact-last",
    "privacy-staff-close",
    "privacy-confirm-required",
];

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn masks_keep_the_shape() {
        assert_eq!(mask_digits("112-233-445 95", 3), "•••-•••-••5 95");
        assert_eq!(mask_digits("500100732259", 4), "••••••••2259");
        assert_eq!(mask_digits("45 06 123456", 4), "•• •• ••3456");
    }

    #[test]
    fn merge_collects_every_error_and_keeps_the_rest() {
        let today = date!(2026 - 11 - 23);
        let input = ProfileInput {
            last_name: Some("Иванов1".into()),
            first_name: Some("Иван".into()),
            birth_date: Some("31.02.1990".into()),
            snils: Some("112-233-445 96".into()),
            passport: Some(PassportInput {
                series: "45 06".into(),
                number: "12345".into(),
                issued_on: "01.01.2030".into(),
                issuer_code: "770-001".into(),
            }),
            registration_address: Some(AddressInput {
                postal_code: "1010".into(),
                ..AddressInput::default()
            }),
            ..ProfileInput::default()
        };
        let errors = merge(&Profile::default(), &input, today).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "last_name",
                "birth_date",
                "snils",
                "passport.number",
                "passport.issued_on",
                "registration_address.postal_code"
            ]
        );
        assert!(
            errors
                .iter()
                .all(|e| MESSAGE_KEYS.contains(&e.key) || e.key.starts_with("id-"))
        );
    }

    #[test]
    fn prefill_bindings_answer() {
        let p = Profile {
            last_name: Some("Иванова".into()),
            first_name: Some("Мария".into()),
            snils: Some("11223344595".into()),
            birth_date: Some(date!(1990 - 02 - 01)),
            registration_address: Some(Address {
                postal_code: Some("101000".into()),
                city: Some("Москва".into()),
                street: Some("ул. Мясницкая".into()),
                house: Some("1".into()),
                ..Address::default()
            }),
            ..Profile::default()
        };
        assert_eq!(
            p.prefill("profile.snils").as_deref(),
            Some("112-233-445 95")
        );
        assert_eq!(
            p.prefill("profile.full_name").as_deref(),
            Some("Иванова Мария")
        );
        assert_eq!(
            p.prefill("profile.birth_date").as_deref(),
            Some("01.02.1990")
        );
        assert_eq!(
            p.prefill("profile.address.registration").as_deref(),
            Some("101000, Москва, ул. Мясницкая, д. 1")
        );
        assert_eq!(
            p.prefill("profile.address.postal"),
            p.prefill("profile.address.registration")
        );
        assert_eq!(p.prefill("profile.inn"), None);
        assert_eq!(p.prefill("profile.nonsense"), None);
        assert_eq!(p.prefill("snils"), None);
        for b in PREFILL_BINDINGS {
            let _ = p.prefill(b);
        }
    }
}
