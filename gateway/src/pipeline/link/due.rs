//! When the link stage decides a record's incident: at the end of its hold.
//!
//! A new incident is held before its first delivery so the reports of one
//! incident that arrive within minutes of each other (the radio alert, then the
//! BCRP report) are decided together. The hold counts from when the incident
//! happened and never runs past `hold` from the record's receipt: an incident
//! reported later than that is decided at once. With linking off there is
//! nothing to wait for.

use chrono::{DateTime, Duration, Utc};

/// How long records are held before their incident is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkTiming {
    /// Whether linking is on (`link.enabled`); off, nothing is held.
    pub enabled: bool,
    /// `link.hold_seconds`.
    pub hold: Duration,
}

impl LinkTiming {
    /// When a record received at `received` about something that happened at
    /// `occurred` (if the report says) falls due for linking.
    pub fn due(&self, occurred: Option<DateTime<Utc>>, received: DateTime<Utc>) -> DateTime<Utc> {
        if !self.enabled {
            return received;
        }
        let happened = occurred.unwrap_or(received);
        (happened + self.hold).clamp(received, received + self.hold)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hold_counts_from_the_incident_and_never_past_the_hold_from_receipt() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let on = LinkTiming {
            enabled: true,
            hold: Duration::seconds(300),
        };
        let received = t("2026-12-01T10:01:00Z");
        // Live: due five minutes after it happened.
        assert_eq!(
            on.due(Some(t("2026-12-01T10:00:00Z")), received),
            t("2026-12-01T10:05:00Z")
        );
        // Reported late: at once.
        assert_eq!(on.due(Some(t("2026-11-01T10:00:00Z")), received), received);
        // A clock in the future: never past the hold from receipt.
        assert_eq!(
            on.due(Some(t("2026-12-02T10:00:00Z")), received),
            t("2026-12-01T10:06:00Z")
        );
        // No time: the hold from receipt.
        assert_eq!(on.due(None, received), t("2026-12-01T10:06:00Z"));
        let off = LinkTiming {
            enabled: false,
            ..on
        };
        assert_eq!(off.due(Some(t("2026-12-01T10:00:00Z")), received), received);
    }
}
