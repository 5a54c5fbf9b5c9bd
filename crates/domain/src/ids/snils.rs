//! СНИЛС — the insurance account number of a person in the Social Fund.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::text::{self, string_id};
use super::{IdError, IdKind, Rule};

/// СНИЛС: 11 digits, the last two being a check number.
///
/// Accepts `123-456-789 64`, `12345678964` and the like (surrounding whitespace,
/// inner spaces and dashes). Canonical form ([`Snils::as_str`]): the 11 digits;
/// `Display`: `123-456-789 64`.
///
/// Check number: the first 9 digits are weighted 9, 8, …, 1 and summed; a sum
/// below 100 is the check itself, 100 and 101 give `00`, a larger sum is taken
/// mod 101 (and a remainder of 100 gives `00`). Numbers whose first 9 digits are
/// at most `001-001-998` were issued before the check was introduced and carry
/// none: any check digits are accepted. The all-zero number is rejected.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Snils(String);

string_id!(Snils);

/// The highest 9-digit prefix issued without a check number.
const NO_CHECK_MAX: u64 = 1_001_998;
const WEIGHTS: [u64; 9] = [9, 8, 7, 6, 5, 4, 3, 2, 1];

/// The check number (0–99) for the first 9 digits.
fn check_number(first9: &str) -> u64 {
    let sum = text::weighted_sum(first9, &WEIGHTS);
    // sum < 100 → sum; 100 and 101 → 0; else sum mod 101, with 100 → 0.
    // All three cases are "sum mod 101, then 100 becomes 0".
    (sum % 101) % 100
}

impl Snils {
    /// Parses a СНИЛС as people type it.
    ///
    /// # Errors
    /// [`IdError`] with kind [`IdKind::Snils`] and rule `Empty`, `Characters`,
    /// `Length` (not 11 digits), `AllZeros` or `CheckDigit`.
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let err = |rule| IdError::new(IdKind::Snils, rule);
        let digits = text::digits(input, IdKind::Snils, &[])?;
        if digits.len() != 11 {
            return Err(err(Rule::Length));
        }
        if digits.bytes().all(|b| b == b'0') {
            return Err(err(Rule::AllZeros));
        }
        let (first9, check) = digits.split_at(9);
        if text::number(first9) > NO_CHECK_MAX && check_number(first9) != text::number(check) {
            return Err(err(Rule::CheckDigit));
        }
        Ok(Self(digits))
    }
}

impl fmt::Display for Snils {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.0;
        match (s.get(0..3), s.get(3..6), s.get(6..9), s.get(9..11)) {
            (Some(a), Some(b), Some(c), Some(d)) => write!(f, "{a}-{b}-{c} {d}"),
            _ => f.write_str(s),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn rule(input: &str) -> Rule {
        Snils::parse(input).unwrap_err().rule()
    }

    #[test]
    fn known_valid_numbers() {
        for input in [
            "112-233-445 95",
            "11223344595",
            "  112 233 445 95\t",
            "112-233-445-95",
            "112\u{a0}233\u{a0}445\u{a0}95",
            "112–233–445 95",
        ] {
            let snils = Snils::parse(input).expect(input);
            assert_eq!(snils.as_str(), "11223344595");
            assert_eq!(snils.to_string(), "112-233-445 95");
        }
    }

    #[test]
    fn check_number_edge_cases() {
        // Sum < 100 is the check itself: 1*9 + … = 95 above; here sum = 9 → 09.
        assert!(Snils::parse("100 000 000 09").is_ok());
        // Sum exactly 100 → 00: 9*9 + 8*2 + 3*1 = 100.
        assert_eq!(check_number("920000003"), 0);
        assert!(Snils::parse("920-000-003 00").is_ok());
        assert_eq!(rule("920-000-003 01"), Rule::CheckDigit);
        // Sum 101 → 00.
        assert_eq!(check_number("920000004"), 0);
        assert!(Snils::parse("920-000-004 00").is_ok());
        // Sum 102 → 102 mod 101 = 1.
        assert_eq!(check_number("920000005"), 1);
        assert!(Snils::parse("920-000-005 01").is_ok());
        // Sum 403 → 403 mod 101 = 100 → 00.
        assert_eq!(check_number("999999997"), 0);
        assert!(Snils::parse("999-999-997 00").is_ok());
        assert_eq!(rule("999-999-997 100"), Rule::Length);
        // A sum above 101 with an ordinary remainder: 9*9+8*9+7*9 = 216 → 14.
        assert!(Snils::parse("999-000-000 14").is_ok());
    }

    #[test]
    fn old_numbers_carry_no_check() {
        assert!(Snils::parse("001-001-998 00").is_ok());
        assert!(Snils::parse("001-001-998 77").is_ok());
        assert!(Snils::parse("000-000-001 42").is_ok());
        // The first number with a check: 1*7 + 1*4 + 9*3 + 9*2 + 9*1 = 65.
        assert!(Snils::parse("001-001-999 65").is_ok());
        assert_eq!(rule("001-001-999 00"), Rule::CheckDigit);
    }

    #[test]
    fn errors() {
        assert_eq!(rule(""), Rule::Empty);
        assert_eq!(rule("   "), Rule::Empty);
        assert_eq!(rule("112-233-445 9"), Rule::Length);
        assert_eq!(rule("112-233-445 955"), Rule::Length);
        assert_eq!(rule("112/233/445 95"), Rule::Characters);
        assert_eq!(rule("112-233-445 9O"), Rule::Characters);
        assert_eq!(rule("000-000-000 00"), Rule::AllZeros);
        assert_eq!(rule("112-233-445 96"), Rule::CheckDigit);
        assert_eq!(rule("112-233-446 95"), Rule::CheckDigit);
        let e = Snils::parse("112-233-445 96").unwrap_err();
        assert_eq!(e.kind(), IdKind::Snils);
        assert_eq!(e.message_key(), "id-snils-checkdigit");
    }

    #[test]
    fn serde_round_trip() {
        let snils = Snils::parse("112-233-445 95").unwrap();
        assert_eq!(String::from(snils.clone()), "11223344595");
        assert_eq!(
            Snils::try_from("112 233 445 95".to_owned()),
            Ok(snils.clone())
        );
        assert_eq!("11223344595".parse::<Snils>(), Ok(snils));
    }
}
