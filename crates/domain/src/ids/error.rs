//! The error type shared by every identifier parser.

use std::fmt;

/// Which identifier a parser was reading when it failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdKind {
    /// СНИЛС, the insurance account number of a person.
    Snils,
    /// ИНН read by [`crate::ids::Inn::parse`] (a person's or a legal entity's).
    Inn,
    /// ИНН read by [`crate::ids::Inn::parse_person`] (12 digits only).
    InnPerson,
    /// ИНН read by [`crate::ids::Inn::parse_legal`] (10 digits only).
    InnLegal,
    /// ОГРН, the state registration number of a legal entity.
    Ogrn,
    /// ОГРНИП, the state registration number of a sole proprietor.
    Ogrnip,
    /// КПП, the tax registration reason code.
    Kpp,
    /// УИН, the unique accrual identifier of ГИС ГМП.
    Uin,
    /// A telephone number.
    Phone,
    /// An e-mail address.
    Email,
    /// The series of a Russian internal passport.
    PassportSeries,
    /// The number of a Russian internal passport.
    PassportNumber,
    /// The code of the issuing department (код подразделения).
    IssuerCode,
}

impl IdKind {
    /// Every identifier kind, in declaration order.
    pub const ALL: &'static [IdKind] = &[
        IdKind::Snils,
        IdKind::Inn,
        IdKind::InnPerson,
        IdKind::InnLegal,
        IdKind::Ogrn,
        IdKind::Ogrnip,
        IdKind::Kpp,
        IdKind::Uin,
        IdKind::Phone,
        IdKind::Email,
        IdKind::PassportSeries,
        IdKind::PassportNumber,
        IdKind::IssuerCode,
    ];

    /// A short English name, for logs and developer-facing messages.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            IdKind::Snils => "SNILS",
            IdKind::Inn => "INN",
            IdKind::InnPerson => "person's INN",
            IdKind::InnLegal => "legal entity's INN",
            IdKind::Ogrn => "OGRN",
            IdKind::Ogrnip => "OGRNIP",
            IdKind::Kpp => "KPP",
            IdKind::Uin => "UIN",
            IdKind::Phone => "phone number",
            IdKind::Email => "e-mail address",
            IdKind::PassportSeries => "passport series",
            IdKind::PassportNumber => "passport number",
            IdKind::IssuerCode => "issuer code",
        }
    }
}

/// Which rule the input broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rule {
    /// Nothing but whitespace (or separators) was typed.
    Empty,
    /// The number of significant characters is wrong (or, for e-mail, too many).
    Length,
    /// A character that this identifier never contains.
    Characters,
    /// The characters are allowed but do not form a valid identifier
    /// (wrong leading digit, letter in a digit position, stray `+`, …).
    Format,
    /// The check digit (control number) does not match.
    CheckDigit,
    /// The number consists of zeros only (a placeholder, not a real number).
    AllZeros,
    /// E-mail only: the part before `@` is malformed (empty, dots misplaced).
    LocalPart,
    /// E-mail only: the part after `@` is not a valid domain name.
    Domain,
}

impl Rule {
    /// Every rule, in declaration order.
    pub const ALL: &'static [Rule] = &[
        Rule::Empty,
        Rule::Length,
        Rule::Characters,
        Rule::Format,
        Rule::CheckDigit,
        Rule::AllZeros,
        Rule::LocalPart,
        Rule::Domain,
    ];

    /// A short English description, for logs and developer-facing messages.
    #[must_use]
    pub const fn description(self) -> &'static str {
        match self {
            Rule::Empty => "is empty",
            Rule::Length => "has the wrong length",
            Rule::Characters => "contains characters that are not allowed",
            Rule::Format => "has the wrong format",
            Rule::CheckDigit => "has a wrong check digit",
            Rule::AllZeros => "consists of zeros only",
            Rule::LocalPart => "has a malformed local part",
            Rule::Domain => "has a malformed domain",
        }
    }
}

/// Why an identifier could not be parsed: which identifier and which rule failed.
///
/// Users are shown the Fluent message named by [`IdError::message_key`]
/// (catalog: `locales/ru/ids.ftl`); `Display` is a short English text for logs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdError {
    kind: IdKind,
    rule: Rule,
}

impl IdError {
    pub(crate) const fn new(kind: IdKind, rule: Rule) -> Self {
        Self { kind, rule }
    }

    /// The identifier that was being parsed.
    #[must_use]
    pub const fn kind(&self) -> IdKind {
        self.kind
    }

    /// The rule that failed.
    #[must_use]
    pub const fn rule(&self) -> Rule {
        self.rule
    }

    /// The Fluent message key describing this error to the user, e.g.
    /// `id-snils-checkdigit`. Every key it can return is in [`ALL_MESSAGE_KEYS`].
    #[must_use]
    pub const fn message_key(&self) -> &'static str {
        message_key(self.kind, self.rule)
    }
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind.name(), self.rule.description())
    }
}

impl std::error::Error for IdError {}

/// The catch-all key, used only for a combination no parser produces.
const GENERIC_KEY: &str = "id-invalid";

const fn message_key(kind: IdKind, rule: Rule) -> &'static str {
    use IdKind as K;
    use Rule as R;
    match (kind, rule) {
        (K::Snils, R::Empty) => "id-snils-empty",
        (K::Snils, R::Characters) => "id-snils-characters",
        (K::Snils, R::Length) => "id-snils-length",
        (K::Snils, R::AllZeros) => "id-snils-zeros",
        (K::Snils, R::CheckDigit) => "id-snils-checkdigit",

        (K::InnPerson, R::Length) => "id-inn-person-length",
        (K::InnLegal, R::Length) => "id-inn-legal-length",
        (K::Inn | K::InnPerson | K::InnLegal, R::Empty) => "id-inn-empty",
        (K::Inn | K::InnPerson | K::InnLegal, R::Characters) => "id-inn-characters",
        (K::Inn, R::Length) => "id-inn-length",
        (K::Inn | K::InnPerson | K::InnLegal, R::AllZeros) => "id-inn-zeros",
        (K::Inn | K::InnPerson | K::InnLegal, R::CheckDigit) => "id-inn-checkdigit",

        (K::Ogrn, R::Empty) => "id-ogrn-empty",
        (K::Ogrn, R::Characters) => "id-ogrn-characters",
        (K::Ogrn, R::Length) => "id-ogrn-length",
        (K::Ogrn, R::Format) => "id-ogrn-format",
        (K::Ogrn, R::CheckDigit) => "id-ogrn-checkdigit",

        (K::Ogrnip, R::Empty) => "id-ogrnip-empty",
        (K::Ogrnip, R::Characters) => "id-ogrnip-characters",
        (K::Ogrnip, R::Length) => "id-ogrnip-length",
        (K::Ogrnip, R::Format) => "id-ogrnip-format",
        (K::Ogrnip, R::CheckDigit) => "id-ogrnip-checkdigit",

        (K::Kpp, R::Empty) => "id-kpp-empty",
        (K::Kpp, R::Characters) => "id-kpp-characters",
        (K::Kpp, R::Length) => "id-kpp-length",
        (K::Kpp, R::Format) => "id-kpp-format",

        (K::Uin, R::Empty) => "id-uin-empty",
        (K::Uin, R::Characters) => "id-uin-characters",
        (K::Uin, R::Length) => "id-uin-length",
        (K::Uin, R::Format) => "id-uin-format",
        (K::Uin, R::AllZeros) => "id-uin-zeros",
        (K::Uin, R::CheckDigit) => "id-uin-checkdigit",

        (K::Phone, R::Empty) => "id-phone-empty",
        (K::Phone, R::Characters) => "id-phone-characters",
        (K::Phone, R::Length) => "id-phone-length",
        (K::Phone, R::Format) => "id-phone-format",

        (K::Email, R::Empty) => "id-email-empty",
        (K::Email, R::Characters) => "id-email-characters",
        (K::Email, R::Length) => "id-email-length",
        (K::Email, R::Format) => "id-email-format",
        (K::Email, R::LocalPart) => "id-email-local",
        (K::Email, R::Domain) => "id-email-domain",

        (K::PassportSeries, R::Empty) => "id-passport-series-empty",
        (K::PassportSeries, R::Characters) => "id-passport-series-characters",
        (K::PassportSeries, R::Length) => "id-passport-series-length",

        (K::PassportNumber, R::Empty) => "id-passport-number-empty",
        (K::PassportNumber, R::Characters) => "id-passport-number-characters",
        (K::PassportNumber, R::Length) => "id-passport-number-length",

        (K::IssuerCode, R::Empty) => "id-issuer-code-empty",
        (K::IssuerCode, R::Characters) => "id-issuer-code-characters",
        (K::IssuerCode, R::Length) => "id-issuer-code-length",

        _ => GENERIC_KEY,
    }
}

/// Every Fluent key that [`IdError::message_key`] can return; each must have a
/// message in `locales/ru/ids.ftl`.
pub const ALL_MESSAGE_KEYS: &[&str] = &[
    GENERIC_KEY,
    "id-snils-empty",
    "id-snils-characters",
    "id-snils-length",
    "id-snils-zeros",
    "id-snils-checkdigit",
    "id-inn-empty",
    "id-inn-characters",
    "id-inn-length",
    "id-inn-person-length",
    "id-inn-legal-length",
    "id-inn-zeros",
    "id-inn-checkdigit",
    "id-ogrn-empty",
    "id-ogrn-characters",
    "id-ogrn-length",
    "id-ogrn-format",
    "id-ogrn-checkdigit",
    "id-ogrnip-empty",
    "id-ogrnip-characters",
    "id-ogrnip-length",
    "id-ogrnip-format",
    "id-ogrnip-checkdigit",
    "id-kpp-empty",
    "id-kpp-characters",
    "id-kpp-length",
    "id-kpp-format",
    "id-uin-empty",
    "id-uin-characters",
    "id-uin-length",
    "id-uin-format",
    "id-uin-zeros",
    "id-uin-checkdigit",
    "id-phone-empty",
    "id-phone-characters",
    "id-phone-length",
    "id-phone-format",
    "id-email-empty",
    "id-email-characters",
    "id-email-length",
    "id-email-format",
    "id-email-local",
    "id-email-domain",
    "id-passport-series-empty",
    "id-passport-series-characters",
    "id-passport-series-length",
    "id-passport-number-empty",
    "id-passport-number-characters",
    "id-passport-number-length",
    "id-issuer-code-empty",
    "id-issuer-code-characters",
    "id-issuer-code-length",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_combination_maps_to_a_listed_key() {
        for &kind in IdKind::ALL {
            for &rule in Rule::ALL {
                let key = IdError::new(kind, rule).message_key();
                assert!(
                    ALL_MESSAGE_KEYS.contains(&key),
                    "{kind:?}/{rule:?} -> {key} not listed"
                );
            }
        }
    }

    #[test]
    fn every_listed_key_is_reachable_and_unique() {
        let mut produced = Vec::new();
        for &kind in IdKind::ALL {
            for &rule in Rule::ALL {
                produced.push(message_key(kind, rule));
            }
        }
        for (i, key) in ALL_MESSAGE_KEYS.iter().enumerate() {
            assert!(produced.contains(key), "{key} is never produced");
            assert!(
                !ALL_MESSAGE_KEYS[i + 1..].contains(key),
                "{key} is listed twice"
            );
        }
    }

    #[test]
    fn display_is_english_and_short() {
        let e = IdError::new(IdKind::Snils, Rule::CheckDigit);
        assert_eq!(e.to_string(), "SNILS has a wrong check digit");
        assert_eq!(e.kind(), IdKind::Snils);
        assert_eq!(e.rule(), Rule::CheckDigit);
    }
}
