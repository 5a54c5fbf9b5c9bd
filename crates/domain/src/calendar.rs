//! Working days (CAT-1: processing time in working days): Saturdays, Sundays and the
//! configured holidays do not count; a working Saturday can be declared.

use std::collections::BTreeSet;

use time::{Date, Duration, Weekday};

/// A production calendar: extra days off and extra working days.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Calendar {
    /// Holidays (on any weekday).
    pub holidays: BTreeSet<Date>,
    /// Weekend days declared working (перенесённые рабочие дни).
    pub working_weekends: BTreeSet<Date>,
}

impl Calendar {
    /// Whether `d` is a working day.
    pub fn is_working(&self, d: Date) -> bool {
        if self.holidays.contains(&d) {
            return false;
        }
        !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
            || self.working_weekends.contains(&d)
    }

    /// The date `days` working days after `start` (`start` itself does not count: an
    /// application filed on Friday with 1 working day is due on Monday).
    pub fn add_working_days(&self, start: Date, days: u32) -> Date {
        let mut d = start;
        let mut left = days;
        while left > 0 {
            d += Duration::days(1);
            if self.is_working(d) {
                left -= 1;
            }
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn weekends_and_holidays_are_skipped() {
        let mut c = Calendar::default();
        // Friday + 1 = Monday.
        assert_eq!(
            c.add_working_days(date!(2026 - 11 - 20), 1),
            date!(2026 - 11 - 23)
        );
        assert_eq!(
            c.add_working_days(date!(2026 - 11 - 20), 0),
            date!(2026 - 11 - 20)
        );
        assert_eq!(
            c.add_working_days(date!(2026 - 11 - 23), 5),
            date!(2026 - 11 - 30)
        );
        c.holidays.insert(date!(2026 - 11 - 24));
        assert_eq!(
            c.add_working_days(date!(2026 - 11 - 23), 1),
            date!(2026 - 11 - 25)
        );
        c.working_weekends.insert(date!(2026 - 11 - 28));
        assert!(c.is_working(date!(2026 - 11 - 28)));
        assert_eq!(
            c.add_working_days(date!(2026 - 11 - 27), 1),
            date!(2026 - 11 - 28)
        );
    }
}
