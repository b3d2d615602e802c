//! What each channel sends, composed from a corpus row as that channel would
//! carry it: a radio alert line over MQTT 5, a BCRP platform's JSON webhook, a
//! row of the retailer's monthly CSV export; the adapter configs that read them;
//! and the order the reports arrive in.
//!
//! Every report also carries the bench's row number where the channel has room
//! for a reference the gateway keeps, so what Niche holds can be scored against
//! the truth (see `score.rs`): the webhook's `delivery_id` and the export's
//! `Export Row` (kept as record extensions), the MQTT message's `seq` user
//! property (kept in the journal's payload metadata: a radio line has no room).

use bcgw_link::input::FlatRow;
use chrono::{NaiveDateTime, SecondsFormat};
use serde_json::json;

/// The channels a report comes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// ShopNet radio over MQTT.
    Radio,
    /// A BCRP platform's webhook.
    Bcrp,
    /// The retailer's monthly CSV export.
    Retailer,
}

/// The channel of a row (`source` column).
pub fn channel(row: &FlatRow) -> Channel {
    match row.source.as_str() {
        "radio" => Channel::Radio,
        "bcrp" => Channel::Bcrp,
        _ => Channel::Retailer,
    }
}

/// One step of the replay.
#[derive(Debug, Clone)]
pub enum Event {
    /// Publish row `i`'s alert.
    Alert(usize),
    /// Post row `i`'s webhook.
    Webhook(usize),
    /// Drop one export file holding these rows (all arriving together).
    Export(Vec<usize>),
}

/// When a row reached the gateway (UK local time). Both generators always fill
/// `arrived_at`; a row without one goes first.
pub fn arrival(row: &FlatRow) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(row.arrived_at.trim(), "%Y-%m-%dT%H:%M:%S")
        .unwrap_or(NaiveDateTime::MIN)
}

/// Every report in arrival order (ties in row order); retailer rows arriving at
/// the same moment (the monthly export) are one file, dropped at that moment.
pub fn schedule(rows: &[FlatRow]) -> Vec<Event> {
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|&i| (arrival(&rows[i]), i));
    let mut events: Vec<Event> = Vec::new();
    let mut export_at: Option<(NaiveDateTime, usize)> = None;
    for i in order {
        match channel(&rows[i]) {
            Channel::Radio => events.push(Event::Alert(i)),
            Channel::Bcrp => events.push(Event::Webhook(i)),
            Channel::Retailer => {
                let at = arrival(&rows[i]);
                match export_at {
                    Some((t, e)) if t == at => {
                        if let Event::Export(v) = &mut events[e] {
                            v.push(i);
                        }
                    }
                    _ => {
                        export_at = Some((at, events.len()));
                        events.push(Event::Export(vec![i]));
                    }
                }
            }
        }
    }
    events
}

/// `arrived_at` (UK local) as an RFC 3339 UTC instant.
pub fn sent_at(row: &FlatRow) -> String {
    bcgw_sdk::time::local_to_utc(arrival(row), chrono_tz::Europe::London)
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// An MQTT message from a radio bridge.
pub struct Alert {
    /// `shopnet/<town>/alerts`.
    pub topic: String,
    /// The alert line.
    pub line: String,
    /// User properties: `sent-at`, `radio-id` when the bridge knows the sender,
    /// and the bridge's sequence number `seq` (which also keeps two identical
    /// lines two messages, as the README asks of bridges).
    pub properties: Vec<(String, String)>,
}

/// The town as a topic level: lower case, spaces to `-`.
pub fn topic_town(row: &FlatRow) -> String {
    let t = row.town.trim().to_lowercase().replace(' ', "-");
    if t.is_empty() { "unknown".into() } else { t }
}

/// Row `i`'s alert as its town's bridge would publish it.
pub fn alert(i: usize, row: &FlatRow) -> Alert {
    let town = topic_town(row);
    let mut properties = vec![("sent-at".to_string(), sent_at(row))];
    if !row.radio_id.trim().is_empty() {
        properties.push(("radio-id".into(), row.radio_id.trim().to_string()));
    }
    properties.push(("seq".into(), i.to_string()));
    Alert {
        line: alert_line(convention(&town), row),
        topic: format!("shopnet/{town}/alerts"),
        properties,
    }
}

/// Which line convention a town's scheme uses (0..4), fixed per town (FNV-1a).
pub fn convention(town: &str) -> usize {
    let h = town.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    (h % 4) as usize
}

/// The alert's `HH:MM`: the time `occurred_at` gives, else the arrival's.
fn hhmm(row: &FlatRow) -> String {
    let time_of = |s: &str| -> Option<String> {
        let rest = s.trim().get(10..)?.trim_start_matches(['T', ' ']);
        let t = rest.get(..5)?;
        let ok = t.len() == 5
            && t.as_bytes()[2] == b':'
            && t.replace(':', "").bytes().all(|b| b.is_ascii_digit());
        ok.then(|| t.to_string())
    };
    time_of(&row.occurred_at)
        .or_else(|| time_of(&row.arrived_at))
        .unwrap_or_else(|| "00:00".into())
}

/// The free text after `::`. A narrative that is itself the alert line (the
/// own generator keeps the raw line there) is not said twice.
fn radio_narrative(row: &FlatRow) -> Option<String> {
    let n = row.narrative.trim();
    (!n.is_empty() && !n.to_uppercase().starts_with("ALERT ")).then(|| n.to_string())
}

/// Words joined by `sep`, the empty ones left out.
fn join(parts: &[&str], sep: &str) -> String {
    parts
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(sep)
}

/// The alert line in convention `c`:
/// 0 `ALERT 14:03 <premises> <description> <offence>` (today's ShopNet, offence last);
/// 1 `ALERT 14:03 <premises> <offence> <description>` (offence first);
/// 2 `14:03 - <premises> - <offence> - <description>` (separated);
/// 3 `[14:03] <premises>: <offence>, <description>` (bracketed);
/// each with ` :: <narrative>` when there is one.
pub fn alert_line(c: usize, row: &FlatRow) -> String {
    let (t, p, o, d) = (
        hhmm(row),
        row.premises_name.as_str(),
        row.offence.as_str(),
        row.offender_description.as_str(),
    );
    let head = match c {
        0 => join(&["ALERT", &t, p, d, o], " "),
        1 => join(&["ALERT", &t, p, o, d], " "),
        2 => join(&[&t, p, o, d], " - "),
        _ => format!(
            "[{t}] {}",
            join(&[&format!("{}:", p.trim()), &join(&[o, d], ", ")], " ")
        ),
    };
    match radio_narrative(row) {
        Some(n) => format!("{head} :: {n}"),
        None => head,
    }
}

/// Row `i` as a BCRP platform's webhook body (one report, JSON).
pub fn webhook(i: usize, row: &FlatRow) -> serde_json::Value {
    json!({
        "delivery_id": format!("dlv-{i}"),
        "sent_at": sent_at(row),
        "id": row.source_record_id,
        "occurred": row.occurred_at,
        "type": row.offence,
        "site": {
            "name": row.premises_name,
            "member_id": row.member_ref,
            "postcode": row.premises_postcode,
            "town": row.town,
            "scheme": row.scheme,
        },
        "offender": row.offender_description,
        "loss_value": row.property_value_gbp,
        "summary": row.narrative,
    })
}

/// The retailer export's header.
const EXPORT_HEADER: &str = "Incident No,Store No,Store,Incident Date,Postcode,Incident Type,Offender,Loss Value,Notes,Export Row\n";

/// A CSV cell, quoted.
fn cell(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The monthly export file holding these rows.
pub fn export_csv(rows: &[FlatRow], which: &[usize]) -> String {
    let mut out = EXPORT_HEADER.to_string();
    for &i in which {
        let r = &rows[i];
        let cells = [
            &r.source_record_id,
            &r.member_ref,
            &r.premises_name,
            &r.occurred_at,
            &r.premises_postcode,
            &r.offence,
            &r.offender_description,
            &r.property_value_gbp,
            &r.narrative,
            &i.to_string(),
        ];
        out.push_str(&cells.map(|c| cell(c)).join(","));
        out.push('\n');
    }
    out
}

/// Date formats both generators' channels write.
const DATE_FORMATS: &str = r#"["iso8601", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d/%m/%y"]"#;

/// shopnet-text for the radio source: dated by the bridge's `sent-at`, the
/// town from the topic.
pub fn radio_plugin_config() -> String {
    "source_system = \"shopnet-radio\"\n\
     town_from_topic = \"shopnet/{town}/alerts\"\n\
     date_from = \"mqtt-property:sent-at\"\n"
        .to_string()
}

/// json-mapped for the BCRP webhook (see [`webhook`]).
pub fn bcrp_plugin_config() -> String {
    format!(
        r#"source_system = "bcrp-platform"
report_kind = "crime-report"
timezone = "Europe/London"
date_formats = {DATE_FORMATS}
[fields]
source_record_id = "/id"
occurred_at = "/occurred"
category = "/type"
premises_name = "/site/name"
store_id = "/site/member_id"
postcode = "/site/postcode"
town = "/site/town"
bcrp_area = "/site/scheme"
"suspect.description" = "/offender"
"property.value" = "/loss_value"
narrative = "/summary"
"extension:delivery_id" = "/delivery_id"
"#
    )
}

/// csv-mapped for the retailer's export (see [`export_csv`]).
pub fn retail_plugin_config() -> String {
    format!(
        r#"source_system = "retailer-csv"
report_kind = "crime-report"
timezone = "Europe/London"
date_formats = {DATE_FORMATS}
[columns]
"Incident No" = "source_record_id"
"Store No" = "store_id"
"Store" = "premises_name"
"Incident Date" = "occurred_at"
"Postcode" = "postcode"
"Incident Type" = "category"
"Offender" = "suspect.description"
"Loss Value" = "property.value"
"Notes" = "narrative"
"Export Row" = "extension:export_row"
"#
    )
}

/// The row a stored report came from, by the reference its channel carried:
/// a record extension (webhook, export) or the payload's `seq` property (radio).
pub fn row_of_extension(key: &str, value: &str) -> Option<usize> {
    match key {
        "delivery_id" => value.strip_prefix("dlv-")?.parse().ok(),
        "export_row" => value.parse().ok(),
        _ => None,
    }
}
