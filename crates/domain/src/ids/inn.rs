//! ИНН — the taxpayer identification number.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::text::{self, string_id};
use super::{IdError, IdKind, Rule};

/// Whose ИНН this is, as told by its length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InnKind {
    /// A natural person's (incl. a sole proprietor's) ИНН: 12 digits.
    Person,
    /// A legal entity's ИНН: 10 digits.
    LegalEntity,
}

/// ИНН: 10 digits for a legal entity, 12 for a person.
///
/// Accepts the digits with surrounding whitespace, inner spaces and dashes.
/// Canonical form and `Display`: the digits alone.
///
/// Check digits, each `(weighted sum mod 11) mod 10`:
/// - 10 digits: the 10th over digits 1–9 with weights 2, 4, 10, 3, 5, 9, 4, 6, 8;
/// - 12 digits: the 11th over digits 1–10 with weights 7, 2, 4, 10, 3, 5, 9, 4, 6, 8,
///   the 12th over digits 1–11 with weights 3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8.
///
/// The all-zero numbers (whose check digits would match) are rejected.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Inn(String);

string_id!(Inn);

const LEGAL_WEIGHTS: [u64; 9] = [2, 4, 10, 3, 5, 9, 4, 6, 8];
const PERSON_WEIGHTS_11: [u64; 10] = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
const PERSON_WEIGHTS_12: [u64; 11] = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];

fn check_digit(digits: &str, weights: &[u64]) -> u64 {
    (text::weighted_sum(digits, weights) % 11) % 10
}

fn checks_hold(digits: &str) -> bool {
    match digits.len() {
        10 => text::digit_at(digits, 9) == Some(check_digit(digits, &LEGAL_WEIGHTS)),
        12 => {
            text::digit_at(digits, 10) == Some(check_digit(digits, &PERSON_WEIGHTS_11))
                && text::digit_at(digits, 11) == Some(check_digit(digits, &PERSON_WEIGHTS_12))
        }
        _ => false,
    }
}

impl Inn {
    /// Parses either kind of ИНН (10 or 12 digits).
    ///
    /// # Errors
    /// [`IdError`] with kind [`IdKind::Inn`] and rule `Empty`, `Characters`,
    /// `Length` (neither 10 nor 12 digits), `AllZeros` or `CheckDigit`.
    pub fn parse(input: &str) -> Result<Self, IdError> {
        Self::parse_as(input, IdKind::Inn, &[10, 12])
    }

    /// Parses a person's ИНН (12 digits only).
    ///
    /// # Errors
    /// As [`Inn::parse`], with kind [`IdKind::InnPerson`]; a valid 10-digit ИНН
    /// fails with `Length`.
    pub fn parse_person(input: &str) -> Result<Self, IdError> {
        Self::parse_as(input, IdKind::InnPerson, &[12])
    }

    /// Parses a legal entity's ИНН (10 digits only).
    ///
    /// # Errors
    /// As [`Inn::parse`], with kind [`IdKind::InnLegal`]; a valid 12-digit ИНН
    /// fails with `Length`.
    pub fn parse_legal(input: &str) -> Result<Self, IdError> {
        Self::parse_as(input, IdKind::InnLegal, &[10])
    }

    fn parse_as(input: &str, kind: IdKind, lengths: &[usize]) -> Result<Self, IdError> {
        let digits = text::digits(input, kind, &[])?;
        if !lengths.contains(&digits.len()) {
            return Err(IdError::new(kind, Rule::Length));
        }
        if digits.bytes().all(|b| b == b'0') {
            return Err(IdError::new(kind, Rule::AllZeros));
        }
        if !checks_hold(&digits) {
            return Err(IdError::new(kind, Rule::CheckDigit));
        }
        Ok(Self(digits))
    }

    /// Whether this is a person's (12 digits) or a legal entity's (10 digits) ИНН.
    #[must_use]
    pub fn kind(&self) -> InnKind {
        if self.0.len() == 12 {
            InnKind::Person
        } else {
            InnKind::LegalEntity
        }
    }
}

impl fmt::Display for Inn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn rule(input: &str) -> Rule {
        Inn::parse(input).unwrap_err().rule()
    }

    #[test]
    fn known_legal_entities() {
        // ПАО Сбербанк, ПАО «Газпром», ОАО «РЖД».
        for inn in ["7707083893", "7736050003", "7708503727"] {
            let parsed = Inn::parse(inn).expect(inn);
            assert_eq!(parsed.as_str(), inn);
            assert_eq!(parsed.to_string(), inn);
            assert_eq!(parsed.kind(), InnKind::LegalEntity);
            assert_eq!(Inn::parse_legal(inn), Ok(parsed));
        }
        assert_eq!(Inn::parse(" 7707 083 893 ").unwrap().as_str(), "7707083893");
        assert_eq!(Inn::parse("77-07-08389-3").unwrap().as_str(), "7707083893");
    }

    #[test]
    fn known_persons() {
        for inn in ["500100732259", "773370857141"] {
            let parsed = Inn::parse(inn).expect(inn);
            assert_eq!(parsed.kind(), InnKind::Person);
            assert_eq!(Inn::parse_person(inn), Ok(parsed));
        }
        assert_eq!(
            Inn::parse("5001 007322 59").unwrap().as_str(),
            "500100732259"
        );
    }

    #[test]
    fn check_digit_of_ten_maps_to_zero() {
        // 2*5 = 10 → 10 mod 11 = 10 → 10 mod 10 = 0.
        assert_eq!(check_digit("500000000", &LEGAL_WEIGHTS), 0);
        assert!(Inn::parse("5000000000").is_ok());
    }

    #[test]
    fn errors() {
        assert_eq!(rule(""), Rule::Empty);
        assert_eq!(rule("770708389"), Rule::Length);
        assert_eq!(rule("77070838931"), Rule::Length);
        assert_eq!(rule("7707O83893"), Rule::Characters);
        assert_eq!(rule("0000000000"), Rule::AllZeros);
        assert_eq!(rule("000000000000"), Rule::AllZeros);
        assert_eq!(rule("7707083894"), Rule::CheckDigit);
        assert_eq!(rule("7707083993"), Rule::CheckDigit);
        // The 11th and the 12th digit of a person's ИНН are both checked.
        assert_eq!(rule("500100732269"), Rule::CheckDigit);
        assert_eq!(rule("500100732258"), Rule::CheckDigit);
    }

    #[test]
    fn kind_specific_parsers() {
        let e = Inn::parse_person("7707083893").unwrap_err();
        assert_eq!((e.kind(), e.rule()), (IdKind::InnPerson, Rule::Length));
        assert_eq!(e.message_key(), "id-inn-person-length");
        let e = Inn::parse_legal("500100732259").unwrap_err();
        assert_eq!((e.kind(), e.rule()), (IdKind::InnLegal, Rule::Length));
        assert_eq!(e.message_key(), "id-inn-legal-length");
        let e = Inn::parse_legal("7707083894").unwrap_err();
        assert_eq!(e.message_key(), "id-inn-checkdigit");
        assert_eq!(Inn::parse("77").unwrap_err().message_key(), "id-inn-length");
    }
}
