//! Telephone numbers, stored in E.164.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::text::{self, string_id};
use super::{IdError, IdKind, Rule};

/// A telephone number in E.164 form (`+` and 8–15 digits).
///
/// Russian numbers may be typed as people write them: `8 (999) 123-45-67`,
/// `+7 999 123 45 67`, `79991234567`, or ten digits starting with 9
/// (`9991234567`, taken as a mobile number). Spaces, dashes, dots and one pair
/// of brackets may separate the digits. Numbers of other countries are accepted
/// only with a leading `+` (E.164: 8–15 digits, no leading zero); a `+7` number
/// must have exactly 11 digits. `+8` followed by ten digits starting with 9 is
/// rejected as the common mistake for `8 9…` (country code 89 is unassigned).
///
/// Canonical form: E.164, e.g. `+79991234567`. `Display`: `+7 999 123-45-67`
/// for `+7` numbers, the canonical form for the others.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

string_id!(Phone);

impl Phone {
    /// Parses a telephone number.
    ///
    /// # Errors
    /// [`IdError`] with kind [`IdKind::Phone`] and rule `Empty`, `Characters`
    /// (anything but digits, separators, brackets and a leading `+`), `Length`
    /// (wrong number of digits) or `Format` (unbalanced brackets, a `+` inside
    /// the number, a zero after `+`, a number without `+` that starts with
    /// neither 7, 8 nor 9).
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let err = |rule| IdError::new(IdKind::Phone, rule);
        let s = text::trimmed(input, IdKind::Phone)?;
        let (international, rest) = match s.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let mut digits = String::with_capacity(16);
        let (mut opened, mut closed) = (0_u8, 0_u8);
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                '(' if opened == 0 => opened = 1,
                ')' if opened == 1 && closed == 0 => closed = 1,
                '(' | ')' | '+' => return Err(err(Rule::Format)),
                '.' => {}
                c if text::is_separator(c) => {}
                _ => return Err(err(Rule::Characters)),
            }
        }
        if opened != closed {
            return Err(err(Rule::Format));
        }
        if digits.is_empty() {
            return Err(err(if international {
                Rule::Length
            } else {
                Rule::Empty
            }));
        }
        let first = digits.as_bytes().first().copied().unwrap_or(b'0');
        let e164 = if international {
            match (first, digits.len()) {
                (b'0', _) => return Err(err(Rule::Format)),
                (b'7', 11) => digits,
                (b'7', _) => return Err(err(Rule::Length)),
                (b'8', 11) if digits.as_bytes().get(1) == Some(&b'9') => {
                    return Err(err(Rule::Format));
                }
                (_, 8..=15) => digits,
                _ => return Err(err(Rule::Length)),
            }
        } else {
            match (first, digits.len()) {
                (b'7' | b'8', 11) => format!("7{}", digits.get(1..).unwrap_or_default()),
                (b'9', 10) => format!("7{digits}"),
                (b'7' | b'8' | b'9', _) => return Err(err(Rule::Length)),
                _ => return Err(err(Rule::Format)),
            }
        };
        Ok(Self(format!("+{e164}")))
    }

    /// Whether the number is in the `+7` zone (Russia and Kazakhstan).
    #[must_use]
    pub fn is_russian(&self) -> bool {
        self.0.starts_with("+7")
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.0;
        if self.is_russian()
            && let (Some(code), Some(a), Some(b), Some(c)) =
                (s.get(2..5), s.get(5..8), s.get(8..10), s.get(10..12))
        {
            return write!(f, "+7 {code} {a}-{b}-{c}");
        }
        f.write_str(s)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn rule(input: &str) -> Rule {
        Phone::parse(input).unwrap_err().rule()
    }

    #[test]
    fn russian_forms() {
        for input in [
            "8 (999) 123-45-67",
            "+7 999 123 45 67",
            "79991234567",
            "9991234567",
            "+7(999)123-45-67",
            " 8-999-123-45-67 ",
            "8.999.123.45.67",
            "+7 999 123-45-67",
            "(999) 123-45-67",
            "8\u{a0}999\u{a0}123\u{2013}45\u{2013}67",
        ] {
            let phone = Phone::parse(input).expect(input);
            assert_eq!(phone.as_str(), "+79991234567", "{input}");
            assert_eq!(phone.to_string(), "+7 999 123-45-67");
            assert!(phone.is_russian());
        }
        // Landlines and 8-800 numbers with the trunk prefix 8.
        assert_eq!(
            Phone::parse("8 (495) 123-45-67").unwrap().as_str(),
            "+74951234567"
        );
        assert_eq!(
            Phone::parse("8 800 555-35-35").unwrap().to_string(),
            "+7 800 555-35-35"
        );
    }

    #[test]
    fn foreign_numbers_need_a_plus() {
        let de = Phone::parse("+49 30 123456").unwrap();
        assert_eq!(de.as_str(), "+4930123456");
        assert_eq!(de.to_string(), "+4930123456");
        assert!(!de.is_russian());
        assert_eq!(
            Phone::parse("+375 (29) 123-45-67").unwrap().as_str(),
            "+375291234567"
        );
        assert_eq!(Phone::parse("+1234567").unwrap_err().rule(), Rule::Length);
        assert!(Phone::parse("+12345678").is_ok());
        assert!(Phone::parse("+123456789012345").is_ok());
        assert_eq!(rule("+1234567890123456"), Rule::Length);
        assert_eq!(rule("375291234567"), Rule::Format);
    }

    #[test]
    fn errors() {
        assert_eq!(rule(""), Rule::Empty);
        assert_eq!(rule(" - "), Rule::Empty);
        assert_eq!(rule("+"), Rule::Length);
        assert_eq!(rule("8 999 123 45 6"), Rule::Length);
        assert_eq!(rule("8 999 123 45 678"), Rule::Length);
        assert_eq!(rule("999 123 45 678"), Rule::Length);
        assert_eq!(rule("999 123 45 6"), Rule::Length);
        assert_eq!(rule("+7 999 123 45 6"), Rule::Length);
        assert_eq!(rule("+7 999 123 45 678"), Rule::Length);
        assert_eq!(rule("8 999 123 45 6x"), Rule::Characters);
        assert_eq!(rule("tel:+79991234567"), Rule::Characters);
        assert_eq!(rule("+0 999 123 45 67"), Rule::Format);
        assert_eq!(rule("+8 999 123 45 67"), Rule::Format);
        assert_eq!(rule("8 999 +123 45 67"), Rule::Format);
        assert_eq!(rule("++79991234567"), Rule::Format);
        assert_eq!(rule("8 (999 123-45-67"), Rule::Format);
        assert_eq!(rule("8 999) 123-45-67"), Rule::Format);
        assert_eq!(rule("8 ((999)) 123-45-67"), Rule::Format);
        assert_eq!(rule("4951234567"), Rule::Format);
        assert_eq!(rule("69991234567"), Rule::Format);
    }
}
