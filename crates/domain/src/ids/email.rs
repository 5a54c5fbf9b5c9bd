//! E-mail addresses.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::text::{self, string_id};
use super::{IdError, IdKind, Rule};

/// An e-mail address `local@domain`, checked with a practical subset of RFC 5321/5322.
///
/// - Surrounding whitespace is trimmed; at most 254 characters remain.
/// - Exactly one `@`.
/// - Local part: 1–64 printable ASCII characters, no spaces and none of the
///   specials that need quoting (`"(),:;<>@[\]`); quoted local parts are not
///   supported. No leading, trailing or doubled dot. Kept as typed (case too:
///   the local part is case-sensitive in principle).
/// - Domain: at least two dot-separated labels of 1–63 letters, digits and
///   hyphens, not starting or ending with a hyphen; the last label (TLD) not
///   all digits. Letters are ASCII or Cyrillic: internationalised domains such
///   as `почта.рф` are kept in Unicode (lowercased), not converted to punycode;
///   punycode (`xn--…`) is accepted as typed. Lengths are counted in characters.
///
/// Canonical form and `Display`: the local part as typed, `@`, the domain lowercased.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

string_id!(Email);

const MAX_TOTAL: usize = 254;
const MAX_LOCAL: usize = 64;
const MAX_LABEL: usize = 63;

/// Characters allowed in an unquoted local part besides ASCII letters and digits.
const LOCAL_SPECIALS: &str = "!#$%&'*+-/=?^_`{|}~.";

fn is_cyrillic_letter(c: char) -> bool {
    ('\u{0400}'..='\u{04FF}').contains(&c) && c.is_alphabetic()
}

fn is_domain_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '.' || is_cyrillic_letter(c)
}

fn check_local(local: &str) -> Result<(), Rule> {
    if local.is_empty() {
        return Err(Rule::LocalPart);
    }
    if local.chars().count() > MAX_LOCAL {
        return Err(Rule::Length);
    }
    if !local
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || LOCAL_SPECIALS.contains(c))
    {
        return Err(Rule::Characters);
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(Rule::LocalPart);
    }
    Ok(())
}

fn check_domain(domain: &str) -> Result<(), Rule> {
    if !domain.chars().all(is_domain_char) {
        return Err(Rule::Characters);
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return Err(Rule::Domain);
    }
    for label in &labels {
        if label.is_empty()
            || label.chars().count() > MAX_LABEL
            || label.starts_with('-')
            || label.ends_with('-')
        {
            return Err(Rule::Domain);
        }
    }
    if labels
        .last()
        .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(Rule::Domain);
    }
    Ok(())
}

impl Email {
    /// Parses an e-mail address.
    ///
    /// # Errors
    /// [`IdError`] with kind [`IdKind::Email`] and rule `Empty`, `Length` (over
    /// 254 characters, or a local part over 64), `Format` (not exactly one `@`),
    /// `Characters` (whitespace, quoting specials, non-ASCII in the local part;
    /// anything but letters, digits, hyphens and dots in the domain), `LocalPart`
    /// (empty, dots misplaced) or `Domain` (a single label, an empty or too long
    /// label, a hyphen at a label's edge, a numeric TLD).
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let err = |rule| IdError::new(IdKind::Email, rule);
        let s = text::trimmed(input, IdKind::Email)?;
        if s.chars().count() > MAX_TOTAL {
            return Err(err(Rule::Length));
        }
        let mut parts = s.split('@');
        let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(err(Rule::Format));
        };
        check_local(local).map_err(err)?;
        let domain = domain.to_lowercase();
        check_domain(&domain).map_err(err)?;
        Ok(Self(format!("{local}@{domain}")))
    }

    /// The part before `@`, as typed.
    #[must_use]
    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(local, _)| local)
    }

    /// The part after `@`, lowercased.
    #[must_use]
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, domain)| domain)
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn rule(input: &str) -> Rule {
        Email::parse(input).unwrap_err().rule()
    }

    #[test]
    fn valid() {
        let e = Email::parse("  Ivan.Petrov+kabinet@Example.COM \n").unwrap();
        assert_eq!(e.as_str(), "Ivan.Petrov+kabinet@example.com");
        assert_eq!(e.to_string(), "Ivan.Petrov+kabinet@example.com");
        assert_eq!(e.local_part(), "Ivan.Petrov+kabinet");
        assert_eq!(e.domain(), "example.com");
        for ok in [
            "a@b.ru",
            "user@mail.gov.ru",
            "o'neil@example.org",
            "x_y-z@sub-domain.example.co.uk",
            "!#$%&'*+-/=?^_`{|}~@example.com",
            "user@xn--80ak6aa92e.xn--p1ai",
            "user@123.example",
            "user@example.c0m",
        ] {
            assert_eq!(Email::parse(ok).expect(ok).as_str(), ok);
        }
    }

    #[test]
    fn cyrillic_domains_are_kept_in_unicode_lowercased() {
        let e = Email::parse("info@ПОЧТА.РФ").unwrap();
        assert_eq!(e.as_str(), "info@почта.рф");
        assert_eq!(e.domain(), "почта.рф");
        assert_eq!(
            Email::parse("user@госуслуги.рф").unwrap().as_str(),
            "user@госуслуги.рф"
        );
        assert_eq!(Email::parse("user@ёлка.рф").unwrap().domain(), "ёлка.рф");
    }

    #[test]
    fn cyrillic_lowercasing_is_idempotent() {
        for c in '\u{0400}'..='\u{04FF}' {
            let once = c.to_lowercase().collect::<String>();
            let twice = once.to_lowercase();
            assert_eq!(once, twice, "U+{:04X}", u32::from(c));
        }
    }

    #[test]
    fn lengths() {
        let local64 = "a".repeat(64);
        assert!(Email::parse(&format!("{local64}@example.com")).is_ok());
        assert_eq!(rule(&format!("{local64}a@example.com")), Rule::Length);
        let label63 = "b".repeat(63);
        assert!(Email::parse(&format!("a@{label63}.ru")).is_ok());
        assert_eq!(rule(&format!("a@{label63}b.ru")), Rule::Domain);
        // 254 characters in total is the limit.
        let domain = format!("{0}.{0}.{0}.{1}.ru", "c".repeat(63), "d".repeat(56));
        let at_limit = format!("ab@{domain}");
        assert_eq!(at_limit.len(), 254);
        assert!(Email::parse(&at_limit).is_ok());
        assert_eq!(rule(&format!("abc@{domain}")), Rule::Length);
    }

    #[test]
    fn errors() {
        assert_eq!(rule(""), Rule::Empty);
        assert_eq!(rule(" \t "), Rule::Empty);
        assert_eq!(rule("user.example.com"), Rule::Format);
        assert_eq!(rule("a@b@example.com"), Rule::Format);
        assert_eq!(rule("@example.com"), Rule::LocalPart);
        assert_eq!(rule(".user@example.com"), Rule::LocalPart);
        assert_eq!(rule("user.@example.com"), Rule::LocalPart);
        assert_eq!(rule("us..er@example.com"), Rule::LocalPart);
        assert_eq!(rule("us er@example.com"), Rule::Characters);
        assert_eq!(rule("\"user\"@example.com"), Rule::Characters);
        assert_eq!(rule("user,1@example.com"), Rule::Characters);
        assert_eq!(rule("иван@example.com"), Rule::Characters);
        assert_eq!(rule("user@exam ple.com"), Rule::Characters);
        assert_eq!(rule("user@example_mail.com"), Rule::Characters);
        assert_eq!(rule("user@[127.0.0.1]"), Rule::Characters);
        assert_eq!(rule("user@"), Rule::Domain);
        assert_eq!(rule("user@localhost"), Rule::Domain);
        assert_eq!(rule("user@example..com"), Rule::Domain);
        assert_eq!(rule("user@.example.com"), Rule::Domain);
        assert_eq!(rule("user@example.com."), Rule::Domain);
        assert_eq!(rule("user@-example.com"), Rule::Domain);
        assert_eq!(rule("user@example-.com"), Rule::Domain);
        assert_eq!(rule("user@127.0.0.1"), Rule::Domain);
        assert_eq!(
            Email::parse("user@localhost").unwrap_err().message_key(),
            "id-email-domain"
        );
    }
}
