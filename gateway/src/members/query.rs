//! What a report says about its premises, gathered for the resolver: the name,
//! postcode and id the adapter filled in, the radio that sent an alert (from the
//! report's extensions, or the payload's metadata when the bridge gives it
//! there), and — for a radio scheme — the town from its topic.

use bcgw_link::members::PremisesQuery;
use bcgw_sdk::schema::Report;

/// Report extensions that name the sending radio (the frame adapters set
/// `radio-id`).
const RADIO_EXTENSIONS: [&str; 3] = ["radio-id", "radio_id", "handset-id"];

/// Payload metadata that names the sending radio (an MQTT 5 bridge's user
/// property).
const RADIO_METADATA: [&str; 3] = [
    "mqtt-property:radio-id",
    "mqtt-property:radio_id",
    "mqtt-property:handset-id",
];

/// The sending radio's id, if the report or its payload says.
pub fn radio_id<'a>(report: &'a Report, metadata: &'a [(String, String)]) -> Option<&'a str> {
    RADIO_EXTENSIONS
        .iter()
        .find_map(|k| report.extension(k))
        .or_else(|| {
            RADIO_METADATA.iter().find_map(|k| {
                metadata
                    .iter()
                    .find(|(key, _)| key == k)
                    .map(|(_, v)| v.as_str())
            })
        })
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// The resolver's question for one report of a source.
pub fn source_query<'a>(
    report: &'a Report,
    metadata: &'a [(String, String)],
    scope: Option<&'a [String]>,
    channel_town: bool,
) -> PremisesQuery<'a> {
    let loc = &report.location;
    let raw_postcode = report
        .extension("premises_postcode_raw")
        .or_else(|| report.extension("unparsed_postcode"));
    PremisesQuery {
        name: loc.premises_name.as_deref(),
        postcode: loc.postcode.as_deref().or(raw_postcode),
        store_id: loc.store_id.as_deref(),
        radio_id: radio_id(report, metadata),
        town: loc.town.as_deref().filter(|_| channel_town),
        registers: scope,
    }
}
