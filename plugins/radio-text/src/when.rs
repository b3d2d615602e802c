//! Dating an alert: the line has a time of day and no date.
//!
//! The date is that of the date source (the receipt, or a replayed message's own
//! send time) in Europe/London. Of the alert's time on the day before, the same day
//! and the day after, the latest that is not more than the tolerance after the date
//! source wins: 23:58 received at 00:01 is the day before; 00:05 received at 23:58
//! from a radio whose clock runs fast is the day after.

use bcgw_sdk::time::local_to_utc;
use chrono::{DateTime, Days, Duration, NaiveTime, Utc};
use chrono_tz::Europe::London;

/// The UTC instant of the alert time `time` (Europe/London wall clock), dated by `base`.
pub fn alert_instant(time: NaiveTime, base: DateTime<Utc>, tolerance: Duration) -> DateTime<Utc> {
    let day = base.with_timezone(&London).date_naive();
    let latest_allowed = base + tolerance;
    let candidates = [
        day.checked_add_days(Days::new(1)),
        Some(day),
        day.checked_sub_days(Days::new(1)),
    ];
    let mut fallback = None;
    for d in candidates.into_iter().flatten() {
        let at = local_to_utc(d.and_time(time), London);
        if at <= latest_allowed {
            return at;
        }
        fallback = Some(at);
    }
    // Unreachable: the day before is always earlier than the date source.
    fallback.unwrap_or(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }
    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }
    const TOL: Duration = Duration::minutes(60);

    #[test]
    fn an_alert_just_before_midnight_belongs_to_the_day_before() {
        // Winter: London is UTC.
        assert_eq!(
            alert_instant(hm(23, 58), at("2026-01-15T00:01:00Z"), TOL),
            at("2026-01-14T23:58:00Z")
        );
        // Summer: 00:01 BST is 23:01 UTC the day before; 23:58 BST that day is 22:58 UTC.
        assert_eq!(
            alert_instant(hm(23, 58), at("2026-07-14T23:01:00Z"), TOL),
            at("2026-07-14T22:58:00Z")
        );
    }

    #[test]
    fn ordinary_times_and_small_drift_stay_on_the_day() {
        assert_eq!(
            alert_instant(hm(14, 3), at("2026-07-14T13:05:00Z"), TOL),
            at("2026-07-14T13:03:00Z")
        );
        // The radio clock is 30 minutes fast: still today, within the tolerance.
        assert_eq!(
            alert_instant(hm(14, 35), at("2026-01-14T14:05:00Z"), TOL),
            at("2026-01-14T14:35:00Z")
        );
        // 90 minutes ahead is beyond the tolerance: yesterday's 15:35.
        assert_eq!(
            alert_instant(hm(15, 35), at("2026-01-14T14:05:00Z"), TOL),
            at("2026-01-13T15:35:00Z")
        );
        // Sent 00:05 by a fast clock, received 23:58: the day after.
        assert_eq!(
            alert_instant(hm(0, 5), at("2026-01-14T23:58:00Z"), TOL),
            at("2026-01-15T00:05:00Z")
        );
    }
}
