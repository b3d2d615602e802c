//! Wall-clock times in a time zone, as exports write them, to UTC instants.

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Utc};

/// The UTC instant of a wall-clock time in `tz` (e.g. `chrono_tz::Europe::London`).
/// In the autumn hour that happens twice the earlier is taken; a time in the spring
/// gap is moved forward an hour, which is what a clock that was not changed yet
/// would have meant.
pub fn local_to_utc<Z: TimeZone>(local: NaiveDateTime, tz: Z) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(earlier, _) => earlier.with_timezone(&Utc),
        LocalResult::None => {
            let shifted = local + chrono::Duration::hours(1);
            tz.from_local_datetime(&shifted)
                .earliest()
                .map(|t| t.with_timezone(&Utc))
                // Unreachable for real zones (gaps are at most an hour); fall back to
                // reading the time as UTC rather than failing the row.
                .unwrap_or_else(|| Utc.from_utc_datetime(&local))
        }
    }
}
