//! Reading a register file: header names matched loosely (case, spaces, `-`, `_`
//! and the usual synonyms), rows checked one by one. A file that cannot be read,
//! or has no `member_id` or `trading_name` column, is an error with its line and
//! column; a row that cannot be used is a [`Problem`] and the rest still load.

use super::check::{Problem, Severity};
use super::{Member, Register, id_key};
use bcgw_sdk::schema::normalise_postcode;
use std::collections::HashSet;
use std::path::Path;

/// Why a register file cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {message}")]
pub struct RegisterError {
    /// Where: `<file>:<line>[:<column>]`.
    pub location: String,
    /// What is wrong and what to do.
    pub message: String,
}

/// The columns the gateway reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    MemberId,
    TradingName,
    Branch,
    Aliases,
    Address,
    Postcode,
    Town,
    Scheme,
    RadioIds,
    BcrpIds,
    StoreNumbers,
    Status,
}

/// Header spellings, compared after [`header_key`].
const SYNONYMS: &[(Column, &[&str])] = &[
    (
        Column::MemberId,
        &[
            "memberid",
            "id",
            "member",
            "memberref",
            "membernumber",
            "memberno",
        ],
    ),
    (
        Column::TradingName,
        &[
            "tradingname",
            "name",
            "business",
            "businessname",
            "premises",
            "premisesname",
        ],
    ),
    (
        Column::Branch,
        &["branch", "branchname", "site", "storename"],
    ),
    (
        Column::Aliases,
        &[
            "aliases",
            "alias",
            "callnames",
            "callname",
            "onairnames",
            "onairname",
            "othernames",
            "knownas",
        ],
    ),
    (
        Column::Address,
        &[
            "address",
            "addressline",
            "addresslines",
            "street",
            "streetaddress",
            "address1",
        ],
    ),
    (Column::Postcode, &["postcode", "postalcode"]),
    (Column::Town, &["town", "city", "locality"]),
    (
        Column::Scheme,
        &["scheme", "bcrp", "radioscheme", "area", "bcrparea"],
    ),
    (
        Column::RadioIds,
        &[
            "radioids",
            "radioid",
            "radios",
            "handsetids",
            "handsets",
            "handsetid",
        ],
    ),
    (
        Column::BcrpIds,
        &[
            "bcrpids",
            "bcrpid",
            "membershipids",
            "membershipid",
            "platformids",
            "platformid",
        ],
    ),
    (
        Column::StoreNumbers,
        &[
            "storenumbers",
            "storenumber",
            "storeno",
            "storeid",
            "storeids",
        ],
    ),
    (Column::Status, &["status", "state"]),
];

/// A header as compared: lower case, without spaces, `-`, `_` or `.`.
fn header_key(h: &str) -> String {
    h.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn column_of(header: &str) -> Option<Column> {
    let key = header_key(header);
    SYNONYMS
        .iter()
        .find(|(_, names)| names.contains(&key.as_str()))
        .map(|(c, _)| *c)
}

/// A list cell: items separated by `;` or `|`, trimmed, empty ones dropped.
fn list(cell: &str) -> Vec<String> {
    cell.split([';', '|'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn text(cell: &str) -> Option<String> {
    let t = cell.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// Reads a register file. `name` is its name in config: the scheme of members
/// whose row names none.
pub fn read_register(name: &str, path: &Path) -> Result<Register, RegisterError> {
    let bytes = std::fs::read(path).map_err(|e| RegisterError {
        location: path.display().to_string(),
        message: format!("cannot read the register: {e}"),
    })?;
    parse_register(name, &path.display().to_string(), &bytes)
}

/// Parses a register from its bytes; `file` names it in errors.
pub fn parse_register(name: &str, file: &str, bytes: &[u8]) -> Result<Register, RegisterError> {
    let text_bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let content = std::str::from_utf8(text_bytes).map_err(|e| {
        let line = 1 + text_bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        RegisterError {
            location: format!("{file}:{line}"),
            message: "not UTF-8 text; save the register as UTF-8 CSV".into(),
        }
    })?;
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(content.as_bytes());
    let headers = rdr.headers().map_err(|e| csv_error(file, &e))?.clone();
    let mut columns: Vec<Option<Column>> = Vec::new();
    let mut unknown = Vec::new();
    for h in headers.iter() {
        let c = column_of(h);
        if c.is_none() && !h.trim().is_empty() {
            unknown.push(h.trim().to_string());
        }
        // The first column of a kind wins; a repeat is ignored, and said.
        if c.is_some() && columns.contains(&c) {
            unknown.push(format!("{} (a second {h} column)", h.trim()));
            columns.push(None);
        } else {
            columns.push(c);
        }
    }
    for (required, hint) in [
        (Column::MemberId, "member_id"),
        (Column::TradingName, "trading_name"),
    ] {
        if !columns.contains(&Some(required)) {
            return Err(RegisterError {
                location: format!("{file}:1"),
                message: format!(
                    "the header has no {hint} column; the register needs member_id and trading_name (see docs/members.md)"
                ),
            });
        }
    }
    let mut register = Register {
        name: name.to_string(),
        unknown_columns: unknown,
        ..Register::default()
    };
    let mut seen = HashSet::new();
    for row in rdr.records() {
        let row = row.map_err(|e| csv_error(file, &e))?;
        let line = row.position().map_or(0, csv::Position::line);
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |c: Column| {
            columns
                .iter()
                .position(|x| *x == Some(c))
                .and_then(|i| row.get(i))
                .unwrap_or("")
        };
        match member(name, file, line, &cell, &mut register.problems) {
            Some(m) if !seen.insert(id_key(&m.member_id)) => {
                register.problems.push(Problem::at(
                    Severity::Error,
                    file,
                    line,
                    "member_id",
                    format!(
                        "member_id {} is used twice; the row is skipped (ids must be unique in a register)",
                        m.member_id
                    ),
                ));
            }
            Some(m) => register.members.push(m),
            None => {}
        }
    }
    Ok(register)
}

/// One row as a member, or `None` (with a problem) when it cannot be used.
fn member<'r>(
    register: &str,
    file: &str,
    line: u64,
    cell: &dyn Fn(Column) -> &'r str,
    problems: &mut Vec<Problem>,
) -> Option<Member> {
    let mut missing = |column: &str| {
        problems.push(Problem::at(
            Severity::Error,
            file,
            line,
            column,
            format!("{column} is empty; the row is skipped"),
        ));
    };
    let Some(member_id) = text(cell(Column::MemberId)) else {
        missing("member_id");
        return None;
    };
    let Some(trading_name) = text(cell(Column::TradingName)) else {
        missing("trading_name");
        return None;
    };
    let raw_postcode = text(cell(Column::Postcode));
    let postcode = raw_postcode.as_deref().and_then(normalise_postcode);
    if raw_postcode.is_some() && postcode.is_none() {
        problems.push(Problem::at(
            Severity::Warning,
            file,
            line,
            "postcode",
            format!("member {member_id}: the postcode is not a UK postcode; it is ignored"),
        ));
    }
    let status = cell(Column::Status).trim().to_ascii_lowercase();
    let left = matches!(
        status.as_str(),
        "left" | "inactive" | "closed" | "former" | "lapsed"
    );
    if !status.is_empty() && !left && !matches!(status.as_str(), "active" | "member" | "current") {
        problems.push(Problem::at(
            Severity::Warning,
            file,
            line,
            "status",
            format!("member {member_id}: status is neither active nor left; read as active"),
        ));
    }
    Some(Member {
        register: register.to_string(),
        scheme: text(cell(Column::Scheme)).unwrap_or_else(|| register.to_string()),
        member_id,
        trading_name,
        branch: text(cell(Column::Branch)),
        aliases: list(cell(Column::Aliases)),
        address: list(cell(Column::Address)),
        postcode,
        town: text(cell(Column::Town)),
        radio_ids: list(cell(Column::RadioIds)),
        bcrp_ids: list(cell(Column::BcrpIds)),
        store_numbers: list(cell(Column::StoreNumbers)),
        left,
        line,
    })
}

fn csv_error(file: &str, e: &csv::Error) -> RegisterError {
    let (line, field) = match e.kind() {
        csv::ErrorKind::Utf8 { pos, err } => {
            (pos.as_ref().map(csv::Position::line), Some(err.field() + 1))
        }
        csv::ErrorKind::UnequalLengths { pos, .. } => (pos.as_ref().map(csv::Position::line), None),
        _ => (e.position().map(csv::Position::line), None),
    };
    let location = match (line, field) {
        (Some(l), Some(f)) => format!("{file}:{l}:{f}"),
        (Some(l), None) => format!("{file}:{l}"),
        _ => file.to_string(),
    };
    RegisterError {
        location,
        message: format!("not readable as CSV: {e}"),
    }
}
