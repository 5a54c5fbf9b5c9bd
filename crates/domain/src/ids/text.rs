//! Shared input clean-up for the parsers.

use super::{IdError, IdKind, Rule};

/// Dash-like characters people type or paste between groups of digits:
/// hyphen-minus, the Unicode hyphens and dashes (U+2010–U+2015) and minus (U+2212).
pub(crate) fn is_dash(c: char) -> bool {
    matches!(c, '-' | '\u{2010}'..='\u{2015}' | '\u{2212}')
}

/// A separator inside a number: any Unicode whitespace (incl. no-break spaces) or a dash.
pub(crate) fn is_separator(c: char) -> bool {
    c.is_whitespace() || is_dash(c)
}

/// Trims surrounding whitespace; fails with [`Rule::Empty`] if nothing is left.
pub(crate) fn trimmed(input: &str, kind: IdKind) -> Result<&str, IdError> {
    let s = input.trim();
    if s.is_empty() {
        Err(IdError::new(kind, Rule::Empty))
    } else {
        Ok(s)
    }
}

/// Collects the ASCII digits of `input`, skipping separators (whitespace, dashes)
/// and any character in `extra_separators`.
///
/// Fails with [`Rule::Empty`] when no digit is found and no other character is
/// present, and with [`Rule::Characters`] on any other character.
pub(crate) fn digits(
    input: &str,
    kind: IdKind,
    extra_separators: &[char],
) -> Result<String, IdError> {
    let s = trimmed(input, kind)?;
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_digit() {
            out.push(c);
        } else if !(is_separator(c) || extra_separators.contains(&c)) {
            return Err(IdError::new(kind, Rule::Characters));
        }
    }
    if out.is_empty() {
        return Err(IdError::new(kind, Rule::Empty));
    }
    Ok(out)
}

/// The numeric values of an ASCII-digit string (non-digits count as 0; callers
/// only pass validated digit strings).
pub(crate) fn digit_values(s: &str) -> impl Iterator<Item = u64> + '_ {
    s.bytes().map(|b| u64::from(b.wrapping_sub(b'0')) % 10)
}

/// The weighted sum of the digits of `s` (pairs digits and weights until either ends).
pub(crate) fn weighted_sum(s: &str, weights: &[u64]) -> u64 {
    digit_values(s).zip(weights).map(|(d, w)| d * w).sum()
}

/// `s` read as a decimal number (at most 19 digits; callers pass validated digits).
pub(crate) fn number(s: &str) -> u64 {
    digit_values(s).fold(0, |acc, d| acc * 10 + d)
}

/// The value of the single ASCII digit `s[index]`, or `None` if out of range.
pub(crate) fn digit_at(s: &str, index: usize) -> Option<u64> {
    s.as_bytes()
        .get(index)
        .map(|b| u64::from(b.wrapping_sub(b'0')) % 10)
}

/// Implements the string plumbing shared by the newtype identifiers:
/// `as_str`, `AsRef<str>`, `FromStr`, `TryFrom<String>`, `TryFrom<&str>` and
/// `From<T> for String` (the last two back the serde `try_from`/`into`).
macro_rules! string_id {
    ($ty:ident) => {
        impl $ty {
            /// The canonical stored form (see the type's documentation).
            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl ::core::str::FromStr for $ty {
            type Err = $crate::ids::IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl TryFrom<String> for $ty {
            type Error = $crate::ids::IdError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }

        impl TryFrom<&str> for $ty {
            type Error = $crate::ids::IdError;
            fn try_from(s: &str) -> Result<Self, Self::Error> {
                Self::parse(s)
            }
        }

        impl From<$ty> for String {
            fn from(id: $ty) -> String {
                id.0
            }
        }
    };
}

pub(crate) use string_id;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_skip_separators() {
        assert_eq!(
            digits(" 12-3\u{a0}4\u{2013}5 ", IdKind::Snils, &[]),
            Ok("12345".to_owned())
        );
        assert_eq!(
            digits("№ 12", IdKind::PassportNumber, &['№']),
            Ok("12".to_owned())
        );
    }

    #[test]
    fn digits_errors() {
        let empty = Err(IdError::new(IdKind::Snils, Rule::Empty));
        assert_eq!(digits("", IdKind::Snils, &[]), empty);
        assert_eq!(digits(" \t\n", IdKind::Snils, &[]), empty);
        assert_eq!(digits(" - - ", IdKind::Snils, &[]), empty);
        assert_eq!(
            digits("12a", IdKind::Snils, &[]),
            Err(IdError::new(IdKind::Snils, Rule::Characters))
        );
        // Fullwidth and other non-ASCII digits are not digits here.
        assert_eq!(
            digits("１２", IdKind::Snils, &[]),
            Err(IdError::new(IdKind::Snils, Rule::Characters))
        );
    }

    #[test]
    fn arithmetic_helpers() {
        assert_eq!(number("0012"), 12);
        assert_eq!(weighted_sum("123", &[3, 2, 1]), 10);
        assert_eq!(digit_at("908", 1), Some(0));
        assert_eq!(digit_at("908", 3), None);
    }
}
