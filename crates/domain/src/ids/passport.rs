//! The internal passport of a citizen of the Russian Federation.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::text::{self, string_id};
use super::{IdError, IdKind, Rule};

/// Passport series: 4 digits (region code and the year of the blank).
///
/// Accepts `45 06`, `4506`, `45-06` (whitespace and dashes ignored).
/// Canonical form: `4506`; `Display`: `45 06`. Format only, no check digit.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PassportSeries(String);

string_id!(PassportSeries);

/// Passport number: 6 digits.
///
/// Accepts whitespace, dashes and a `№` sign. Canonical form and `Display`:
/// the 6 digits. Format only, no check digit.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PassportNumber(String);

string_id!(PassportNumber);

/// Code of the issuing department (код подразделения), `NNN-NNN`.
///
/// Accepts `770-001` and `770001` (whitespace and dashes ignored).
/// Canonical form: `770001`; `Display`: `770-001`. Format only.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IssuerCode(String);

string_id!(IssuerCode);

fn fixed_digits(input: &str, kind: IdKind, len: usize, extra: &[char]) -> Result<String, IdError> {
    let digits = text::digits(input, kind, extra)?;
    if digits.len() == len {
        Ok(digits)
    } else {
        Err(IdError::new(kind, Rule::Length))
    }
}

impl PassportSeries {
    /// Parses a passport series.
    ///
    /// # Errors
    /// [`IdError`] with kind [`IdKind::PassportSeries`] and rule `Empty`,
    /// `Characters` or `Length` (not 4 digits).
    pub fn parse(input: &str) -> Result<Self, IdError> {
        fixed_digits(input, IdKind::PassportSeries, 4, &[]).map(Self)
    }
}

impl PassportNumber {
    /// Parses a passport number.
    ///
    /// # Errors
    /// [`IdError`] with kind [`IdKind::PassportNumber`] and rule `Empty`,
    /// `Characters` or `Length` (not 6 digits).
    pub fn parse(input: &str) -> Result<Self, IdError> {
        fixed_digits(input, IdKind::PassportNumber, 6, &['№']).map(Self)
    }
}

impl IssuerCode {
    /// Parses a code of the issuing department.
    ///
    /// # Errors
    /// [`IdError`] with kind [`IdKind::IssuerCode`] and rule `Empty`,
    /// `Characters` or `Length` (not 6 digits).
    pub fn parse(input: &str) -> Result<Self, IdError> {
        fixed_digits(input, IdKind::IssuerCode, 6, &[]).map(Self)
    }
}

impl fmt::Display for PassportSeries {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.0.get(0..2), self.0.get(2..4)) {
            (Some(region), Some(year)) => write!(f, "{region} {year}"),
            _ => f.write_str(&self.0),
        }
    }
}

impl fmt::Display for PassportNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for IssuerCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.0.get(0..3), self.0.get(3..6)) {
            (Some(a), Some(b)) => write!(f, "{a}-{b}"),
            _ => f.write_str(&self.0),
        }
    }
}

/// A Russian internal passport: series, number and the issuing department's
/// code. The issue date is kept elsewhere.
///
/// Serialised as `{"series": "4506", "number": "123456", "issuer_code": "770001"}`;
/// each field is parsed again on deserialisation. `Display`: `45 06 123456`
/// (series and number, the way they are written together).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Passport {
    /// The series (4 digits).
    pub series: PassportSeries,
    /// The number (6 digits).
    pub number: PassportNumber,
    /// The code of the issuing department (6 digits).
    pub issuer_code: IssuerCode,
}

impl Passport {
    /// Parses the three fields as typed into a form.
    ///
    /// # Errors
    /// The first [`IdError`] of [`PassportSeries::parse`],
    /// [`PassportNumber::parse`] and [`IssuerCode::parse`], in that order.
    pub fn parse(series: &str, number: &str, issuer_code: &str) -> Result<Self, IdError> {
        Ok(Self {
            series: PassportSeries::parse(series)?,
            number: PassportNumber::parse(number)?,
            issuer_code: IssuerCode::parse(issuer_code)?,
        })
    }
}

impl fmt::Display for Passport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.series, self.number)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn series() {
        for input in ["45 06", "4506", " 45-06 ", "45\u{a0}06"] {
            let s = PassportSeries::parse(input).expect(input);
            assert_eq!(s.as_str(), "4506");
            assert_eq!(s.to_string(), "45 06");
        }
        let rule = |s: &str| PassportSeries::parse(s).unwrap_err().rule();
        assert_eq!(rule(""), Rule::Empty);
        assert_eq!(rule("450"), Rule::Length);
        assert_eq!(rule("45 066"), Rule::Length);
        assert_eq!(rule("45 О6"), Rule::Characters);
        assert_eq!(
            PassportSeries::parse("45").unwrap_err().message_key(),
            "id-passport-series-length"
        );
    }

    #[test]
    fn number() {
        for input in ["123456", "123 456", "№ 123456", "№123456"] {
            let n = PassportNumber::parse(input).expect(input);
            assert_eq!(n.as_str(), "123456");
            assert_eq!(n.to_string(), "123456");
        }
        let rule = |s: &str| PassportNumber::parse(s).unwrap_err().rule();
        assert_eq!(rule("№"), Rule::Empty);
        assert_eq!(rule("12345"), Rule::Length);
        assert_eq!(rule("1234567"), Rule::Length);
        assert_eq!(rule("N 123456"), Rule::Characters);
    }

    #[test]
    fn issuer_code() {
        for input in ["770-001", "770001", " 770 001 "] {
            let c = IssuerCode::parse(input).expect(input);
            assert_eq!(c.as_str(), "770001");
            assert_eq!(c.to_string(), "770-001");
        }
        let rule = |s: &str| IssuerCode::parse(s).unwrap_err().rule();
        assert_eq!(rule(" "), Rule::Empty);
        assert_eq!(rule("770-01"), Rule::Length);
        assert_eq!(rule("770_001"), Rule::Characters);
        assert_eq!(
            IssuerCode::parse("770_001").unwrap_err().message_key(),
            "id-issuer-code-characters"
        );
    }

    #[test]
    fn passport() {
        let p = Passport::parse("45 06", "123456", "770-001").unwrap();
        assert_eq!(p.series.as_str(), "4506");
        assert_eq!(p.number.as_str(), "123456");
        assert_eq!(p.issuer_code.as_str(), "770001");
        assert_eq!(p.to_string(), "45 06 123456");
        let e = Passport::parse("45 06", "12345", "77").unwrap_err();
        assert_eq!(e.kind(), IdKind::PassportNumber);
        let e = Passport::parse("45 06", "123456", "77").unwrap_err();
        assert_eq!(e.kind(), IdKind::IssuerCode);
    }
}
