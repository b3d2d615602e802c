use super::*;
use bcgw_sdk::schema::ResolutionMethod as M;

const REGISTER: &str = "\u{feff}Member ID,Trading Name,Branch,Aliases,Address,Post Code,Town,Radio IDs,BCRP IDs,Store No,Status,Notes
MS-1,Tesco Express,Oldham Street,TESCO OLDHAM ST;TESCO NQ,12 Oldham Street,M1 1JQ,Manchester,R-101;R-102,DISC-1,2231,,x
MS-2,Tesco Express,Market Street,TESCO MKT ST,40 Market Street,M1 1PT,Manchester,R-140,DISC-2,4410,,
MS-3,Boots,Market Street,BOOTS MKT ST|BOOTS ARNDALE,34 Market Street,M1 1WT,Manchester,R-150,DISC-3,,,
MS-4,Patel's News,,PATELS,3 Tib Street,M4 1LA,Manchester,,DISC-4,,,
MS-5,Tesco Express,Deansgate,TESCO,99 Deansgate,BL1 1AA,Bolton,,,,,
MS-6,Greggs,Piccadilly,,1 Piccadilly,not a postcode,Manchester,,,,left,
";

fn registry() -> Registry {
    let r = parse_register("manchester", "manchester.csv", REGISTER.as_bytes()).unwrap();
    assert_eq!(r.members.len(), 6);
    assert_eq!(r.unknown_columns, ["Notes"]);
    Registry::new(vec![r])
}

fn resolve(reg: &Registry, q: PremisesQuery<'_>) -> (M, Vec<String>) {
    let r = reg.resolve(&q);
    let ids = r.possible_members().map(|m| m.member_id.clone()).collect();
    (r.method, ids)
}

#[test]
fn headers_are_matched_loosely_and_lists_split() {
    let reg = registry();
    let m = &reg.members()[0];
    assert_eq!(m.member_id, "MS-1");
    assert_eq!(m.aliases, ["TESCO OLDHAM ST", "TESCO NQ"]);
    assert_eq!(m.radio_ids, ["R-101", "R-102"]);
    assert_eq!(m.store_numbers, ["2231"]);
    assert_eq!(m.postcode.as_deref(), Some("M1 1JQ"));
    assert_eq!(reg.members()[2].aliases, ["BOOTS MKT ST", "BOOTS ARNDALE"]);
    assert!(reg.members()[5].left);
    assert_eq!(reg.members()[5].postcode, None);
}

#[test]
fn problems_name_the_line_and_column() {
    let err = parse_register("x", "x.csv", b"name,town\nTesco,Bolton\n").unwrap_err();
    assert_eq!(err.location, "x.csv:1");
    assert!(err.message.contains("member_id"), "{err}");
    let r = parse_register(
        "x",
        "x.csv",
        b"member_id,trading_name,postcode,aliases\nA,Spar,BS1 3XE,SPAR\nA,Spar 2,,SPAR\n,Spar 3,,\nB,Londis,12345,SPAR\n",
    )
    .unwrap();
    assert_eq!(r.members.len(), 2);
    let problems = check(&[r]);
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert!(
        text.iter()
            .any(|p| p.starts_with("error: x.csv:3 (member_id)") && p.contains("twice")),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|p| p.starts_with("error: x.csv:4 (member_id)") && p.contains("empty")),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|p| p.starts_with("warning: x.csv:5 (postcode)")),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|p| p.contains("alias \"spar\" in x is listed for 2 members")),
        "{text:?}"
    );
    let bad = parse_register(
        "x",
        "x.csv",
        b"member_id,trading_name\nA,\"Spar\nB,Londis\n",
    );
    assert!(bad.is_err() || bad.unwrap().members.len() <= 1);
    let not_utf8 =
        parse_register("x", "x.csv", b"member_id,trading_name\nA,Caf\xe9\n").unwrap_err();
    assert_eq!(not_utf8.location, "x.csv:2");
}

#[test]
fn ids_resolve_first_and_are_checked_against_the_name() {
    let reg = registry();
    let q = |store: Option<&'static str>,
             radio: Option<&'static str>,
             name: Option<&'static str>| PremisesQuery {
        store_id: store,
        radio_id: radio,
        name,
        ..PremisesQuery::default()
    };
    assert_eq!(
        resolve(&reg, q(Some("disc-2"), None, Some("Tesco"))),
        (M::BcrpId, vec!["MS-2".into()])
    );
    assert_eq!(
        resolve(&reg, q(Some("MS-3"), None, None)),
        (M::MemberId, vec!["MS-3".into()])
    );
    assert_eq!(
        resolve(
            &reg,
            q(Some("4410"), None, Some("TESCO EXP 4410 MARKET ST"))
        )
        .0,
        M::StoreNumber
    );
    assert_eq!(
        resolve(&reg, q(None, Some("r101"), Some("TESCO"))),
        (M::RadioId, vec!["MS-1".into()])
    );
    // The radio is MS-1's but the line plainly names Boots on Market Street.
    let (method, ids) = resolve(&reg, q(None, Some("R-101"), Some("BOOTS MKT ST")));
    assert_eq!(method, M::Ambiguous);
    assert_eq!(ids, ["MS-1", "MS-3"]);
}

#[test]
fn names_resolve_by_postcode_alias_or_a_clear_fuzzy_match() {
    let reg = registry();
    let by_name =
        |name: &'static str, postcode: Option<&'static str>, town: Option<&'static str>| {
            resolve(
                &reg,
                PremisesQuery {
                    name: Some(name),
                    postcode,
                    town,
                    ..PremisesQuery::default()
                },
            )
        };
    assert_eq!(
        by_name("Tesco Express", Some("m11jq"), None),
        (M::PostcodeAndName, vec!["MS-1".into()])
    );
    assert_eq!(
        by_name("TESCO NQ", None, None),
        (M::Alias, vec!["MS-1".into()])
    );
    assert_eq!(by_name("Tesco Exp Oldham St", None, None).0, M::Alias);
    assert_eq!(
        by_name("TESCO OLDHM STREET", None, None),
        (M::Fuzzy, vec!["MS-1".into()])
    );
    assert_eq!(
        by_name("PATELS NEWS", None, None),
        (M::Alias, vec!["MS-4".into()])
    );
    assert_eq!(
        by_name("PATELS NEWSAGENT TIB ST", None, None),
        (M::Fuzzy, vec!["MS-4".into()])
    );
    // Chain only: every Tesco in town is a candidate; the town narrows it.
    let (method, ids) = by_name("TESCO", None, Some("manchester"));
    assert_eq!(method, M::Ambiguous);
    assert_eq!(ids, ["MS-1", "MS-2"]);
    assert_eq!(by_name("TESCO", None, Some("Bolton")).1, ["MS-5"]);
    // Another chain, or nothing like any member.
    assert_eq!(by_name("SPAR OLDHAM ST", None, None).0, M::Unresolved);
    assert_eq!(by_name("Harbourside Pharmacy", None, None).0, M::Unresolved);
}

#[test]
fn scopes_keep_to_the_sources_registers() {
    let a = parse_register(
        "a",
        "a.csv",
        b"member_id,trading_name,bcrp_ids\n1,Spar,X-1\n",
    )
    .unwrap();
    let b = parse_register(
        "b",
        "b.csv",
        b"member_id,trading_name,bcrp_ids\n1,Londis,X-1\n",
    )
    .unwrap();
    let reg = Registry::new(vec![a, b]);
    let only_b = ["b".to_string()];
    let r = reg.resolve(&PremisesQuery {
        store_id: Some("X-1"),
        registers: Some(&only_b),
        ..PremisesQuery::default()
    });
    assert_eq!(
        r.member.map(|m| (m.register, m.member_id)),
        Some(("b".into(), "1".into()))
    );
    let both = reg.resolve(&PremisesQuery {
        store_id: Some("X-1"),
        ..PremisesQuery::default()
    });
    assert_eq!(both.method, M::Ambiguous);
    assert_eq!(reg.known_names(Some(&only_b)), ["Londis"]);
}

#[test]
fn one_shop_in_two_schemes_is_one_premises() {
    let bid = parse_register(
        "bid",
        "bid.csv",
        b"member_id,trading_name,branch,postcode,bcrp_ids\nB-1,Boots,Broadmead,BS1 3XD,DISC-1\nB-2,Greggs,Union St,BS1 2DJ,\n",
    )
    .unwrap();
    let radio = parse_register(
        "radio",
        "radio.csv",
        b"member_id,trading_name,branch,postcode,radio_ids\nR-7,Boots,Broadmead,bs1 3xd,R-1\nR-8,Greggs,Broadmead,BS1 3AA,R-2\n",
    )
    .unwrap();
    let reg = Registry::new(vec![bid, radio]);
    let by_radio = reg.resolve(&PremisesQuery {
        radio_id: Some("R-1"),
        ..PremisesQuery::default()
    });
    let by_disc = reg.resolve(&PremisesQuery {
        store_id: Some("DISC-1"),
        ..PremisesQuery::default()
    });
    let (a, b) = (by_radio.member.unwrap(), by_disc.member.unwrap());
    assert_eq!((a.register.as_str(), b.register.as_str()), ("radio", "bid"));
    assert_eq!(a.premises_key(), b.premises_key(), "one shop");
    let other = reg.resolve(&PremisesQuery {
        radio_id: Some("R-2"),
        ..PremisesQuery::default()
    });
    assert_eq!(
        other.member.unwrap().premises_key(),
        "radio/R-8",
        "another Greggs"
    );
}

#[test]
fn a_weak_member_does_not_place_the_report_in_its_town() {
    let reg = registry();
    // MS-5 is in Bolton; the id is its own, the name fits no member: a hint,
    // so the report stays where its channel says (Manchester).
    let r = reg.resolve(&PremisesQuery {
        store_id: Some("MS-5"),
        name: Some("KEBAB HOUSE"),
        town: Some("Manchester"),
        ..PremisesQuery::default()
    });
    assert_eq!(
        r.member.as_ref().map(|m| m.member_id.as_str()),
        Some("MS-5")
    );
    assert!(r.score < STRONG);
    assert_eq!(r.town.as_deref(), Some("manchester"));
    // Surely MS-5: its town.
    let r = reg.resolve(&PremisesQuery {
        store_id: Some("MS-5"),
        name: Some("Tesco Deansgate"),
        town: Some("Manchester"),
        ..PremisesQuery::default()
    });
    assert!(r.score >= STRONG);
    assert_eq!(r.town.as_deref(), Some("bolton"));
}
