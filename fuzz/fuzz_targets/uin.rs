//! Fuzz target: `Uin::parse` never panics, and what it accepts parses back
//! to itself from the canonical and from the displayed form.
#![no_main]

use kabinet_domain::ids::Uin;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    if let Ok(value) = Uin::parse(input) {
        assert_eq!(Uin::parse(value.as_str()).as_ref(), Ok(&value));
        assert_eq!(Uin::parse(&value.to_string()).as_ref(), Ok(&value));
    }
});
