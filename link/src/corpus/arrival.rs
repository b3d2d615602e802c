//! When each report reaches the gateway, so a benchmark can replay the channels in
//! the order the daemon sees them:
//!
//! - radio: the bridge forwards an alert 5 to 90 seconds after the incident;
//! - BCRP: staff key the report after the event — a lognormal delay with a median
//!   of two hours (sigma 1), a tenth keyed the next day (8 to 30 hours), never more
//!   than 72 hours; and never before the time the report itself gives (a platform
//!   does not take a report dated in the future, and staff who enter the filing
//!   time as the incident time filed it then);
//! - retailer: the monthly export — every row of an incident in month M arrives at
//!   03:00:00 on the 2nd of month M+1.
//!
//! All are based on the true incident time, never earlier for BCRP and retailer
//! rows. Times are UK local, like `occurred_at`.

use super::rng::Rng;
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};

/// Median BCRP keying delay: two hours.
const BCRP_MEDIAN_SECONDS: f64 = 2.0 * 3600.0;
/// Share of BCRP reports keyed the next day.
const BCRP_NEXT_DAY: f64 = 0.10;
/// No BCRP report arrives later than this after the incident.
const BCRP_CAP_HOURS: i64 = 72;

/// When a report of `source` (`bcrp`, `retailer_csv`, `radio`) arrives, for an
/// incident that truly happened at `at` and that the report dates `recorded`
/// (its `occurred_at`, which may be a date alone or empty).
pub fn arrived_at(rng: &mut Rng, source: &str, at: NaiveDateTime, recorded: &str) -> NaiveDateTime {
    match source {
        "radio" => at + Duration::seconds(rng.range(5, 90)),
        "retailer_csv" => monthly_export(at),
        _ => bcrp(rng, at, recorded),
    }
}

/// A BCRP report's arrival: see the module docs.
fn bcrp(rng: &mut Rng, at: NaiveDateTime, recorded: &str) -> NaiveDateTime {
    let seconds = if rng.chance(BCRP_NEXT_DAY) {
        rng.range(8 * 3600, 30 * 3600)
    } else {
        // `normal` is a sum of uniforms: close enough to a normal for a delay's log.
        (BCRP_MEDIAN_SECONDS * rng.normal(0.0, 1.0).exp()).round() as i64
    };
    let cap = Duration::hours(BCRP_CAP_HOURS);
    let mut arrived = at + Duration::seconds(seconds.max(60)).min(cap);
    // A report dated later than the incident (entered with the filing time) was
    // filed at that time: it arrives a few minutes after it, still within the cap.
    if let Ok(dated) = NaiveDateTime::parse_from_str(recorded, "%Y-%m-%dT%H:%M:%S")
        && dated >= arrived
    {
        arrived = (dated + Duration::seconds(rng.range(60, 15 * 60))).min(at + cap);
    }
    arrived
}

/// 03:00:00 on the 2nd of the month after the one `at` falls in.
pub fn monthly_export(at: NaiveDateTime) -> NaiveDateTime {
    let (year, month) = if at.month() == 12 {
        (at.year() + 1, 1)
    } else {
        (at.year(), at.month() + 1)
    };
    NaiveDate::from_ymd_opt(year, month, 2)
        .and_then(|d| d.and_hms_opt(3, 0, 0))
        .unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").unwrap()
    }

    #[test]
    fn exports_arrive_on_the_second_of_the_next_month() {
        assert_eq!(
            monthly_export(t("2025-01-31T23:10:00")),
            t("2025-02-02T03:00:00")
        );
        assert_eq!(
            monthly_export(t("2025-12-01T09:00:00")),
            t("2026-01-02T03:00:00")
        );
    }

    #[test]
    fn bcrp_delays_have_a_two_hour_median_and_a_cap() {
        let mut rng = Rng::new(1);
        let at = t("2025-03-10T14:00:00");
        let mut delays: Vec<i64> = (0..20_000)
            .map(|_| (arrived_at(&mut rng, "bcrp", at, "") - at).num_seconds())
            .collect();
        delays.sort_unstable();
        let median = delays[delays.len() / 2] as f64 / 3600.0;
        // The next-day tenth pulls the median a little above two hours.
        assert!((1.8..2.8).contains(&median), "median {median} h");
        assert!(delays[0] >= 60);
        assert!(*delays.last().unwrap() <= 72 * 3600);
        // The next-day tenth, and the lognormal's own tail past 8 h (P(z > ln 4),
        // about 8% of the rest): some 17.5% in all.
        let next_day = delays.iter().filter(|&&d| d >= 8 * 3600).count();
        assert!((3_000..4_000).contains(&next_day), "{next_day}");
        // A report dated four hours late arrives after that time.
        let late = arrived_at(&mut rng, "bcrp", at, "2025-03-10T18:00:00");
        assert!(late > t("2025-03-10T18:00:00"));
    }
}
