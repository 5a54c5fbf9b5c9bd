//! Property tests for `kabinet_domain::ids`.
//!
//! The check digits are recomputed here by reference implementations written
//! straight from the rules (independently of the crate's code), so a generator
//! builds valid numbers from random digits, and single-digit changes are judged
//! against what the check digit mathematically guarantees:
//!
//! - СНИЛС (mod 101, remainder 100 → 00): a change to one of the first 9 digits
//!   changes the sum by w·δ with 1 ≤ |w·δ| ≤ 81 < 101, so the remainder always
//!   changes; the check only stays the same when the remainder moves between 0
//!   and 100 (both written 00), i.e. when w·δ = ±1: the 9th digit changed by 1.
//!   Exactly that slips through (while both numbers are above 001-001-998).
//! - ИНН, 10 digits ((sum mod 11) mod 10): weights are nonzero mod 11, so the
//!   remainder always changes; remainders 0 and 10 both give check 0. So every
//!   change is detected when the check digit is not 0.
//! - ИНН, 12 digits: a change in digits 1–10 would have to move both remainders
//!   between 0 and 10, i.e. w₁·δ ≡ ±1 and w₂·δ ≡ ±1 (mod 11), so w₁ ≡ ±w₂; no
//!   position has such weights (7/3, 2/7, 4/2, 10/4, 3/10, 5/3, 9/5, 4/9, 6/4,
//!   8/6). Digits 11 and 12 are the checks. So every change is detected.
//! - ОГРН ((N mod 11) mod 10): 10ᵏ ≡ ±1 (mod 11), so the remainder moves by ±δ,
//!   never 0; it is missed only between remainders 0 and 10, i.e. for δ = ±1
//!   when the check digit is 0. Detected whenever the check digit is not 0.
//! - ОГРНИП ((N mod 13) mod 10): 10ᵏ·δ ≢ 0 (mod 13), so the remainder changes;
//!   it is missed only between r and r ± 10 (0↔10, 1↔11, 2↔12). Detected
//!   whenever the check digit is 3–9.
//! - УИН: with weights 1–10 the first-pass remainder always changes, so a change
//!   is detected whenever neither number needs the shifted second pass (first
//!   remainder 10); otherwise it can slip (see `uin_change_can_slip`).
//! - A change to a check digit itself is always detected.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use kabinet_domain::ids::{
    ALL_MESSAGE_KEYS, Email, IdError, Inn, InnKind, IssuerCode, Kpp, Ogrn, Ogrnip, Passport,
    PassportNumber, PassportSeries, Phone, Snils, Uin,
};
use proptest::prelude::*;
use proptest::sample::Index;
use serde::Deserialize;
use serde::de::value::{Error as DeError, MapDeserializer, StrDeserializer};

// ---------------------------------------------------------------------------
// Reference check-digit implementations (straight from the rules).

const SNILS_NO_CHECK_MAX: u64 = 1_001_998;

fn num(digits: &[u8]) -> u64 {
    digits.iter().fold(0, |n, &d| n * 10 + u64::from(d))
}

fn snils_sum(d: &[u8]) -> u64 {
    d[..9]
        .iter()
        .zip([9, 8, 7, 6, 5, 4, 3, 2, 1])
        .map(|(&x, w)| u64::from(x) * w)
        .sum()
}

fn snils_check(d: &[u8]) -> u64 {
    let sum = snils_sum(d);
    if sum < 100 {
        sum
    } else if sum == 100 || sum == 101 {
        0
    } else {
        match sum % 101 {
            100 => 0,
            r => r,
        }
    }
}

fn mod11_check(d: &[u8], weights: &[u64]) -> u8 {
    let sum: u64 = d.iter().zip(weights).map(|(&x, w)| u64::from(x) * w).sum();
    ((sum % 11) % 10) as u8
}

const INN10_W: [u64; 9] = [2, 4, 10, 3, 5, 9, 4, 6, 8];
const INN11_W: [u64; 10] = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
const INN12_W: [u64; 11] = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];

/// Value of a УИН character: digits as is, a Latin letter by the ГИС ГМП table
/// mod 10. In the table's Latin row a letter's number is its position + 1:
/// lookalikes of Cyrillic letters sit at that letter's place (А=1, В=3, …),
/// `-` marks Cyrillic-only places, and the other letters follow from 29 on.
fn uin_value(c: u8) -> u64 {
    const LATIN: &[u8] = b"A-B--E---K-MHO-PCTY-X-------DFGIJLNQRSUVWZ";
    if c.is_ascii_digit() {
        return u64::from(c - b'0');
    }
    let pos = LATIN.iter().position(|&l| l == c).expect("latin letter");
    (pos as u64 + 1) % 10
}

fn uin_remainder(body: &[u8], first_weight: u64) -> u64 {
    body.iter()
        .enumerate()
        .map(|(i, &c)| uin_value(c) * ((first_weight - 1 + i as u64) % 10 + 1))
        .sum::<u64>()
        % 11
}

fn uin_check(body: &[u8]) -> u8 {
    let r = uin_remainder(body, 1);
    let r = if r == 10 { uin_remainder(body, 3) } else { r };
    if r == 10 { 0 } else { r as u8 }
}

fn to_string(d: &[u8]) -> String {
    d.iter().map(|&x| char::from(b'0' + x)).collect()
}

// ---------------------------------------------------------------------------
// Generators.

fn digits(n: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(0u8..=9, n)
}

fn separator() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        6 => Just(""),
        2 => Just(" "),
        2 => Just("-"),
        1 => Just("\u{a0}"),
        1 => Just(" - "),
        1 => Just("\u{2013}"),
    ]
}

fn surrounding() -> impl Strategy<Value = &'static str> {
    prop_oneof![4 => Just(""), 1 => Just(" "), 1 => Just("\t"), 1 => Just("\n  ")]
}

/// `canonical` as a person might type it: separators between characters and
/// whitespace around.
fn typed(canonical: String) -> impl Strategy<Value = String> {
    let n = canonical.chars().count();
    (
        prop::collection::vec(separator(), n),
        surrounding(),
        surrounding(),
    )
        .prop_map(move |(seps, lead, trail)| {
            let mut out = String::from(lead);
            for (i, c) in canonical.chars().enumerate() {
                if i > 0 {
                    out.push_str(seps[i]);
                }
                out.push(c);
            }
            out.push_str(trail);
            out
        })
}

fn valid_snils() -> impl Strategy<Value = Vec<u8>> {
    (digits(9), 0u8..=99)
        .prop_map(|(mut d, random_check)| {
            let check = if num(&d) > SNILS_NO_CHECK_MAX {
                snils_check(&d) as u8
            } else {
                random_check
            };
            d.extend([check / 10, check % 10]);
            d
        })
        .prop_filter("not all zeros", |d| d.iter().any(|&x| x != 0))
}

/// A СНИЛС with a check number (first 9 digits above 001-001-998).
fn checked_snils() -> impl Strategy<Value = Vec<u8>> {
    valid_snils().prop_filter("has a check", |d| num(&d[..9]) > SNILS_NO_CHECK_MAX)
}

fn valid_inn10() -> impl Strategy<Value = Vec<u8>> {
    digits(9)
        .prop_map(|mut d| {
            d.push(mod11_check(&d, &INN10_W));
            d
        })
        .prop_filter("not all zeros", |d| d.iter().any(|&x| x != 0))
}

fn valid_inn12() -> impl Strategy<Value = Vec<u8>> {
    digits(10)
        .prop_map(|mut d| {
            d.push(mod11_check(&d, &INN11_W));
            d.push(mod11_check(&d, &INN12_W));
            d
        })
        .prop_filter("not all zeros", |d| d.iter().any(|&x| x != 0))
}

fn valid_ogrn() -> impl Strategy<Value = Vec<u8>> {
    (prop_oneof![Just(1u8), Just(5u8)], digits(11)).prop_map(|(first, rest)| {
        let mut d = vec![first];
        d.extend(rest);
        d.push(((num(&d) % 11) % 10) as u8);
        d
    })
}

fn valid_ogrnip() -> impl Strategy<Value = Vec<u8>> {
    digits(13).prop_map(|rest| {
        let mut d = vec![3];
        d.extend(rest);
        d.push(((num(&d) % 13) % 10) as u8);
        d
    })
}

fn valid_uin20() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(b'0'..=b'9', 19)
        .prop_map(|mut body| {
            body.push(b'0' + uin_check(&body));
            body
        })
        .prop_filter("not all zeros", |d| d.iter().any(|&x| x != b'0'))
}

fn valid_uin25() -> impl Strategy<Value = Vec<u8>> {
    let ch = prop_oneof![3 => b'0'..=b'9', 1 => b'A'..=b'Z'];
    prop::collection::vec(ch, 24)
        .prop_map(|mut body| {
            body.push(b'0' + uin_check(&body));
            body
        })
        .prop_filter("not all zeros", |d| d.iter().any(|&x| x != b'0'))
}

fn valid_kpp() -> impl Strategy<Value = String> {
    "[0-9]{4}[0-9A-Z]{2}[0-9]{3}"
}

fn email_parts() -> impl Strategy<Value = (String, String)> {
    let local = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,20}(\\.[A-Za-z0-9_-]{1,10}){0,2}";
    let label = "[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?";
    let latin = (prop::collection::vec(label, 1..4), "[a-z]{2,6}")
        .prop_map(|(labels, tld)| format!("{}.{tld}", labels.join(".")));
    let cyrillic = (
        "[а-яё]{1,12}",
        prop_oneof![Just("рф"), Just("рус"), Just("москва")],
    )
        .prop_map(|(name, tld)| format!("{name}.{tld}"));
    (local, prop_oneof![3 => latin, 1 => cyrillic])
}

/// Randomly upper-cases characters of `s`.
fn random_case(s: String) -> impl Strategy<Value = String> {
    let n = s.chars().count();
    prop::collection::vec(any::<bool>(), n).prop_map(move |upper| {
        s.chars()
            .zip(upper)
            .map(|(c, u)| {
                if u {
                    c.to_uppercase().collect::<String>()
                } else {
                    c.to_string()
                }
            })
            .collect()
    })
}

/// `d` with the digit at a random position replaced by another digit; returns
/// the changed number, the position and the change δ.
fn mutate(d: &[u8], index: Index, step: u8) -> (Vec<u8>, usize, i8) {
    let pos = index.index(d.len());
    let mut m = d.to_vec();
    m[pos] = (d[pos] + step) % 10;
    let delta = m[pos] as i8 - d[pos] as i8;
    (m, pos, delta)
}

/// Asserts the parse/print round trips of a parsed value.
macro_rules! assert_round_trips {
    ($ty:ty, $value:expr) => {{
        let value: $ty = $value;
        prop_assert_eq!(<$ty>::parse(value.as_str()), Ok(value.clone()));
        prop_assert_eq!(<$ty>::parse(&value.to_string()), Ok(value.clone()));
        let de = <$ty>::deserialize(StrDeserializer::<DeError>::new(value.as_str()));
        prop_assert_eq!(de.ok(), Some(value.clone()));
        prop_assert_eq!(String::from(value.clone()), value.as_str().to_owned());
    }};
}

// ---------------------------------------------------------------------------
// Valid numbers parse, in typed forms too, and round-trip.

proptest! {
    #[test]
    fn snils_valid_parses(typed in valid_snils().prop_flat_map(|d| (Just(to_string(&d)), typed(to_string(&d))))) {
        let (canonical, typed) = typed;
        let snils = Snils::parse(&typed).expect("valid");
        prop_assert_eq!(snils.as_str(), canonical.as_str());
        prop_assert_eq!(Snils::parse(&canonical), Ok(snils.clone()));
        let display = snils.to_string();
        prop_assert_eq!(
            display.as_str(),
            format!("{}-{}-{} {}", &canonical[..3], &canonical[3..6], &canonical[6..9], &canonical[9..])
        );
        assert_round_trips!(Snils, snils);
    }

    #[test]
    fn inn_valid_parses(case in prop_oneof![valid_inn10(), valid_inn12()].prop_flat_map(|d| (Just(to_string(&d)), typed(to_string(&d))))) {
        let (canonical, typed) = case;
        let inn = Inn::parse(&typed).expect("valid");
        prop_assert_eq!(inn.as_str(), canonical.as_str());
        prop_assert_eq!(inn.to_string(), canonical.clone());
        if canonical.len() == 12 {
            prop_assert_eq!(inn.kind(), InnKind::Person);
            prop_assert_eq!(Inn::parse_person(&typed), Ok(inn.clone()));
            prop_assert!(Inn::parse_legal(&typed).is_err());
        } else {
            prop_assert_eq!(inn.kind(), InnKind::LegalEntity);
            prop_assert_eq!(Inn::parse_legal(&typed), Ok(inn.clone()));
            prop_assert!(Inn::parse_person(&typed).is_err());
        }
        assert_round_trips!(Inn, inn);
    }

    #[test]
    fn ogrn_valid_parses(case in valid_ogrn().prop_flat_map(|d| (Just(to_string(&d)), typed(to_string(&d))))) {
        let (canonical, typed) = case;
        let ogrn = Ogrn::parse(&typed).expect("valid");
        prop_assert_eq!(ogrn.as_str(), canonical.as_str());
        prop_assert!(Ogrnip::parse(&typed).is_err());
        assert_round_trips!(Ogrn, ogrn);
    }

    #[test]
    fn ogrnip_valid_parses(case in valid_ogrnip().prop_flat_map(|d| (Just(to_string(&d)), typed(to_string(&d))))) {
        let (canonical, typed) = case;
        let ogrnip = Ogrnip::parse(&typed).expect("valid");
        prop_assert_eq!(ogrnip.as_str(), canonical.as_str());
        prop_assert!(Ogrn::parse(&typed).is_err());
        assert_round_trips!(Ogrnip, ogrnip);
    }

    #[test]
    fn kpp_valid_parses(case in valid_kpp().prop_flat_map(|k| (Just(k.clone()), typed(k.to_lowercase())))) {
        let (canonical, typed) = case;
        let kpp = Kpp::parse(&typed).expect("valid");
        prop_assert_eq!(kpp.as_str(), canonical.as_str());
        assert_round_trips!(Kpp, kpp);
    }

    #[test]
    fn uin_valid_parses(case in prop_oneof![valid_uin20(), valid_uin25()]
        .prop_map(|d| String::from_utf8(d).expect("ascii"))
        .prop_flat_map(|s| (Just(s.clone()), typed(s.to_lowercase())))) {
        let (canonical, typed) = case;
        let uin = Uin::parse(&typed).expect("valid");
        prop_assert_eq!(uin.as_str(), canonical.as_str());
        assert_round_trips!(Uin, uin);
    }

    #[test]
    fn russian_mobile_forms_parse(d in digits(9), form in 0usize..6) {
        let n = to_string(&d);
        let (a, b, c, e) = (&n[..2], &n[2..5], &n[5..7], &n[7..]);
        let typed = match form {
            0 => format!("8 (9{a}) {b}-{c}-{e}"),
            1 => format!("+7 9{a} {b} {c} {e}"),
            2 => format!("79{n}"),
            3 => format!("9{n}"),
            4 => format!("+7(9{a}){b}-{c}-{e}"),
            _ => format!(" 8.9{a}.{b}.{c}.{e} "),
        };
        let phone = Phone::parse(&typed).expect("valid");
        prop_assert_eq!(phone.as_str(), format!("+79{n}"));
        prop_assert_eq!(phone.to_string(), format!("+7 9{a} {b}-{c}-{e}"));
        prop_assert!(phone.is_russian());
        assert_round_trips!(Phone, phone);
    }

    #[test]
    fn foreign_numbers_parse(
        first in prop::sample::select(vec![1u8, 2, 3, 4, 5, 6, 8, 9]),
        rest in prop::collection::vec(0u8..=9, 7..=14),
        spaced in any::<bool>(),
    ) {
        prop_assume!(!(first == 8 && rest.len() == 10 && rest[0] == 9));
        let n = format!("{first}{}", to_string(&rest));
        let typed = if spaced { format!("+{} {}", &n[..3], &n[3..]) } else { format!("+{n}") };
        let phone = Phone::parse(&typed).expect("valid");
        prop_assert_eq!(phone.as_str(), format!("+{n}"));
        prop_assert!(!phone.is_russian());
        assert_round_trips!(Phone, phone);
    }

    #[test]
    fn email_valid_parses(case in email_parts().prop_flat_map(|(local, domain)| {
        (Just(local), Just(domain.clone()), random_case(domain), surrounding(), surrounding())
    })) {
        let (local, domain, typed_domain, lead, trail) = case;
        let email = Email::parse(&format!("{lead}{local}@{typed_domain}{trail}")).expect("valid");
        prop_assert_eq!(email.as_str(), format!("{local}@{domain}"));
        prop_assert_eq!(email.local_part(), local.as_str());
        prop_assert_eq!(email.domain(), domain.as_str());
        assert_round_trips!(Email, email);
    }

    #[test]
    fn passport_valid_parses(series in digits(4), number in digits(6), code in digits(6),
                             seps in (separator(), separator())) {
        let (s, n, c) = (to_string(&series), to_string(&number), to_string(&code));
        let (sep1, sep2) = seps;
        let passport = Passport::parse(
            &format!("{}{sep1}{}", &s[..2], &s[2..]),
            &format!(" {n} "),
            &format!("{}{sep2}{}", &c[..3], &c[3..]),
        ).expect("valid");
        prop_assert_eq!(passport.series.as_str(), s.as_str());
        prop_assert_eq!(passport.number.as_str(), n.as_str());
        prop_assert_eq!(passport.issuer_code.as_str(), c.as_str());
        prop_assert_eq!(passport.series.to_string(), format!("{} {}", &s[..2], &s[2..]));
        prop_assert_eq!(passport.issuer_code.to_string(), format!("{}-{}", &c[..3], &c[3..]));
        assert_round_trips!(PassportSeries, passport.series.clone());
        assert_round_trips!(PassportNumber, passport.number.clone());
        assert_round_trips!(IssuerCode, passport.issuer_code.clone());
        let fields = [
            ("series", passport.series.to_string()),
            ("number", passport.number.to_string()),
            ("issuer_code", passport.issuer_code.to_string()),
        ];
        let de = Passport::deserialize(MapDeserializer::<_, DeError>::new(fields.into_iter()));
        prop_assert_eq!(de.ok(), Some(passport));
    }
}

// ---------------------------------------------------------------------------
// Single-digit changes.

proptest! {
    #[test]
    fn snils_single_digit_change(d in checked_snils(), index in any::<Index>(), step in 1u8..=9) {
        let (m, pos, delta) = mutate(&d, index, step);
        let accepted = Snils::parse(&to_string(&m)).is_ok();
        if num(&m[..9]) <= SNILS_NO_CHECK_MAX {
            // The change made it an old number, which carries no check.
            prop_assert!(accepted);
        } else {
            let (r, r2) = (snils_sum(&d) % 101, snils_sum(&m) % 101);
            let slips = pos == 8 && delta.abs() == 1 && ((r, r2) == (0, 100) || (r, r2) == (100, 0));
            prop_assert_eq!(accepted, slips, "{:?} -> {:?}", d, m);
        }
    }

    #[test]
    fn inn10_single_digit_change(d in valid_inn10(), index in any::<Index>(), step in 1u8..=9) {
        let (m, pos, _) = mutate(&d, index, step);
        let accepted = Inn::parse(&to_string(&m)).is_ok();
        if d[9] != 0 || pos == 9 {
            prop_assert!(!accepted, "{:?} -> {:?}", d, m);
        }
    }

    #[test]
    fn inn12_single_digit_change(d in valid_inn12(), index in any::<Index>(), step in 1u8..=9) {
        let (m, _, _) = mutate(&d, index, step);
        prop_assert!(Inn::parse(&to_string(&m)).is_err(), "{:?} -> {:?}", d, m);
    }

    #[test]
    fn ogrn_single_digit_change(d in valid_ogrn(), index in any::<Index>(), step in 1u8..=9) {
        let (m, pos, delta) = mutate(&d, index, step);
        let accepted = Ogrn::parse(&to_string(&m)).is_ok();
        if accepted {
            prop_assert_eq!(d[12], 0);
            prop_assert_eq!(delta.abs(), 1);
            prop_assert!(pos < 12);
        }
    }

    #[test]
    fn ogrnip_single_digit_change(d in valid_ogrnip(), index in any::<Index>(), step in 1u8..=9) {
        let (m, pos, _) = mutate(&d, index, step);
        let accepted = Ogrnip::parse(&to_string(&m)).is_ok();
        if d[14] >= 3 || pos == 14 {
            prop_assert!(!accepted, "{:?} -> {:?}", d, m);
        }
        if accepted {
            // Only remainders 0↔10, 1↔11, 2↔12 collide after mod 10.
            let (r, r2) = (num(&d[..14]) % 13, num(&m[..14]) % 13);
            prop_assert_eq!(r.abs_diff(r2), 10);
        }
    }

    #[test]
    fn uin_single_digit_change(d in prop_oneof![valid_uin20(), valid_uin25()], index in any::<Index>(), step in 1u8..=9) {
        let digit_positions: Vec<usize> = (0..d.len()).filter(|&i| d[i].is_ascii_digit()).collect();
        let pos = digit_positions[index.index(digit_positions.len())];
        let mut m = d.clone();
        m[pos] = b'0' + (d[pos] - b'0' + step) % 10;
        let accepted = Uin::parse(std::str::from_utf8(&m).expect("ascii")).is_ok();
        let last = d.len() - 1;
        let first_pass = |x: &[u8]| uin_remainder(&x[..last], 1);
        if pos == last || (first_pass(&d) != 10 && first_pass(&m) != 10) {
            prop_assert!(!accepted, "{:?} -> {:?}", d, m);
        }
    }
}

/// The exceptions above do happen: these pairs are both valid.
#[test]
fn undetected_single_digit_changes_exist() {
    // СНИЛС: sum 100 → 101, both written 00.
    assert!(Snils::parse("920-000-003 00").is_ok());
    assert!(Snils::parse("920-000-004 00").is_ok());
    // ИНН (10): remainder 10 → 0 (check 0), first digit 3 → 9.
    assert!(Inn::parse("3449786900").is_ok());
    assert!(Inn::parse("9449786900").is_ok());
    // ОГРН: check 0, second digit 1 → 2.
    assert!(Ogrn::parse("1184011070430").is_ok());
    assert!(Ogrn::parse("1284011070430").is_ok());
    // ОГРНИП: check 0, second digit 4 → 1.
    assert!(Ogrnip::parse("347577104656340").is_ok());
    assert!(Ogrnip::parse("317577104656340").is_ok());
    // УИН: the changed number needs the second pass.
    assert!(Uin::parse("39825979190748337881").is_ok());
    assert!(Uin::parse("39025979190748337881").is_ok());
}

// ---------------------------------------------------------------------------
// No input panics; whatever parses is idempotent; errors have catalog keys.

fn check_error(e: &IdError) -> Result<(), TestCaseError> {
    prop_assert!(ALL_MESSAGE_KEYS.contains(&e.message_key()));
    prop_assert_ne!(e.message_key(), "id-invalid");
    Ok(())
}

fn check_any_input(s: &str) -> Result<(), TestCaseError> {
    macro_rules! check {
        ($ty:ty) => {
            match <$ty>::parse(s) {
                Ok(v) => {
                    assert_round_trips!($ty, v);
                }
                Err(e) => check_error(&e)?,
            }
        };
    }
    check!(Snils);
    check!(Inn);
    check!(Ogrn);
    check!(Ogrnip);
    check!(Kpp);
    check!(Uin);
    check!(Phone);
    check!(Email);
    check!(PassportSeries);
    check!(PassportNumber);
    check!(IssuerCode);
    for parsed in [Inn::parse_person(s), Inn::parse_legal(s)] {
        match parsed {
            Ok(inn) => prop_assert_eq!(Inn::parse(inn.as_str()), Ok(inn)),
            Err(e) => check_error(&e)?,
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn arbitrary_strings_do_not_panic(s in any::<String>()) {
        check_any_input(&s)?;
    }

    #[test]
    fn identifier_like_strings_do_not_panic(s in "[0-9 ()+.\\-a-zA-Z@а-яА-ЯёЁ№_\u{a0}\u{2013}]{0,32}") {
        check_any_input(&s)?;
    }

    #[test]
    fn near_valid_strings_do_not_panic(
        s in prop_oneof![
            valid_snils().prop_map(|d| to_string(&d)),
            valid_inn12().prop_map(|d| to_string(&d)),
            valid_ogrnip().prop_map(|d| to_string(&d)),
            valid_uin25().prop_map(|d| String::from_utf8(d).expect("ascii")),
        ],
        cut in any::<Index>(),
        insert in "[0-9a-zA-Z +\\-@.]{0,3}",
    ) {
        let at = cut.index(s.len() + 1);
        let mangled = format!("{}{insert}{}", &s[..at], &s[at..]);
        check_any_input(&mangled)?;
    }
}
