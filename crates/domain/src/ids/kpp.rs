//! КПП — the tax registration reason code.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::text::{self, string_id};
use super::{IdError, IdKind, Rule};

/// КПП: 9 characters `NNNNPPNNN`, where `N` is a digit and `P` a digit or a
/// Latin capital letter A–Z (the tax office code, the reason, the serial number).
///
/// Accepts surrounding whitespace, inner spaces and dashes, and lowercase
/// letters (normalised to uppercase). There is no check digit: only the format
/// is validated. Canonical form and `Display`: the 9 characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Kpp(String);

string_id!(Kpp);

impl Kpp {
    /// Parses a КПП.
    ///
    /// # Errors
    /// [`IdError`] with kind [`IdKind::Kpp`] and rule `Empty`, `Characters`
    /// (not a digit or Latin letter), `Length` (not 9 characters) or `Format`
    /// (a letter outside positions 5–6).
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let err = |rule| IdError::new(IdKind::Kpp, rule);
        let s = text::trimmed(input, IdKind::Kpp)?;
        let mut out = String::with_capacity(9);
        for c in s.chars() {
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_uppercase());
            } else if !text::is_separator(c) {
                return Err(err(Rule::Characters));
            }
        }
        if out.is_empty() {
            return Err(err(Rule::Empty));
        }
        if out.len() != 9 {
            return Err(err(Rule::Length));
        }
        let letters_only_in_reason = out
            .bytes()
            .enumerate()
            .all(|(i, b)| b.is_ascii_digit() || (4..6).contains(&i));
        if !letters_only_in_reason {
            return Err(err(Rule::Format));
        }
        Ok(Self(out))
    }
}

impl fmt::Display for Kpp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn rule(input: &str) -> Rule {
        Kpp::parse(input).unwrap_err().rule()
    }

    #[test]
    fn valid() {
        // ПАО Сбербанк.
        assert_eq!(Kpp::parse("773601001").unwrap().as_str(), "773601001");
        assert_eq!(Kpp::parse(" 7736 01 001 ").unwrap().as_str(), "773601001");
        assert_eq!(Kpp::parse("7736-01-001").unwrap().to_string(), "773601001");
        assert_eq!(Kpp::parse("7707AB001").unwrap().as_str(), "7707AB001");
        assert_eq!(Kpp::parse("7707 ab 001").unwrap().as_str(), "7707AB001");
        assert_eq!(Kpp::parse("77070Z001").unwrap().as_str(), "77070Z001");
    }

    #[test]
    fn errors() {
        assert_eq!(rule(""), Rule::Empty);
        assert_eq!(rule("--"), Rule::Empty);
        assert_eq!(rule("77360100"), Rule::Length);
        assert_eq!(rule("7736010011"), Rule::Length);
        assert_eq!(rule("7736_01_001"), Rule::Characters);
        // Cyrillic А and В look like Latin letters but are not allowed.
        assert_eq!(rule("7707АВ001"), Rule::Characters);
        assert_eq!(rule("A73601001"), Rule::Format);
        assert_eq!(rule("7736010A1"), Rule::Format);
        assert_eq!(
            Kpp::parse("A73601001").unwrap_err().message_key(),
            "id-kpp-format"
        );
    }
}
