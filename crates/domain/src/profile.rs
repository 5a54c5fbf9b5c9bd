//! Personal data rules (PR-1, PR-2): names, dates, addresses, and how identifiers are
//! masked where they are shown back (history, audit, exports for staff).
//!
//! Dates are checked against a `today` the caller passes in: the domain reads no clock.

use time::{Date, Month};

/// Why a personal-data value was refused; [`ProfileError::message_key`] gives the
/// Russian text's key in `locales/ru/profile.ftl`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProfileError {
    /// A required value is missing.
    Empty,
    /// A name is longer than [`NAME_MAX`] characters.
    NameTooLong,
    /// A name has characters other than letters, spaces, hyphens and apostrophes.
    NameCharacters,
    /// Not a date in the form ДД.ММ.ГГГГ or ГГГГ-ММ-ДД.
    DateFormat,
    /// Not a real calendar date (30 February).
    DateNotReal,
    /// A date in the future.
    DateInFuture,
    /// A birth date more than [`MAX_AGE_YEARS`] years ago.
    BirthTooEarly,
    /// A passport issued before its holder's 14th birthday.
    PassportBeforeFourteen,
    /// A postal code that is not 6 digits.
    PostalCode,
    /// An address part longer than [`ADDRESS_PART_MAX`] characters.
    AddressTooLong,
}

impl ProfileError {
    /// The message key of the catalog.
    #[must_use]
    pub const fn message_key(self) -> &'static str {
        match self {
            ProfileError::Empty => "profile-empty",
            ProfileError::NameTooLong => "profile-name-too-long",
            ProfileError::NameCharacters => "profile-name-characters",
            ProfileError::DateFormat => "profile-date-format",
            ProfileError::DateNotReal => "profile-date-not-real",
            ProfileError::DateInFuture => "profile-date-future",
            ProfileError::BirthTooEarly => "profile-birth-too-early",
            ProfileError::PassportBeforeFourteen => "profile-passport-before-14",
            ProfileError::PostalCode => "profile-postal-code",
            ProfileError::AddressTooLong => "profile-address-too-long",
        }
    }

    /// Every key [`ProfileError::message_key`] can return.
    pub const ALL_KEYS: &'static [&'static str] = &[
        "profile-empty",
        "profile-name-too-long",
        "profile-name-characters",
        "profile-date-format",
        "profile-date-not-real",
        "profile-date-future",
        "profile-birth-too-early",
        "profile-passport-before-14",
        "profile-postal-code",
        "profile-address-too-long",
    ];
}

/// The longest name part accepted.
pub const NAME_MAX: usize = 60;
/// The oldest plausible age.
pub const MAX_AGE_YEARS: i32 = 120;
/// The longest address part accepted.
pub const ADDRESS_PART_MAX: usize = 200;

/// A part of a person's name (фамилия, имя, отчество) as typed: trimmed, inner runs
/// of spaces collapsed; letters of any script, spaces, hyphens and apostrophes
/// (Салтыков-Щедрин, Д'Артаньян); at least one letter.
///
/// # Errors
/// [`ProfileError::Empty`], [`ProfileError::NameTooLong`], [`ProfileError::NameCharacters`].
pub fn name(input: &str) -> Result<String, ProfileError> {
    let text = input.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return Err(ProfileError::Empty);
    }
    if text.chars().count() > NAME_MAX {
        return Err(ProfileError::NameTooLong);
    }
    let allowed = |c: char| c.is_alphabetic() || matches!(c, ' ' | '-' | '\'' | '’' | '.');
    if !text.chars().all(allowed) || !text.chars().any(char::is_alphabetic) {
        return Err(ProfileError::NameCharacters);
    }
    Ok(text)
}

/// A date typed as `ДД.ММ.ГГГГ` (also with `/` or `-`) or `ГГГГ-ММ-ДД`.
///
/// # Errors
/// [`ProfileError::Empty`], [`ProfileError::DateFormat`], [`ProfileError::DateNotReal`].
pub fn date(input: &str) -> Result<Date, ProfileError> {
    let text = input.trim();
    if text.is_empty() {
        return Err(ProfileError::Empty);
    }
    let parts: Vec<&str> = text.split(['.', '/', '-']).collect();
    let [a, b, c] = parts.as_slice() else {
        return Err(ProfileError::DateFormat);
    };
    let digits = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
    let (year, month, day) = if digits(a, 4) && digits(b, 2) && digits(c, 2) {
        (*a, *b, *c)
    } else if digits(c, 4) && (1..=2).contains(&a.len()) && (1..=2).contains(&b.len()) {
        (*c, *b, *a)
    } else {
        return Err(ProfileError::DateFormat);
    };
    let (Ok(year), Ok(month), Ok(day)) =
        (year.parse::<i32>(), month.parse::<u8>(), day.parse::<u8>())
    else {
        return Err(ProfileError::DateFormat);
    };
    let month = Month::try_from(month).map_err(|_| ProfileError::DateNotReal)?;
    Date::from_calendar_date(year, month, day).map_err(|_| ProfileError::DateNotReal)
}

/// The date `years` years after `date` (29 February becomes 28 February).
#[must_use]
pub fn add_years(date: Date, years: i32) -> Date {
    let year = date.year() + years;
    Date::from_calendar_date(year, date.month(), date.day())
        .or_else(|_| Date::from_calendar_date(year, date.month(), date.day() - 1))
        .unwrap_or(date)
}

/// A birth date: real, not in the future, at most [`MAX_AGE_YEARS`] years ago.
///
/// # Errors
/// As [`date`], and [`ProfileError::DateInFuture`], [`ProfileError::BirthTooEarly`].
pub fn birth_date(input: &str, today: Date) -> Result<Date, ProfileError> {
    let d = date(input)?;
    if d > today {
        return Err(ProfileError::DateInFuture);
    }
    if add_years(d, MAX_AGE_YEARS) < today {
        return Err(ProfileError::BirthTooEarly);
    }
    Ok(d)
}

/// A passport's issue date: real, not in the future, and (when the birth date is
/// known) on or after the holder's 14th birthday.
///
/// # Errors
/// As [`date`], and [`ProfileError::DateInFuture`], [`ProfileError::PassportBeforeFourteen`].
pub fn passport_issued_on(
    input: &str,
    birth: Option<Date>,
    today: Date,
) -> Result<Date, ProfileError> {
    let d = date(input)?;
    if d > today {
        return Err(ProfileError::DateInFuture);
    }
    if let Some(birth) = birth
        && d < add_years(birth, 14)
    {
        return Err(ProfileError::PassportBeforeFourteen);
    }
    Ok(d)
}

/// A Russian postal code: 6 digits (spaces around are ignored).
///
/// # Errors
/// [`ProfileError::PostalCode`].
pub fn postal_code(input: &str) -> Result<String, ProfileError> {
    let text = input.trim();
    if text.len() == 6 && text.bytes().all(|b| b.is_ascii_digit()) {
        Ok(text.to_owned())
    } else {
        Err(ProfileError::PostalCode)
    }
}

/// A free-text address part: trimmed, at most [`ADDRESS_PART_MAX`] characters;
/// empty means "not given".
///
/// # Errors
/// [`ProfileError::AddressTooLong`].
pub fn address_part(input: &str) -> Result<Option<String>, ProfileError> {
    let text = input.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().count() > ADDRESS_PART_MAX {
        return Err(ProfileError::AddressTooLong);
    }
    Ok(Some(text))
}

/// Shows only the last `visible` characters of `value`, the rest as `•`.
#[must_use]
pub fn mask_tail(value: &str, visible: usize) -> String {
    let n = value.chars().count();
    value
        .chars()
        .enumerate()
        .map(|(i, c)| if i + visible < n { '•' } else { c })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn names() {
        assert_eq!(name("  Салтыков-Щедрин ").unwrap(), "Салтыков-Щедрин");
        assert_eq!(name("Анна  Мария").unwrap(), "Анна Мария");
        assert_eq!(name("Д'Артаньян").unwrap(), "Д'Артаньян");
        assert_eq!(name(" "), Err(ProfileError::Empty));
        assert_eq!(name("Иван3"), Err(ProfileError::NameCharacters));
        assert_eq!(name("--"), Err(ProfileError::NameCharacters));
        assert_eq!(name(&"я".repeat(61)), Err(ProfileError::NameTooLong));
    }

    #[test]
    fn dates() {
        assert_eq!(date("01.02.1990").unwrap(), date!(1990 - 02 - 01));
        assert_eq!(date("1.2.1990").unwrap(), date!(1990 - 02 - 01));
        assert_eq!(date("1990-02-01").unwrap(), date!(1990 - 02 - 01));
        assert_eq!(date("30.02.1990"), Err(ProfileError::DateNotReal));
        assert_eq!(date("01.13.1990"), Err(ProfileError::DateNotReal));
        assert_eq!(date("вчера"), Err(ProfileError::DateFormat));
        assert_eq!(date("1990.02"), Err(ProfileError::DateFormat));
        let today = date!(2026 - 11 - 23);
        assert_eq!(
            birth_date("24.11.2026", today),
            Err(ProfileError::DateInFuture)
        );
        assert_eq!(
            birth_date("01.01.1900", today),
            Err(ProfileError::BirthTooEarly)
        );
        assert!(birth_date("23.11.2026", today).is_ok());
        let birth = Some(date!(2000 - 02 - 29));
        assert_eq!(
            passport_issued_on("27.02.2014", birth, today),
            Err(ProfileError::PassportBeforeFourteen)
        );
        assert!(passport_issued_on("28.02.2014", birth, today).is_ok());
        assert_eq!(
            passport_issued_on("01.01.2030", birth, today),
            Err(ProfileError::DateInFuture)
        );
    }

    #[test]
    fn addresses_and_masks() {
        assert_eq!(postal_code(" 101000 ").unwrap(), "101000");
        assert_eq!(postal_code("10100"), Err(ProfileError::PostalCode));
        assert_eq!(postal_code("1010OO"), Err(ProfileError::PostalCode));
        assert_eq!(address_part("  ").unwrap(), None);
        assert_eq!(
            address_part(&"д".repeat(201)),
            Err(ProfileError::AddressTooLong)
        );
        assert_eq!(mask_tail("11223344595", 4), "•••••••4595");
        assert_eq!(mask_tail("12", 4), "12");
    }

    #[test]
    fn every_error_has_a_listed_key() {
        use ProfileError as E;
        for e in [
            E::Empty,
            E::NameTooLong,
            E::NameCharacters,
            E::DateFormat,
            E::DateNotReal,
            E::DateInFuture,
            E::BirthTooEarly,
            E::PassportBeforeFourteen,
            E::PostalCode,
            E::AddressTooLong,
        ] {
            assert!(ProfileError::ALL_KEYS.contains(&e.message_key()));
        }
    }
}
