//! Timestamps as stored: UTC, fixed-width RFC 3339 text with microseconds
//! (`2026-11-23T01:53:03.123456Z`), so that text order is time order on both backends.

use time::format_description::FormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

use crate::StoreError;

const FORMAT: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

/// Formats a moment for storage.
pub fn format(at: OffsetDateTime) -> String {
    let utc = at.to_offset(UtcOffset::UTC);
    // The format has only fixed-width numeric parts; formatting cannot fail for
    // years 0..=9999, which is all a clock can return.
    utc.format(FORMAT).unwrap_or_else(|_| utc.to_string())
}

/// Parses a stored moment.
pub fn parse(text: &str) -> Result<OffsetDateTime, StoreError> {
    PrimitiveDateTime::parse(text, FORMAT)
        .map(|p| p.assume_utc())
        .map_err(|e| StoreError::Corrupt(format!("bad timestamp {text:?}: {e}")))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use time::macros::datetime;

    #[test]
    fn round_trip_and_order() {
        let a = datetime!(2026-11-23 01:53:03.5 +03:00);
        let b = datetime!(2026-11-23 01:53:03.500001 +03:00);
        assert_eq!(format(a), "2026-11-22T22:53:03.500000Z");
        assert_eq!(parse(&format(a)).unwrap(), a);
        assert!(format(a) < format(b));
    }
}
