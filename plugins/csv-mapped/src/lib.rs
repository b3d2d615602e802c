//! `csv-mapped`: map any CSV export onto the bcgw common schema with configuration
//! alone. An IT team lists which column goes to which schema field, how dates are
//! written and how the retailer's offence wording maps to schema categories.
//!
//! It copes with what real exports contain: a UTF-8 byte-order mark, CRLF line
//! ends, quoted fields with commas and line breaks, blank lines, Windows-1252
//! (Latin-1) bytes, short rows. A row that cannot be read is rejected with its line
//! number; the other rows still flow.

mod config;
mod decode;
mod row;

pub use bcgw_mapping::DEFAULT_DATE_FORMATS;
pub use config::{Mapping, RawConfig};

use bcgw_sdk::prelude::*;
use config::{Encoding, column_key};
use row::Slot;
use std::borrow::Cow;

/// The adapter. See the crate docs and `plugins/csv-mapped/README.md`.
pub struct CsvMapped;

/// Content types this adapter reads.
pub const CONTENT_TYPES: [&str; 5] = [
    "text/csv",
    "application/csv",
    "text/plain",
    "text/tab-separated-values",
    "application/vnd.ms-excel",
];

fn key(name: &str, description: &str, required: bool) -> ConfigKey {
    ConfigKey {
        name: name.into(),
        description: description.into(),
        required,
    }
}

impl Adapter for CsvMapped {
    type Config = RawConfig;

    fn describe() -> PluginInfo {
        PluginInfo {
            name: "csv-mapped".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Maps CSV exports onto the common schema from a column mapping in config."
                .into(),
            systems: vec!["retailer-csv".into(), "bcrp-csv".into()],
            content_types: CONTENT_TYPES.iter().map(|s| s.to_string()).collect(),
            config_keys: vec![
                key(
                    "columns",
                    "table: CSV column name -> schema field (e.g. \"Store\" = \"premises_name\")",
                    true,
                ),
                key(
                    "source_system",
                    "value of report.source_system (default retailer-csv)",
                    false,
                ),
                key(
                    "report_kind",
                    "crime-report | incident | alert | intelligence (default crime-report)",
                    false,
                ),
                key(
                    "delimiter",
                    "one ASCII character, or \"tab\" (default ,)",
                    false,
                ),
                key(
                    "encoding",
                    "auto | utf-8 | windows-1252 (default auto: UTF-8, else Windows-1252)",
                    false,
                ),
                key(
                    "timezone",
                    "IANA zone for times without an offset (default Europe/London)",
                    false,
                ),
                key(
                    "date_formats",
                    "strftime formats tried in order, \"iso8601\" or \"epoch\" (default UK day-first, then ISO 8601)",
                    false,
                ),
                key(
                    "business_crime",
                    "value of event.business_crime (default true)",
                    false,
                ),
                key(
                    "required",
                    "columns that must have a value in every row",
                    false,
                ),
                key(
                    "optional_columns",
                    "mapped columns that may be absent from the header",
                    false,
                ),
                key(
                    "categories",
                    "table: source wording -> schema category",
                    false,
                ),
                key(
                    "default_category",
                    "category for wording not in the table (default other)",
                    false,
                ),
                key(
                    "keep_unmapped",
                    "keep columns with no mapping as extensions (default false)",
                    false,
                ),
            ],
        }
    }

    fn check_config(config: RawConfig) -> Result<(), AdapterError> {
        Mapping::from_raw(config).map(|_| ())
    }

    fn translate(payload: Payload, config: RawConfig) -> Result<Translation, AdapterError> {
        let mapping = Mapping::from_raw(config)?;
        let media_type = payload.media_type();
        if !CONTENT_TYPES.contains(&media_type.as_str()) {
            return Err(AdapterError::UnsupportedContentType(payload.content_type));
        }
        // A large file arrives as several payloads, each with the header repeated;
        // `first-line` says which file line the payload's first data row is on.
        let line_offset = match payload.metadata(metadata_keys::FIRST_LINE) {
            Some(v) => v
                .trim()
                .parse::<u64>()
                .map_err(|_| {
                    AdapterError::invalid_field("metadata first-line", "not a line number")
                })?
                .saturating_sub(2),
            None => 0,
        };
        translate_csv(&mapping, &payload.bytes, line_offset)
    }
}

/// Reads the header and maps every column; errors when a mapped column is missing.
fn header_slots(mapping: &Mapping, header: &csv::ByteRecord) -> Result<Vec<Slot>, AdapterError> {
    let mut slots = Vec::with_capacity(header.len());
    for field in header {
        let name = decode::decode(field, mapping.encoding)
            .map_err(|why| AdapterError::Malformed(format!("header {why}")))?
            .trim()
            .to_string();
        let k = column_key(&name);
        let already = slots.iter().any(|s: &Slot| column_key(&s.name) == k);
        slots.push(Slot {
            // A repeated header name maps only its first column.
            target: if already {
                None
            } else {
                mapping.columns.get(&k).cloned()
            },
            required: !already && mapping.required.contains(&k),
            name,
        });
    }
    let mut missing: Vec<&str> = mapping
        .columns
        .keys()
        .filter(|k| !mapping.optional_columns.contains(k))
        .filter(|k| !slots.iter().any(|s| column_key(&s.name) == **k))
        .map(|k| mapping.column_names[k].as_str())
        .collect();
    if !missing.is_empty() {
        missing.sort_unstable();
        return Err(AdapterError::MissingField(format!(
            "column(s) {} mapped in config but not in the CSV header; if the export \
             really lacks them, list them in optional_columns",
            missing.join(", ")
        )));
    }
    Ok(slots)
}

fn translate_csv(
    mapping: &Mapping,
    bytes: &[u8],
    line_offset: u64,
) -> Result<Translation, AdapterError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(mapping.delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(bytes);
    let header = reader
        .byte_headers()
        .map_err(|e| AdapterError::Malformed(format!("cannot read the CSV header: {e}")))?
        .clone();
    if header.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
        return Err(AdapterError::Malformed("the CSV has no header row".into()));
    }
    let slots = header_slots(mapping, &header)?;
    let mut out = Translation {
        reports: Vec::with_capacity(row_estimate(bytes)),
        rejects: Vec::new(),
    };
    let mut record = csv::ByteRecord::new();
    let mut lines = LineCounter::new(bytes);
    let mut index: u32 = 0;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                // Only I/O errors reach here with a flexible reader over bytes.
                return Err(AdapterError::Malformed(format!("CSV read error: {e}")));
            }
        }
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue; // a row of empty cells
        }
        let start = record.position().map_or(0, |p| p.byte());
        let line = lines.line_at(start) + line_offset;
        let result = decode_row(mapping, &slots, &record)
            .and_then(|fields| row::build_report(mapping, &slots, &fields));
        match result {
            Ok(report) => out.reports.push(report),
            Err(error) => out.rejects.push(RejectedItem {
                index,
                line: u32::try_from(line).ok(),
                error,
            }),
        }
        index = index.saturating_add(1);
    }
    Ok(out)
}

/// Most payloads hold up to this many rows (the gateway's CSV chunk size is 1000):
/// reports beyond it grow the vector as usual.
const MAX_PRESIZED_ROWS: usize = 4096;

/// How many reports to make room for: the line count, capped, since blank lines and
/// quoted line breaks make it an over-estimate. Growing a vector of reports (each a
/// few hundred bytes) row by row costs copies and fresh pages at every doubling.
fn row_estimate(bytes: &[u8]) -> usize {
    count_newlines(bytes).min(MAX_PRESIZED_ROWS)
}

/// Line numbers from byte offsets. The csv crate's own line count skips blank lines,
/// so lines are counted here, forward only, as records are read.
struct LineCounter<'a> {
    bytes: &'a [u8],
    scanned: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        LineCounter {
            bytes,
            scanned: 0,
            line: 1,
        }
    }

    /// The 1-based line of the record whose reported start offset is `offset`. The
    /// offset may point at the line break before the record (or at blank lines), so
    /// line breaks are skipped to find the record's first byte.
    fn line_at(&mut self, offset: u64) -> u64 {
        let mut at = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        while at < self.bytes.len() && matches!(self.bytes[at], b'\r' | b'\n') {
            at += 1;
        }
        if at > self.scanned {
            let newlines = count_newlines(&self.bytes[self.scanned..at]);
            self.line += newlines as u64;
            self.scanned = at;
        }
        self.line
    }
}

/// Decodes every field of a row (extra fields too, so a bad byte anywhere rejects
/// the row before any value is applied, whatever the column order).
fn decode_row<'r>(
    mapping: &Mapping,
    slots: &[Slot],
    record: &'r csv::ByteRecord,
) -> Result<Vec<Cow<'r, str>>, AdapterError> {
    // Most rows are all UTF-8: the row's bytes (its fields end to end) are checked
    // once and each field borrowed from them. A field that does not start and end
    // on a character boundary there (one character split across two fields) is
    // decoded alone, as are all fields under windows-1252.
    let whole = match mapping.encoding {
        Encoding::Windows1252 => None,
        Encoding::Auto | Encoding::Utf8 => std::str::from_utf8(record.as_slice()).ok(),
    };
    let mut fields = Vec::with_capacity(record.len());
    for (i, field) in record.iter().enumerate() {
        let borrowed = whole.zip(record.range(i)).and_then(|(row, at)| row.get(at));
        let text = match borrowed {
            Some(text) => Cow::Borrowed(text),
            None => decode::decode(field, mapping.encoding).map_err(|why| {
                let column = slots.get(i).map_or("(extra column)", |s| s.name.as_str());
                AdapterError::invalid_field(column, why)
            })?,
        };
        fields.push(text);
    }
    Ok(fields)
}

/// The number of line feeds in `bytes`, eight bytes at a time: counting them one by
/// one was a tenth of the time spent on a row.
fn count_newlines(bytes: &[u8]) -> usize {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const LOW7: u64 = u64::from_ne_bytes([0x7f; 8]);
    let words = bytes.chunks_exact(8);
    let tail = words.remainder().iter().filter(|&&b| b == b'\n').count();
    words
        .map(|w| {
            let mut word = [0u8; 8];
            word.copy_from_slice(w);
            // Bytes equal to '\n' become 0; a byte's top bit in `nonzero` is set
            // exactly when the byte is not 0 (the add cannot carry between bytes).
            let x = u64::from_ne_bytes(word) ^ (ONES * u64::from(b'\n'));
            let nonzero = ((x & LOW7) + LOW7) | x;
            (!nonzero & !LOW7).count_ones() as usize
        })
        .sum::<usize>()
        + tail
}

bcgw_sdk::export_adapter!(CsvMapped);

#[cfg(test)]
mod tests;
