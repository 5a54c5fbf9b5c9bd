//! The password policy (ID-3), after NIST SP 800-63B §5.1.1.2: a minimum length,
//! long passphrases accepted as typed, a blocklist of common and breached passwords,
//! nothing containing the user's own identifiers; composition rules exist but are off
//! by default (they push people to predictable patterns such as `Password1!`).

use std::collections::HashSet;
use std::sync::OnceLock;

/// 30,000 most common passwords, from the zxcvbn project (MIT licence; see
/// `data/common-passwords.LICENSE`), itself derived from the Xato corpus of leaked
/// passwords.
const COMMON: &str = include_str!("../data/common-passwords.txt");

fn common() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| COMMON.lines().filter(|l| !l.is_empty()).collect())
}

/// How many passwords the blocklist holds.
pub fn blocklist_len() -> usize {
    common().len()
}

/// The policy's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// Minimum length in characters (default 12).
    pub min_length: usize,
    /// Maximum length in characters (default 1024; at least 64 is always accepted).
    pub max_length: usize,
    /// Require letters, digits and another character (default off).
    pub require_composition: bool,
    /// How many previous passwords may not be reused (default 5).
    pub history: usize,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy {
            min_length: 12,
            max_length: 1024,
            require_composition: false,
            history: 5,
        }
    }
}

/// Why a password was refused; each is a message key in `locales/ru/auth.ftl`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordProblem {
    /// Shorter than the minimum.
    TooShort,
    /// Longer than the maximum.
    TooLong,
    /// On the blocklist of common passwords.
    Common,
    /// Contains the user's phone, e-mail or name.
    Personal,
    /// Composition rules are on and not met.
    Composition,
}

impl PasswordProblem {
    /// The message key.
    pub fn message_key(self) -> &'static str {
        match self {
            PasswordProblem::TooShort => "password-too-short",
            PasswordProblem::TooLong => "password-too-long",
            PasswordProblem::Common => "password-common",
            PasswordProblem::Personal => "password-personal",
            PasswordProblem::Composition => "password-composition",
        }
    }
}

/// Repetitive or sequential text (`aaaaaaaaaaaa`, `1234567890123`, `абвгдеёжзийк`),
/// which NIST SP 800-63B names among the values to refuse.
fn is_trivial(lower: &str) -> bool {
    let chars: Vec<char> = lower.chars().collect();
    let mut distinct = chars.clone();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() <= 2 {
        return true;
    }
    let step = |a: char, b: char| -> i64 {
        let d = i64::from(u32::from(b)) - i64::from(u32::from(a));
        // Digits wrap: …8, 9, 0, 1…
        if a.is_ascii_digit() && b.is_ascii_digit() && d.abs() == 9 {
            -d.signum()
        } else {
            d
        }
    };
    let steps: Vec<i64> = chars.windows(2).map(|w| step(w[0], w[1])).collect();
    steps.iter().all(|&d| d == 1) || steps.iter().all(|&d| d == -1)
}

fn normalise(s: &str) -> String {
    s.to_lowercase().replace('ё', "е")
}

impl PasswordPolicy {
    /// Checks a new password. `personal` holds the user's identifiers (e-mail, its local
    /// part, phone digits, names); fragments shorter than 4 characters are ignored.
    pub fn check(&self, password: &str, personal: &[&str]) -> Result<(), PasswordProblem> {
        let length = password.chars().count();
        if length < self.min_length {
            return Err(PasswordProblem::TooShort);
        }
        if length > self.max_length.max(64) {
            return Err(PasswordProblem::TooLong);
        }
        let lower = normalise(password);
        let stem = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
        let set = common();
        if set.contains(lower.as_str())
            || (stem.chars().count() >= 4 && set.contains(stem))
            || is_trivial(&lower)
        {
            return Err(PasswordProblem::Common);
        }
        let digits: String = password.chars().filter(char::is_ascii_digit).collect();
        for fragment in personal {
            let fragment = normalise(fragment.trim());
            if fragment.chars().count() < 4 {
                continue;
            }
            let fragment_digits: String = fragment.chars().filter(char::is_ascii_digit).collect();
            let numeric = fragment_digits.len()
                == fragment
                    .chars()
                    .filter(|c| !matches!(c, '+' | ' ' | '-' | '(' | ')'))
                    .count();
            if lower.contains(&fragment)
                || (numeric
                    && fragment_digits.len() >= 7
                    && digits.contains(&fragment_digits[fragment_digits.len() - 7..]))
            {
                return Err(PasswordProblem::Personal);
            }
        }
        if self.require_composition {
            let letters = password.chars().any(char::is_alphabetic);
            let digit = password.chars().any(|c| c.is_ascii_digit());
            let other = password.chars().any(|c| !c.is_alphanumeric());
            if !(letters && digit && other) {
                return Err(PasswordProblem::Composition);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocklist_is_big_enough() {
        assert!(blocklist_len() >= 10_000);
    }

    #[test]
    fn policy() {
        let p = PasswordPolicy::default();
        assert_eq!(p.check("short", &[]), Err(PasswordProblem::TooShort));
        assert_eq!(p.check("qwertyuiop123", &[]), Err(PasswordProblem::Common));
        assert_eq!(p.check("Password2024!", &[]), Err(PasswordProblem::Common));
        assert_eq!(p.check("1234567890123", &[]), Err(PasswordProblem::Common));
        assert_eq!(
            p.check(
                "ivanov.petr-secret",
                &["ivanov.petr@example.ru", "ivanov.petr"]
            ),
            Err(PasswordProblem::Personal)
        );
        assert_eq!(
            p.check("my 9991234567 pass", &["+79991234567"]),
            Err(PasswordProblem::Personal)
        );
        assert_eq!(p.check("лодка плывёт по реке", &[]), Ok(()));
        let long = "на берегу пустынных волн стоял он дум великих полн и вдаль глядел";
        assert!(long.chars().count() >= 64);
        assert_eq!(
            p.check(long, &[]),
            Ok(()),
            "long passphrases are accepted as typed"
        );
        assert_eq!(
            p.check("aaaaaaaaaaaaaaa", &[]),
            Err(PasswordProblem::Common)
        );
        assert_eq!(p.check("9876543210987", &[]), Err(PasswordProblem::Common));
        assert_eq!(
            p.check(&"y".repeat(2000), &[]),
            Err(PasswordProblem::TooLong)
        );
        let strict = PasswordPolicy {
            require_composition: true,
            ..PasswordPolicy::default()
        };
        assert_eq!(
            strict.check("лодка плывёт по реке", &[]),
            Err(PasswordProblem::Composition)
        );
        assert_eq!(strict.check("лодка плывёт по реке 7", &[]), Ok(()));
    }
}
