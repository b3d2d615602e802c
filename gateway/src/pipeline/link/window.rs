//! How far back the linker remembers: the window counts back from an anchor
//! day, the median day of the reports linked most recently (so one report with
//! a wrong year cannot move it), and old days leave the linker as the anchor
//! moves. The anchor is committed with each batch and the recent days are read
//! back from the store on a rebuild, so a restarted linker keeps exactly the
//! reports the running one kept.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Europe::London;
use std::collections::VecDeque;

/// How many recent reports the anchor is the median of.
pub const RECENT: usize = 255;

/// The days of the reports linked most recently.
#[derive(Debug, Default, Clone)]
pub struct Recent {
    days: VecDeque<NaiveDate>,
}

impl Recent {
    /// Starts from days read back from the store (oldest first).
    pub fn from_days(days: Vec<NaiveDate>) -> Recent {
        let mut r = Recent::default();
        for d in days {
            r.push_day(d);
        }
        r
    }

    /// Notes when a report linked now happened (its London day), if it says.
    pub fn push(&mut self, when: Option<DateTime<Utc>>) {
        if let Some(t) = when {
            self.push_day(t.with_timezone(&London).date_naive());
        }
    }

    fn push_day(&mut self, day: NaiveDate) {
        self.days.push_back(day);
        if self.days.len() > RECENT {
            self.days.pop_front();
        }
    }

    /// The median day: what the window counts back from.
    pub fn anchor(&self) -> Option<NaiveDate> {
        let mut d: Vec<NaiveDate> = self.days.iter().copied().collect();
        d.sort_unstable();
        d.get(d.len() / 2).copied()
    }
}

/// The first day the linker keeps for an anchor and a window of `days`.
pub fn cutoff(anchor: NaiveDate, days: u32) -> NaiveDate {
    anchor - Duration::days(i64::from(days))
}

/// The earliest instant a record kept for `cutoff` can have happened at: the
/// start of the day before it in London (a report near midnight is kept for
/// the next day too).
pub fn earliest_kept(cutoff: NaiveDate) -> DateTime<Utc> {
    let day = cutoff - Duration::days(1);
    bcgw_sdk::time::local_to_utc(day.and_time(chrono::NaiveTime::MIN), London)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_anchor_is_the_median_of_the_recent_days() {
        let d = |n: u32| NaiveDate::from_ymd_opt(2026, 10, n).unwrap();
        let mut r = Recent::from_days(vec![d(1), d(2), d(3)]);
        assert_eq!(r.anchor(), Some(d(2)));
        // A wrong year does not move it.
        r.push(Some("2031-01-01T10:00:00Z".parse().unwrap()));
        assert_eq!(r.anchor(), Some(d(3)));
        assert_eq!(cutoff(d(20), 14), d(6));
        assert_eq!(
            earliest_kept(d(6)).to_rfc3339(),
            "2026-10-04T23:00:00+00:00"
        );
    }
}
