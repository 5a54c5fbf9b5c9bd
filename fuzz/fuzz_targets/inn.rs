//! Fuzz target: `Inn::parse`, `Inn::parse_person` and `Inn::parse_legal` never
//! panic, agree with each other, and what they accept parses back to itself.
#![no_main]

use kabinet_domain::ids::{Inn, InnKind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    let any = Inn::parse(input);
    if let Ok(inn) = &any {
        assert_eq!(Inn::parse(inn.as_str()).as_ref(), Ok(inn));
        assert_eq!(Inn::parse(&inn.to_string()).as_ref(), Ok(inn));
    }
    let person = Inn::parse_person(input).ok();
    let legal = Inn::parse_legal(input).ok();
    match any.ok() {
        Some(inn) if inn.kind() == InnKind::Person => {
            assert_eq!(person, Some(inn));
            assert_eq!(legal, None);
        }
        Some(inn) => {
            assert_eq!(legal, Some(inn));
            assert_eq!(person, None);
        }
        None => assert_eq!((person, legal), (None, None)),
    }
});
