//! What linking knows about one report: its common-schema record reduced to
//! normalised, comparable features.

use crate::normalize::{description, postcode};
use crate::vocab::{Vocab, WordId};
use bcgw_sdk::schema::{Category, PremisesResolution, Report, ReportKind, classify_offence};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Europe::London;

/// The channel a report came through (BCRP platform, retailer export, radio);
/// pairs of channels behave differently (a radio alert usually corroborates a
/// report sent minutes before or after). Not the gateway's source *kind*, which is
/// the transport (webhook, MQTT...): a radio alert is the radio channel whether it
/// came over MQTT or a serial cable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    /// A BCRP platform report.
    Bcrp,
    /// A line of a retailer's export.
    RetailerCsv,
    /// A radio alert.
    Radio,
    /// Anything else.
    Other,
}

impl Channel {
    /// Parses the flat CSV's `source` column (`bcrp`, `retailer_csv`, `radio`).
    pub fn parse(s: &str) -> Channel {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace(['-', ' '], "_")
            .as_str()
        {
            "bcrp" | "bcrp_csv" | "disc" | "auror" | "sentrysis" => Channel::Bcrp,
            "retailer_csv" | "retailer" | "csv" => Channel::RetailerCsv,
            "radio" | "shopnet_radio" | "shopnet" => Channel::Radio,
            _ => Channel::Other,
        }
    }

    /// The kind for a common-schema report from the daemon: alerts are radio-like;
    /// otherwise by source system.
    pub fn of_report(report: &Report) -> Channel {
        if report.event.kind == ReportKind::Alert {
            return Channel::Radio;
        }
        Channel::parse(&report.source_system)
    }

    /// The name used in explanations.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Bcrp => "bcrp",
            Channel::RetailerCsv => "retailer_csv",
            Channel::Radio => "radio",
            Channel::Other => "other",
        }
    }
}

/// When it happened, in whole minutes since the epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Earliest.
    pub start: i64,
    /// Latest (equal to `start` for a precise time).
    pub end: i64,
    /// True when only the date is known.
    pub date_only: bool,
    /// The local (UK) calendar date.
    pub date: NaiveDate,
}

/// A report's comparable features.
#[derive(Debug, Clone)]
pub struct Features {
    /// The channel.
    pub kind: Channel,
    /// When.
    pub when: Option<Span>,
    /// Full postcode, sector and district ids.
    pub postcode: Option<[WordId; 3]>,
    /// Chain id, if a known chain.
    pub chain: Option<WordId>,
    /// Other premises words.
    pub premises: Vec<WordId>,
    /// The schema category (from the source's wording when the adapter left `other`).
    pub category: Option<Category>,
    /// Gender and age from the offender description.
    pub gender: Option<char>,
    /// Age range.
    pub age: Option<(u8, u8)>,
    /// Description trait ids, sorted.
    pub traits: Vec<WordId>,
    /// Value in pence.
    pub value: Option<u64>,
    /// The source system, when the report carries its own id there.
    pub system: Option<WordId>,
    /// The register members the report may be about (`register/member_id` ids),
    /// sorted: the one it resolved to, or the candidates of an ambiguous name;
    /// empty when unresolved or without registers.
    pub members: Vec<WordId>,
    /// Whether `members` is the one member it resolved to, surely
    /// ([`crate::members::STRONG`]): only such reports can be another member's.
    pub member_resolved: bool,
    /// The town it happened in ([`bcgw_sdk::schema::PremisesResolution::town`]).
    pub town: Option<WordId>,
    /// The scheme it belongs to ([`bcgw_sdk::schema::PremisesResolution::scheme`]).
    pub scheme: Option<WordId>,
    /// The words of the towns the report is placed in (the town its channel
    /// gives, its members' towns in the registers), sorted: in a premises name
    /// they say where, not which branch ("Tesco - Salford").
    pub place_words: Vec<WordId>,
}

impl Features {
    /// Two rows of one retailer's export, each with its own reference: the
    /// retailer's system made two incidents, so they are never one (its resends
    /// carry the same reference and are exact duplicates, removed before linking).
    pub fn two_rows_of_one_export(&self, other: &Features) -> bool {
        self.kind == Channel::RetailerCsv
            && other.kind == Channel::RetailerCsv
            && self.system.is_some()
            && self.system == other.system
    }

    /// Whether the two reports can never be one incident, whatever else agrees:
    /// two rows of one export ([`Features::two_rows_of_one_export`]), two towns
    /// or two schemes. Towns and schemes come from the registers and the channels
    /// themselves (a radio scheme's topic), never from what a form's writer
    /// typed, so two of them are two places, not two spellings.
    pub fn apart(&self, other: &Features) -> bool {
        self.two_rows_of_one_export(other)
            || matches!((self.town, other.town), (Some(a), Some(b)) if a != b)
            || matches!((self.scheme, other.scheme), (Some(a), Some(b)) if a != b)
    }
}

fn minutes(t: DateTime<Utc>) -> i64 {
    t.timestamp().div_euclid(60)
}

fn span(report: &Report) -> Option<Span> {
    let from = report.event.occurred_from.or(report.event.reported_at)?;
    let to = report.event.occurred_to.unwrap_or(from).max(from);
    let date = from.with_timezone(&London).date_naive();
    // A range of most of a day is a date without a time.
    let date_only = (to - from).num_hours() >= 20;
    Some(Span {
        start: minutes(from),
        end: minutes(to),
        date_only,
        date,
    })
}

/// The day/month swap of a UK date read the US way (3 Nov read as 11 Mar), if it
/// is a different valid date.
pub fn swapped(date: NaiveDate) -> Option<NaiveDate> {
    if date.day() > 12 || date.day() == date.month() {
        return None;
    }
    NaiveDate::from_ymd_opt(date.year(), date.day(), date.month())
}

impl Features {
    /// Extracts the features of a common-schema report.
    pub fn extract(report: &Report, kind: Channel, vocab: &mut Vocab) -> Features {
        Features::extract_placed(report, kind, None, vocab)
    }

    /// [`Features::extract`] with where the host placed the report's premises
    /// among the register members, if it did.
    pub fn extract_placed(
        report: &Report,
        kind: Channel,
        placed: Option<&PremisesResolution>,
        vocab: &mut Vocab,
    ) -> Features {
        let loc = &report.location;
        // A postcode the schema could not take is kept as an extension; linking
        // tolerates the slips that kept it out.
        let raw_postcode = report
            .extensions
            .iter()
            .find(|(k, _)| k == "premises_postcode_raw" || k == "unparsed_postcode")
            .map(|(_, v)| v.as_str());
        let postcode = loc
            .postcode
            .as_deref()
            .or(raw_postcode)
            .and_then(postcode::normalise)
            .map(|p| {
                [
                    vocab.id(&p.full),
                    vocab.id(&p.sector),
                    vocab.id(&p.district),
                ]
            });
        let (chain, premises) = match loc.premises_name.as_deref() {
            Some(raw) => vocab.premises_name(raw),
            None => (None, Vec::new()),
        };
        vocab.count_premises(&premises);
        let category = match report.event.category {
            Category::Other => report
                .event
                .category_raw
                .as_deref()
                .and_then(|raw| vocab.offence_category(raw)),
            c => Some(c),
        }
        .or_else(|| report.event.narrative.as_deref().and_then(classify_offence));
        let described: Vec<String> = report
            .persons
            .iter()
            .filter_map(|p| p.description.clone())
            .collect();
        let desc = description::parse(&described.join(" "));
        let mut traits: Vec<WordId> = desc.traits.iter().map(|t| vocab.id(t)).collect();
        traits.sort_unstable();
        let gender = desc.gender.or_else(|| {
            report.persons.iter().find_map(|p| match p.gender {
                Some(bcgw_sdk::schema::Gender::Male) => Some('M'),
                Some(bcgw_sdk::schema::Gender::Female) => Some('F'),
                _ => None,
            })
        });
        let age = desc.age.or_else(|| {
            report.persons.iter().find_map(|p| {
                p.age_range
                    .map(|a| (a.min.unwrap_or(0), a.max.unwrap_or(99)))
            })
        });
        let value = report
            .property
            .iter()
            .filter_map(|p| p.value_pence)
            .reduce(|a, b| a + b);
        Features {
            kind,
            when: span(report),
            postcode,
            chain,
            premises,
            category,
            gender,
            age,
            traits,
            value,
            system: report
                .source_record_id
                .as_ref()
                .map(|_| vocab.id(&report.source_system.to_ascii_lowercase())),
            members: placed.map(|p| member_ids(p, vocab)).unwrap_or_default(),
            member_resolved: placed
                .is_some_and(|p| p.member.is_some() && p.score >= crate::members::STRONG),
            town: placed
                .and_then(|p| p.town.as_deref())
                .map(|t| vocab.id(&format!("town:{t}"))),
            scheme: placed
                .and_then(|p| p.scheme.as_deref())
                .map(|s| vocab.id(&format!("scheme:{s}"))),
            place_words: place_words(report, placed, vocab),
        }
    }
}

/// The premises words of the towns a report is placed in: the town its
/// channel gives and the registers' towns of the members it may be.
fn place_words(
    report: &Report,
    placed: Option<&PremisesResolution>,
    vocab: &mut Vocab,
) -> Vec<WordId> {
    let towns = report.location.town.iter().chain(
        placed
            .into_iter()
            .flat_map(|p| p.possible_members().filter_map(|m| m.town.as_ref())),
    );
    let mut out: Vec<WordId> = Vec::new();
    for t in towns {
        let (_, words) = vocab.premises_name(&t.replace(['-', '(', ')'], " "));
        out.extend(words);
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The interned ids of the members a report may be about, sorted.
fn member_ids(p: &PremisesResolution, vocab: &mut Vocab) -> Vec<WordId> {
    let mut ids: Vec<WordId> = p
        .possible_members()
        .map(|m| vocab.id(&m.premises_key()))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}
