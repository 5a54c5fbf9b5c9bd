//! Sign-in identifiers (ID-2) and contacts (ID-1): what people type in the «Логин»
//! field becomes a canonical lookup key before anything touches the database.

use crate::ids::{Email, IdError, Inn, Phone, Snils};

/// A confirmed contact an account can be reached at (and sign in with).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Contact {
    /// An e-mail address.
    Email(Email),
    /// A phone number.
    Phone(Phone),
}

impl Contact {
    /// An e-mail address when the text has `@`, otherwise a phone number.
    pub fn parse(input: &str) -> Result<Contact, IdError> {
        if input.contains('@') {
            Email::parse(input).map(Contact::Email)
        } else {
            Phone::parse(input).map(Contact::Phone)
        }
    }

    /// The lookup key of this contact as a login.
    pub fn login(&self) -> LoginId {
        match self {
            Contact::Email(e) => LoginId::Email(e.clone()),
            Contact::Phone(p) => LoginId::Phone(p.clone()),
        }
    }

    /// The canonical text (`a@b.ru`, `+79991234567`).
    pub fn as_str(&self) -> &str {
        match self {
            Contact::Email(e) => e.as_str(),
            Contact::Phone(p) => p.as_str(),
        }
    }

    /// `email` or `phone`.
    pub fn kind(&self) -> &'static str {
        match self {
            Contact::Email(_) => "email",
            Contact::Phone(_) => "phone",
        }
    }
}

/// Something an account signs in with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoginId {
    /// E-mail.
    Email(Email),
    /// Phone.
    Phone(Phone),
    /// СНИЛС.
    Snils(Snils),
    /// A person's ИНН.
    Inn(Inn),
}

impl LoginId {
    /// The key stored in `account_logins`: `email:…`, `phone:+7…`, `snils:…`, `inn:…`.
    pub fn key(&self) -> String {
        match self {
            LoginId::Email(e) => format!("email:{}", e.as_str().to_lowercase()),
            LoginId::Phone(p) => format!("phone:{}", p.as_str()),
            LoginId::Snils(s) => format!("snils:{}", s.as_str()),
            LoginId::Inn(i) => format!("inn:{}", i.as_str()),
        }
    }

    /// Every reading of what was typed: an e-mail if it has `@`; otherwise a phone
    /// number, a СНИЛС (11 digits with a valid check number) and a person's ИНН
    /// (12 digits) as they parse. Eleven digits may read both as a phone and as a
    /// СНИЛС; both are looked up. Empty when nothing parses.
    pub fn candidates(input: &str) -> Vec<LoginId> {
        if input.contains('@') {
            return Email::parse(input)
                .map(LoginId::Email)
                .into_iter()
                .collect();
        }
        let mut out = Vec::with_capacity(2);
        if let Ok(s) = Snils::parse(input) {
            out.push(LoginId::Snils(s));
        }
        if let Ok(i) = Inn::parse_person(input) {
            out.push(LoginId::Inn(i));
        }
        if let Ok(p) = Phone::parse(input) {
            out.push(LoginId::Phone(p));
        }
        out
    }

    /// The key to count failures under: the first reading, or the trimmed lowercase
    /// text when nothing parses (so garbage is throttled too, without a lookup).
    pub fn throttle_key(input: &str) -> String {
        match LoginId::candidates(input).first() {
            Some(id) => id.key(),
            None => format!("raw:{}", input.trim().to_lowercase()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_logins() {
        let keys = |s: &str| {
            LoginId::candidates(s)
                .iter()
                .map(LoginId::key)
                .collect::<Vec<_>>()
        };
        assert_eq!(keys(" Ivan@Example.RU "), vec!["email:ivan@example.ru"]);
        assert_eq!(keys("8 (999) 123-45-67"), vec!["phone:+79991234567"]);
        assert_eq!(keys("112-233-445 95"), vec!["snils:11223344595"]);
        assert_eq!(keys("500100732259"), vec!["inn:500100732259"]);
        assert!(keys("nonsense").is_empty());
        assert_eq!(LoginId::throttle_key(" NonSense "), "raw:nonsense");
    }

    #[test]
    fn contacts() {
        assert_eq!(Contact::parse("a@b.ru").unwrap().kind(), "email");
        assert_eq!(
            Contact::parse("+7 999 123 45 67").unwrap().as_str(),
            "+79991234567"
        );
        assert!(Contact::parse("12").is_err());
    }
}
