//! Russian formats for people (shared with the use cases: `kabinet_app::format`).

pub use kabinet_app::format::{date, datetime};

/// Percent-encodes everything but the unreserved characters of RFC 3986 (for query
/// values and `filename*=UTF-8''…`).
pub fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
