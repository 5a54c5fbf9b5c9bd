//! УИН — the unique accrual identifier of ГИС ГМП (state and municipal payments).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::text::{self, string_id};
use super::{IdError, IdKind, Rule};

/// УИН: 20 digits, or 25 characters of digits and Latin letters, the last
/// character being a control digit.
///
/// Accepts surrounding whitespace, inner spaces and dashes, and lowercase Latin
/// letters (normalised to uppercase). Canonical form and `Display`: the 20 or 25
/// characters. The all-zero value is rejected: in a payment document `0` means
/// "no УИН", and a zero УИН never identifies an accrual.
///
/// Control digit (Treasury rules for ГИС ГМП): characters 1…n−1 get the weights
/// 1, 2, …, 10 repeating; the sum of value × weight is taken mod 11. A remainder
/// of 10 is recomputed with the weights shifted by two (3, 4, …, 10, 1, 2, …);
/// if it is 10 again, the control digit is 0.
///
/// The value of a letter is its number in the ГИС ГМП letter table mod 10. The
/// table numbers the Cyrillic alphabet (А=1 … И=9, К=10 … Я=28); a Latin letter
/// that looks like a Cyrillic one takes that letter's number (A=1, B=3, E=6,
/// K=10, M=12, H=13, O=14, P=16, C=17, T=18, Y=19, X=21) and the others continue
/// the count: D=29, F=30, G=31, I=32, J=33, L=34, N=35, Q=36, R=37, S=38, U=39,
/// V=40, W=41, Z=42. Letters are accepted only in a 25-character УИН; a
/// 20-character one is digits only. Cyrillic letters are not accepted.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Uin(String);

string_id!(Uin);

/// The table number of each Latin capital letter, `A` first.
const LETTER_NUMBERS: [u8; 26] = [
    1,  // A (as Cyrillic А)
    3,  // B (as Cyrillic В)
    17, // C (as Cyrillic С)
    29, // D
    6,  // E (as Cyrillic Е)
    30, // F
    31, // G
    13, // H (as Cyrillic Н)
    32, // I
    33, // J
    10, // K (as Cyrillic К)
    34, // L
    12, // M (as Cyrillic М)
    35, // N
    14, // O (as Cyrillic О)
    16, // P (as Cyrillic Р)
    36, // Q
    37, // R
    38, // S
    18, // T (as Cyrillic Т)
    39, // U
    40, // V
    41, // W
    21, // X (as Cyrillic Х)
    19, // Y (as Cyrillic У)
    42, // Z
];

/// The value of an ASCII digit or uppercase Latin letter in the control sum.
fn char_value(b: u8) -> u64 {
    if b.is_ascii_digit() {
        u64::from(b - b'0')
    } else if b.is_ascii_uppercase() {
        LETTER_NUMBERS
            .get(usize::from(b - b'A'))
            .map_or(0, |&n| u64::from(n) % 10)
    } else {
        0
    }
}

/// The weighted remainder with the weights 1..=10 starting at `1 + shift`.
fn remainder(body: &[u8], shift: usize) -> u64 {
    body.iter()
        .enumerate()
        .map(|(i, &b)| char_value(b) * ((i + shift) % 10 + 1) as u64)
        .sum::<u64>()
        % 11
}

/// The control digit for all characters but the last.
fn control_digit(body: &[u8]) -> u64 {
    match remainder(body, 0) {
        10 => match remainder(body, 2) {
            10 => 0,
            r => r,
        },
        r => r,
    }
}

impl Uin {
    /// Parses a УИН.
    ///
    /// # Errors
    /// [`IdError`] with kind [`IdKind::Uin`] and rule `Empty`, `Characters` (not
    /// a digit or Latin letter), `Length` (neither 20 nor 25 characters),
    /// `Format` (a letter in a 20-character УИН, or a letter as the control
    /// digit), `AllZeros` or `CheckDigit`.
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let err = |rule| IdError::new(IdKind::Uin, rule);
        let s = text::trimmed(input, IdKind::Uin)?;
        let mut out = String::with_capacity(25);
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
        let bytes = out.as_bytes();
        let Some((&last, body)) = bytes.split_last() else {
            return Err(err(Rule::Empty));
        };
        match bytes.len() {
            20 if !bytes.iter().all(u8::is_ascii_digit) => return Err(err(Rule::Format)),
            20 | 25 if !last.is_ascii_digit() => return Err(err(Rule::Format)),
            20 | 25 => {}
            _ => return Err(err(Rule::Length)),
        }
        if bytes.iter().all(|&b| b == b'0') {
            return Err(err(Rule::AllZeros));
        }
        if control_digit(body) != char_value(last) {
            return Err(err(Rule::CheckDigit));
        }
        Ok(Self(out))
    }
}

impl fmt::Display for Uin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn rule(input: &str) -> Rule {
        Uin::parse(input).unwrap_err().rule()
    }

    #[test]
    fn twenty_digits() {
        // The vectors were computed with an independent implementation of the
        // ГИС ГМП rules (a port of a public ГИБДД УИН generator).
        for uin in [
            "18810177200000000009",
            "03554310100000000015",
            // First pass 10, second pass gives the digit.
            "60710431955459045444",
            // Both passes 10: control digit 0.
            "73167232686563551500",
        ] {
            let parsed = Uin::parse(uin).expect(uin);
            assert_eq!(parsed.as_str(), uin);
            assert_eq!(parsed.to_string(), uin);
        }
        assert_eq!(
            Uin::parse(" 1881 0177 2000 0000 0009 ").unwrap().as_str(),
            "18810177200000000009"
        );
    }

    #[test]
    fn twenty_five_characters() {
        for uin in [
            "3211707241102158893300000",
            "ABCDEF0100000000000000199",
            "3Z2B6EC017CZ1E177715Z5A04",
            "500FE7EE5FC324BDB2EXX1140",
        ] {
            let parsed = Uin::parse(uin).expect(uin);
            assert_eq!(parsed.as_str(), uin);
        }
        assert_eq!(
            Uin::parse("abcdef01-0000-0000-0000-00199")
                .unwrap()
                .as_str(),
            "ABCDEF0100000000000000199"
        );
    }

    #[test]
    fn letter_values_follow_the_table() {
        assert_eq!(char_value(b'A'), 1);
        assert_eq!(char_value(b'B'), 3);
        assert_eq!(char_value(b'K'), 0);
        assert_eq!(char_value(b'L'), 4);
        assert_eq!(char_value(b'O'), 4);
        assert_eq!(char_value(b'Z'), 2);
        assert_eq!(char_value(b'7'), 7);
    }

    #[test]
    fn errors() {
        assert_eq!(rule(""), Rule::Empty);
        assert_eq!(rule("0"), Rule::Length);
        assert_eq!(rule("1881017720000000000"), Rule::Length);
        assert_eq!(rule("188101772000000000091"), Rule::Length);
        assert_eq!(rule("18810177200000000009 / 1"), Rule::Characters);
        assert_eq!(rule("1881017720000000000Я"), Rule::Characters);
        assert_eq!(rule("1881017720000000000A"), Rule::Format);
        assert_eq!(rule("18810ABC1234567890Z6"), Rule::Format);
        assert_eq!(rule("ABCDEF010000000000000019A"), Rule::Format);
        assert_eq!(rule("00000000000000000000"), Rule::AllZeros);
        assert_eq!(rule("0000000000000000000000000"), Rule::AllZeros);
        assert_eq!(rule("18810177200000000008"), Rule::CheckDigit);
        assert_eq!(rule("ABCDEF0100000000000000198"), Rule::CheckDigit);
        assert_eq!(
            Uin::parse("00000000000000000000")
                .unwrap_err()
                .message_key(),
            "id-uin-zeros"
        );
    }
}
