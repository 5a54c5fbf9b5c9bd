//! ОГРН and ОГРНИП — state registration numbers of legal entities and sole proprietors.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::text::{self, string_id};
use super::{IdError, IdKind, Rule};

/// ОГРН of a legal entity: 13 digits, the first 1 or 5.
///
/// Accepts the digits with surrounding whitespace, inner spaces and dashes.
/// Canonical form and `Display`: the 13 digits. Check: the first 12 digits
/// read as one number, mod 11, then mod 10, equal the 13th digit.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Ogrn(String);

string_id!(Ogrn);

/// ОГРНИП of a sole proprietor: 15 digits, the first 3.
///
/// Accepts the digits with surrounding whitespace, inner spaces and dashes.
/// Canonical form and `Display`: the 15 digits. Check: the first 14 digits
/// read as one number, mod 13, then mod 10, equal the 15th digit.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Ogrnip(String);

string_id!(Ogrnip);

/// Reads a registration number of `len` digits whose first digit is in `first`
/// and whose last digit is `(number of the others mod modulus) mod 10`.
fn parse_number(
    input: &str,
    kind: IdKind,
    len: usize,
    first: &[u8],
    modulus: u64,
) -> Result<String, IdError> {
    let digits = text::digits(input, kind, &[])?;
    if digits.len() != len {
        return Err(IdError::new(kind, Rule::Length));
    }
    if !digits.bytes().next().is_some_and(|b| first.contains(&b)) {
        return Err(IdError::new(kind, Rule::Format));
    }
    let (body, check) = digits.split_at(len - 1);
    if (text::number(body) % modulus) % 10 != text::number(check) {
        return Err(IdError::new(kind, Rule::CheckDigit));
    }
    Ok(digits)
}

impl Ogrn {
    /// Parses an ОГРН.
    ///
    /// # Errors
    /// [`IdError`] with kind [`IdKind::Ogrn`] and rule `Empty`, `Characters`,
    /// `Length` (not 13 digits), `Format` (first digit not 1 or 5) or `CheckDigit`.
    pub fn parse(input: &str) -> Result<Self, IdError> {
        parse_number(input, IdKind::Ogrn, 13, b"15", 11).map(Self)
    }
}

impl Ogrnip {
    /// Parses an ОГРНИП.
    ///
    /// # Errors
    /// [`IdError`] with kind [`IdKind::Ogrnip`] and rule `Empty`, `Characters`,
    /// `Length` (not 15 digits), `Format` (first digit not 3) or `CheckDigit`.
    pub fn parse(input: &str) -> Result<Self, IdError> {
        parse_number(input, IdKind::Ogrnip, 15, b"3", 13).map(Self)
    }
}

impl fmt::Display for Ogrn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for Ogrnip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn known_ogrn() {
        // ПАО Сбербанк; the 5… series; a remainder of 10 giving the check 0.
        for ogrn in ["1027700132195", "5027721001358", "1147746348200"] {
            let parsed = Ogrn::parse(ogrn).expect(ogrn);
            assert_eq!(parsed.as_str(), ogrn);
            assert_eq!(parsed.to_string(), ogrn);
        }
        assert_eq!(
            Ogrn::parse(" 1 02 77 00 13219 5 ").unwrap().as_str(),
            "1027700132195"
        );
    }

    #[test]
    fn ogrn_errors() {
        let rule = |s: &str| Ogrn::parse(s).unwrap_err().rule();
        assert_eq!(rule(""), Rule::Empty);
        assert_eq!(rule("102770013219"), Rule::Length);
        assert_eq!(rule("304500116000157"), Rule::Length);
        assert_eq!(rule("10277001321g5"), Rule::Characters);
        assert_eq!(rule("2027700132195"), Rule::Format);
        assert_eq!(rule("0000000000000"), Rule::Format);
        assert_eq!(rule("1027700132196"), Rule::CheckDigit);
        assert_eq!(
            Ogrn::parse("1027700132196").unwrap_err().message_key(),
            "id-ogrn-checkdigit"
        );
    }

    #[test]
    fn known_ogrnip() {
        // 30450011600015 mod 13 = 7; 31877460012345 mod 13 = 12 → 2.
        for ogrnip in ["304500116000157", "318774600123452"] {
            let parsed = Ogrnip::parse(ogrnip).expect(ogrnip);
            assert_eq!(parsed.as_str(), ogrnip);
            assert_eq!(parsed.to_string(), ogrnip);
        }
        assert_eq!(
            Ogrnip::parse("304-500-116-000-157").unwrap().as_str(),
            "304500116000157"
        );
    }

    #[test]
    fn ogrnip_errors() {
        let rule = |s: &str| Ogrnip::parse(s).unwrap_err().rule();
        assert_eq!(rule(" \u{a0} "), Rule::Empty);
        assert_eq!(rule("1027700132195"), Rule::Length);
        assert_eq!(rule("30450011600015x"), Rule::Characters);
        assert_eq!(rule("104500116000157"), Rule::Format);
        assert_eq!(rule("304500116000158"), Rule::CheckDigit);
        assert_eq!(rule("304500116000147"), Rule::CheckDigit);
    }
}
