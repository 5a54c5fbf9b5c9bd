//! Russian formats for people: `12 марта 2026`, `12 марта 2026, 09:00`, in Moscow time
//! (UTC+3; Russia keeps no daylight saving time since 2014).

use time::{OffsetDateTime, UtcOffset};

const MONTHS: [&str; 12] = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
];

fn moscow(t: OffsetDateTime) -> OffsetDateTime {
    t.to_offset(UtcOffset::from_hms(3, 0, 0).unwrap_or(UtcOffset::UTC))
}

/// `12 марта 2026`
pub fn date(t: OffsetDateTime) -> String {
    let t = moscow(t);
    let month = MONTHS[usize::from(u8::from(t.month())) - 1];
    format!("{} {} {}", t.day(), month, t.year())
}

/// A calendar date as forms show it: `01.02.1990`.
pub fn day(d: time::Date) -> String {
    format!("{:02}.{:02}.{}", d.day(), u8::from(d.month()), d.year())
}

/// `12 марта 2026, 09:00`
pub fn datetime(t: OffsetDateTime) -> String {
    let t = moscow(t);
    format!("{}, {:02}:{:02}", date(t), t.hour(), t.minute())
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    #[test]
    fn russian_dates_in_moscow_time() {
        assert_eq!(
            super::datetime(datetime!(2026-03-12 06:05 UTC)),
            "12 марта 2026, 09:05"
        );
        assert_eq!(
            super::datetime(datetime!(2026-12-31 22:00 UTC)),
            "1 января 2027, 01:00"
        );
        assert_eq!(super::date(datetime!(2026-05-01 12:00 UTC)), "1 мая 2026");
    }
}

/// A file size as shown: «840 байт», «12 КБ», «1,4 МБ».
pub fn size(bytes: i64) -> String {
    const KB: i64 = 1024;
    if bytes < KB {
        format!("{bytes} байт")
    } else if bytes < KB * KB {
        format!("{} КБ", (bytes + KB / 2) / KB)
    } else {
        let tenths = (bytes * 10 + KB * KB / 2) / (KB * KB);
        format!("{},{} МБ", tenths / 10, tenths % 10)
    }
}

#[cfg(test)]
mod size_tests {
    #[test]
    fn sizes_read_in_russian() {
        assert_eq!(super::size(840), "840 байт");
        assert_eq!(super::size(12 * 1024 + 100), "12 КБ");
        assert_eq!(super::size(1_468_006), "1,4 МБ");
    }
}
