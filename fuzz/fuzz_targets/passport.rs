//! Fuzz target: the passport parsers never panic, and what they accept parses
//! back to itself. The input is split at `|` into series, number and issuer
//! code; each component parser also gets the whole input.
#![no_main]

use kabinet_domain::ids::{IssuerCode, Passport, PassportNumber, PassportSeries};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    if let Ok(series) = PassportSeries::parse(input) {
        assert_eq!(PassportSeries::parse(series.as_str()).as_ref(), Ok(&series));
        assert_eq!(
            PassportSeries::parse(&series.to_string()).as_ref(),
            Ok(&series)
        );
    }
    if let Ok(number) = PassportNumber::parse(input) {
        assert_eq!(PassportNumber::parse(number.as_str()).as_ref(), Ok(&number));
        assert_eq!(
            PassportNumber::parse(&number.to_string()).as_ref(),
            Ok(&number)
        );
    }
    if let Ok(code) = IssuerCode::parse(input) {
        assert_eq!(IssuerCode::parse(code.as_str()).as_ref(), Ok(&code));
        assert_eq!(IssuerCode::parse(&code.to_string()).as_ref(), Ok(&code));
    }
    let mut parts = input.splitn(3, '|');
    let (series, number, code) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    if let Ok(passport) = Passport::parse(series, number, code) {
        let again = Passport::parse(
            passport.series.as_str(),
            passport.number.as_str(),
            passport.issuer_code.as_str(),
        );
        assert_eq!(again.as_ref(), Ok(&passport));
    }
});
