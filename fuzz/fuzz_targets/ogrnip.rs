//! Fuzz target: `Ogrnip::parse` never panics, and what it accepts parses back
//! to itself from the canonical and from the displayed form.
#![no_main]

use kabinet_domain::ids::Ogrnip;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    if let Ok(value) = Ogrnip::parse(input) {
        assert_eq!(Ogrnip::parse(value.as_str()).as_ref(), Ok(&value));
        assert_eq!(Ogrnip::parse(&value.to_string()).as_ref(), Ok(&value));
    }
});
