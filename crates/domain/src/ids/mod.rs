//! Russian identifiers: СНИЛС, ИНН, ОГРН, ОГРНИП, КПП, УИН, telephone numbers,
//! e-mail addresses and the internal passport.
//!
//! Every identifier is a newtype with a private field, so a value is valid by
//! construction. Each has `parse(&str)`, which accepts the forms people type
//! (surrounding whitespace, inner spaces and dashes, and per type a few more
//! separators), normalises and validates; `as_str()`, the canonical stored
//! form; `Display`, the form shown to people. Serde serialises the canonical
//! string and deserialises through `parse`.
//!
//! Failures are [`IdError`]s naming the identifier ([`IdKind`]) and the broken
//! rule ([`Rule`]); [`IdError::message_key`] names the Fluent message in
//! `locales/ru/ids.ftl` to show the user. [`ALL_MESSAGE_KEYS`] lists every key.

mod email;
mod error;
mod inn;
mod kpp;
mod ogrn;
mod passport;
mod phone;
mod snils;
mod text;
mod uin;

pub use email::Email;
pub use error::{ALL_MESSAGE_KEYS, IdError, IdKind, Rule};
pub use inn::{Inn, InnKind};
pub use kpp::Kpp;
pub use ogrn::{Ogrn, Ogrnip};
pub use passport::{IssuerCode, Passport, PassportNumber, PassportSeries};
pub use phone::Phone;
pub use snils::Snils;
pub use uin::Uin;

#[cfg(test)]
mod tests {
    use super::ALL_MESSAGE_KEYS;

    const CATALOG: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../locales/ru/ids.ftl"
    ));

    /// The message ids defined in the catalog (`key =` at the start of a line).
    fn catalog_keys() -> Vec<&'static str> {
        CATALOG
            .lines()
            .filter(|line| line.starts_with(|c: char| c.is_ascii_lowercase()))
            .filter_map(|line| line.split_once(" ="))
            .map(|(key, _)| key.trim_end())
            .collect()
    }

    #[test]
    fn catalog_has_every_message_key() {
        for key in ALL_MESSAGE_KEYS {
            let defined = CATALOG.lines().any(|line| {
                line.strip_prefix(key)
                    .is_some_and(|rest| rest.starts_with(" ="))
            });
            assert!(defined, "locales/ru/ids.ftl lacks `{key} =`");
        }
    }

    #[test]
    fn catalog_has_no_stray_or_duplicate_keys() {
        let keys = catalog_keys();
        for (i, key) in keys.iter().enumerate() {
            assert!(
                ALL_MESSAGE_KEYS.contains(key),
                "locales/ru/ids.ftl defines `{key}`, which no IdError produces"
            );
            assert!(!keys[i + 1..].contains(key), "`{key}` is defined twice");
        }
    }

    #[test]
    fn catalog_messages_are_not_empty_and_are_russian() {
        for line in CATALOG.lines() {
            if line.starts_with(|c: char| c.is_ascii_lowercase())
                && let Some((key, text)) = line.split_once(" = ")
            {
                assert!(
                    text.chars().any(|c| ('а'..='я').contains(&c)),
                    "`{key}` has no Russian text"
                );
            }
        }
    }
}
