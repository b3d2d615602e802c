//! Lawful data handling (issue 13), end to end through `bcgw run` and the CLI:
//! a source's information sharing agreement removes what it does not allow
//! before storage; every s.62 operation is in a hash-chained audit log that
//! `bcgw audit verify` checks; retention purges what has been kept its time
//! but keeps what is still needed; `bcgw sar` and `bcgw erase` find and remove
//! one person's data.

use crate::gateway::Gateway;
use crate::niche::NicheSim;
use std::path::Path;
use std::time::Duration;

/// The tests' CSV with people in it: two rows about one name with different
/// dates of birth (two people), one about another person, one the plugin
/// rejects (a date in words).
const CSV: &str = "Ref,Date,Store,Postcode,Type,Narrative,Suspect,Looks,Ethnicity,DOB\r\n\
    P1,01/10/2026 10:00,Store 1,ZZ9 9QX,Shoplifting,took razors,Zebulon Quartermaine,kestrel tattoo,IC9,1990-02-01\r\n\
    P2,02/10/2026 11:00,Store 2,ZZ9 9QX,Shoplifting,took razors,Zebulon Quartermaine,grey hoodie,IC9,1985-05-05\r\n\
    P3,03/10/2026 12:00,Store 3,QX7 1ZZ,Shoplifting,took gin,Philippa Vantongeren,red coat,IC9,1970-01-01\r\n\
    P4,not a date,Store 4,QX7 1ZZ,Shoplifting,took gin,Philippa Vantongeren,red coat,IC9,1970-01-01\r\n";

/// Values about people in [`CSV`] that an agreement without persons keeps out.
const PERSONAL: [&str; 6] = [
    "Zebulon",
    "Quartermaine",
    "kestrel tattoo",
    "Vantongeren",
    "1990-02-01",
    "IC9",
];

/// The tests' gateway, its source under `isa` (a TOML value or table body),
/// mapping the people columns too.
fn gateway(dir: &Path, niche: &str, isa: &str, extra: &str) -> Gateway {
    let gw = Gateway::new(dir, niche, None, extra);
    let text =
        std::fs::read_to_string(&gw.config).expect("the test's files and store are readable");
    let anchor = "\"Narrative\" = \"narrative\"\n";
    assert!(text.contains(anchor));
    let text = text
        .replace(
            anchor,
            &format!(
                "{anchor}\"Suspect\" = \"suspect.name\"\n\"Looks\" = \"suspect.description\"\n\
                 \"Ethnicity\" = \"extension:ethnicity\"\n\"DOB\" = \"extension:dob\"\n"
            ),
        )
        .replace("isa = \"ISA-TEST-1\"\n", "");
    std::fs::write(&gw.config, format!("{text}\n{isa}\n"))
        .expect("the test's files and store are readable");
    gw
}

const AGREEMENT: &str = r#"
[sources.shop.isa]
id = "ISA-AS-2026-002"
controller = "Harbourside BCRP"
lawful_basis = "DPA 2018 s.35(2)(b): necessary for the law enforcement purposes"
purpose = "prevention and detection of business crime"
fields = ["event.*", "location.*", "persons.age_range"]
"#;

fn out(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn db(gw: &Gateway) -> rusqlite::Connection {
    rusqlite::Connection::open(gw.dir.join("data/bcgw.sqlite"))
        .expect("the test's files and store are readable")
}

fn export(gw: &Gateway) -> Vec<serde_json::Value> {
    let file = gw.dir.join("audit.jsonl");
    let o = gw.cli(&[
        "audit",
        "export",
        "--out",
        file.to_str()
            .expect("the test's files and store are readable"),
    ]);
    assert!(o.status.success(), "{}", out(&o));
    std::fs::read_to_string(&file)
        .expect("the test's files and store are readable")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

fn of<'a>(entries: &'a [serde_json::Value], op: &str) -> Vec<&'a serde_json::Value> {
    entries.iter().filter(|e| e["operation"] == op).collect()
}

#[test]
fn an_agreement_keeps_its_fields_only_and_the_audit_log_proves_what_was_done() {
    let dir = tempfile::tempdir().unwrap();
    let sim = NicheSim::start(dir.path());
    let mut gw = gateway(dir.path(), &sim.url(), AGREEMENT, "");
    gw.env.push(("RUST_LOG".into(), "debug".into()));
    gw.drop_file("export.csv", CSV);
    let (status, _) = gw.run_until_idle(Duration::from_secs(120));
    assert!(status.success());
    assert_eq!(sim.occurrences(), 3);

    // Nothing the agreement leaves out is stored or sent.
    let sent = sim
        .request("GET", "/submissions?bodies=1", "")
        .expect("the simulator lists submissions")
        .to_string();
    let stored: Vec<String> = db(&gw)
        .prepare("SELECT record FROM record_versions")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(stored.len(), 3);
    for value in PERSONAL {
        assert!(!sent.contains(value), "{value:?} was sent to Niche");
        for r in &stored {
            assert!(!r.contains(value), "{value:?} was stored: {r}");
        }
    }
    assert!(stored.iter().all(|r| r.contains("ISA-AS-2026-002")));
    assert!(
        stored.iter().all(|r| r.contains("\"role\":\"suspect\"")),
        "structural fields stay"
    );

    // The log says what was removed, by path, and never the values.
    let entries = export(&gw);
    let text = serde_json::to_string(&entries).unwrap();
    for value in PERSONAL {
        assert!(!text.contains(value), "{value:?} is in the audit log");
    }
    let collections = of(&entries, "collection");
    assert_eq!(collections.len(), 1, "one payload, one collection");
    let c = collections[0];
    assert_eq!(c["isa"], "ISA-AS-2026-002");
    assert_eq!(c["actor"], "source:shop");
    assert_eq!(c["records"].as_array().unwrap().len(), 3);
    assert_eq!(c["detail"]["quarantined"], 1);
    let removed = c["detail"]["removed_by_agreement"].as_object().unwrap();
    assert_eq!(removed.len(), 3);
    for r in removed.values() {
        let fields: Vec<&str> = r["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap())
            .collect();
        for f in ["persons.name", "persons.description", "extensions.dob"] {
            assert!(
                fields.contains(&f),
                "{f} not recorded as removed: {fields:?}"
            );
        }
        assert_eq!(
            r["special_category_refused"],
            serde_json::json!(["extensions.ethnicity"])
        );
    }
    let disclosures = of(&entries, "disclosure");
    assert_eq!(disclosures.len(), 3, "one per delivery");
    for d in &disclosures {
        assert_eq!(d["actor"], "sink:niche");
        assert_eq!(d["isa"], "ISA-AS-2026-002");
        assert!(
            d["detail"]["reference"]
                .as_str()
                .is_some_and(|r| !r.is_empty())
        );
        assert_eq!(d["records"].as_array().unwrap().len(), 1);
    }
    // Consultation is audited before anything is shown.
    let q = gw.cli(&["quarantine", "show", "1", "--operator", "dpo-test"]);
    assert!(q.status.success(), "{}", out(&q));
    let entries = export(&gw);
    let look = of(&entries, "consultation");
    assert_eq!(look.len(), 1);
    assert_eq!(look[0]["actor"], "operator:dpo-test");

    // The chain holds; then each kind of tampering is named at its entry.
    let v = gw.cli(&["audit", "verify"]);
    assert!(v.status.success(), "{}", out(&v));
    let n = entries.len();
    assert!(
        out(&v).contains(&format!("intact: {n} entries")),
        "{}",
        out(&v)
    );
    let c = db(&gw);
    let original: String = c
        .query_row("SELECT records FROM audit WHERE seq = 2", [], |r| r.get(0))
        .unwrap();
    c.execute(
        "UPDATE audit SET records = '[\"someone-else\"]' WHERE seq = 2",
        [],
    )
    .unwrap();
    let v = gw.cli(&["audit", "verify"]);
    assert_eq!(v.status.code(), Some(1), "{}", out(&v));
    assert!(out(&v).contains("BROKEN at entry 2"), "{}", out(&v));
    c.execute("UPDATE audit SET records = ?1 WHERE seq = 2", [&original])
        .unwrap();
    assert!(gw.cli(&["audit", "verify"]).status.success());
    // Two entries swapped (content and hashes, each keeping its place number).
    let swap = |a: i64, b: i64| {
        c.execute_batch(&format!(
            "UPDATE audit SET seq = -1 WHERE seq = {a};
             UPDATE audit SET seq = {a} WHERE seq = {b};
             UPDATE audit SET seq = {b} WHERE seq = -1;"
        ))
        .unwrap();
    };
    swap(3, 4);
    let v = gw.cli(&["audit", "verify"]);
    assert_eq!(v.status.code(), Some(1));
    assert!(out(&v).contains("BROKEN at entry 3"), "{}", out(&v));
    swap(3, 4);
    assert!(gw.cli(&["audit", "verify"]).status.success());
    // The last entry removed: the chain still links, but not to the head the
    // store recorded when it was appended.
    c.execute(
        "DELETE FROM audit WHERE seq = (SELECT MAX(seq) FROM audit)",
        [],
    )
    .unwrap();
    let v = gw.cli(&["audit", "verify"]);
    assert_eq!(v.status.code(), Some(1));
    assert!(out(&v).contains("removed from the end"), "{}", out(&v));
    c.execute("DELETE FROM audit WHERE seq = 3", []).unwrap();
    let v = gw.cli(&["audit", "verify"]);
    assert_eq!(v.status.code(), Some(1));
    assert!(
        out(&v).contains("BROKEN at entry 3: entry 3 is missing"),
        "{}",
        out(&v)
    );
    assert_logs_hold_nobody(&gw);
}

/// The daemon's logs (at debug level) name nobody from [`CSV`].
fn assert_logs_hold_nobody(gw: &Gateway) {
    let logs = gw.logs();
    assert!(logs.contains("DEBUG"), "the run was not at debug level");
    for value in PERSONAL
        .iter()
        .chain(&["grey hoodie", "took razors", "ZZ9 9QX"])
    {
        assert!(!logs.contains(value), "{value:?} is in the log");
    }
}

/// A log removed with its head, or cut back at the end with its head moved back,
/// still chains. Verify knows the store's records need entries, and a head the
/// data protection officer kept apart (`bcgw audit head`) must still be in the log.
#[test]
fn a_wiped_or_cut_back_audit_log_fails_verify_and_a_kept_head_must_be_in_it() {
    let dir = tempfile::tempdir().unwrap();
    let sim = NicheSim::start(dir.path());
    let mut gw = gateway(dir.path(), &sim.url(), AGREEMENT, "");
    gw.drop_file("export.csv", CSV);
    assert!(gw.run_until_idle(Duration::from_secs(120)).0.success());
    let h = gw.cli(&["audit", "head"]);
    assert!(h.status.success(), "{}", out(&h));
    let kept = String::from_utf8_lossy(&h.stdout).trim().to_string();
    // The log grows past the kept head (a consultation): it still passes through it.
    let q = gw.cli(&["quarantine", "show", "1", "--operator", "dpo-test"]);
    assert!(q.status.success(), "{}", out(&q));
    let v = gw.cli(&["audit", "verify", "--expect-head", &kept]);
    assert!(v.status.success(), "{}", out(&v));
    assert!(out(&v).contains("1 entries since"), "{}", out(&v));

    // Cut back to before the kept head, the head moved back with it.
    let c = db(&gw);
    let (seq, _) = kept.split_once(':').expect("<seq>:<sha256>");
    c.execute_batch(&format!(
        "DELETE FROM audit WHERE seq >= {seq};
         UPDATE meta SET value = (SELECT seq || ':' || sha256 FROM audit ORDER BY seq DESC LIMIT 1)
         WHERE key = 'audit_head';"
    ))
    .unwrap();
    let v = gw.cli(&["audit", "verify", "--expect-head", &kept]);
    assert_eq!(v.status.code(), Some(1), "{}", out(&v));
    assert!(
        out(&v).contains(&format!("entry {seq} is missing")),
        "{}",
        out(&v)
    );

    // Wiped, head and all: the records stored are evidence of entries.
    c.execute_batch("DELETE FROM audit; DELETE FROM meta WHERE key = 'audit_head';")
        .unwrap();
    let v = gw.cli(&["audit", "verify"]);
    assert_eq!(v.status.code(), Some(1), "{}", out(&v));
    assert!(
        out(&v).contains("the log is empty, but the store holds 3 records"),
        "{}",
        out(&v)
    );
}

#[test]
fn check_config_holds_sources_to_their_agreements_and_isa_show_says_what_flows() {
    let dir = tempfile::tempdir().unwrap();
    // A label is not an agreement once agreements are required.
    let gw = gateway(
        dir.path(),
        "http://127.0.0.1:9",
        "[sources.shop]\nisa = \"ISA-TEST-1\"\n[policy]\nrequire_isa = true\n",
        "",
    );
    // (the table above repeats [sources.shop]: put the key in place instead)
    let text = std::fs::read_to_string(&gw.config)
        .unwrap()
        .replace("[sources.shop]\nisa = \"ISA-TEST-1\"\n[policy]", "[policy]")
        .replace("[sources.shop]\n", "[sources.shop]\nisa = \"ISA-TEST-1\"\n");
    std::fs::write(&gw.config, text).unwrap();
    let o = gw.cli(&["check-config"]);
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    assert!(out(&o).contains("sources.shop.isa"), "{}", out(&o));
    assert!(out(&o).contains("a label only"), "{}", out(&o));

    // Special-category data among the ordinary fields, a structural field, a
    // misspelt one and a zero retention: each named at its key.
    let dir = tempfile::tempdir().unwrap();
    let bad = AGREEMENT.replace(
        "fields = [\"event.*\", \"location.*\", \"persons.age_range\"]",
        "fields = [\"extensions.ethnicity\", \"event.kind\", \"persons.nmae\"]\nretention = { record_days = 0 }",
    );
    let gw = gateway(dir.path(), "http://127.0.0.1:9", &bad, "");
    let o = gw.cli(&["check-config"]);
    let text = out(&o);
    assert_eq!(o.status.code(), Some(2), "{text}");
    assert!(
        text.contains("sources.shop.isa.fields[0]") && text.contains("special-category"),
        "{text}"
    );
    assert!(
        text.contains("sources.shop.isa.fields[1]") && text.contains("structural"),
        "{text}"
    );
    assert!(
        text.contains("sources.shop.isa.fields[2]") && text.contains("not a schema field"),
        "{text}"
    );
    assert!(
        text.contains("sources.shop.isa.retention.record_days"),
        "{text}"
    );

    // The agreement as written passes, and `isa show` reads it back.
    let dir = tempfile::tempdir().unwrap();
    let gw = gateway(
        dir.path(),
        "http://127.0.0.1:9",
        &format!(
            "{AGREEMENT}retention = {{ raw_payload_days = 31, record_days = 365 }}\n[policy]\nrequire_isa = true\n"
        ),
        "",
    );
    let o = gw.cli(&["check-config"]);
    assert!(o.status.success(), "{}", out(&o));
    let o = gw.cli(&["isa", "show"]);
    let text = out(&o);
    assert!(o.status.success(), "{text}");
    assert!(text.contains("agreement   ISA-AS-2026-002"), "{text}");
    assert!(text.contains("controller  Harbourside BCRP"), "{text}");
    let removed = text
        .lines()
        .find(|l| l.starts_with("  removed before storage"))
        .expect("a removed line");
    assert!(
        removed.contains("persons.name") && removed.contains("persons.description"),
        "{removed}"
    );
    assert!(!removed.contains("location.postcode"), "{removed}");
    assert!(text.contains("raw payloads         31 days"), "{text}");
    assert!(
        text.contains("quarantine entries   kept until erased"),
        "{text}"
    );
}

/// Moves every time in the store `days` into the past, as if that long had
/// passed, re-chaining the audit log (its times are in its hashes).
fn age_store(path: &Path, days: i64) {
    use bcgw::audit::chain::{Content, GENESIS, content_sha256, link_sha256};
    let ms = days * 86_400_000;
    let c = rusqlite::Connection::open(path).expect("the test's files and store are readable");
    c.execute_batch(&format!(
        "UPDATE payloads SET received_at = received_at - {ms}, journaled_at = journaled_at - {ms};
         UPDATE record_versions SET created_at = created_at - {ms};
         UPDATE records SET created_at = created_at - {ms};
         UPDATE quarantine SET created_at = created_at - {ms};
         UPDATE audit SET at = at - {ms};"
    ))
    .expect("the test's files and store are readable");
    type Row = (
        i64,
        i64,
        String,
        String,
        Option<String>,
        String,
        String,
        String,
        String,
    );
    let rows: Vec<Row> = c
        .prepare("SELECT seq, at, operation, actor, isa, reason, records, incidents, detail FROM audit ORDER BY seq")
        .expect("the test's files and store are readable")
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?))
        })
        .expect("the test's files and store are readable")
        .map(Result::unwrap)
        .collect();
    let mut prev = GENESIS.to_string();
    for (seq, at, op, actor, isa, reason, records, incidents, detail) in rows {
        let content = content_sha256(&Content {
            at_ms: at,
            operation: &op,
            actor: &actor,
            isa: isa.as_deref(),
            reason: &reason,
            records: &records,
            incidents: &incidents,
            detail: &detail,
        });
        let hash = link_sha256(seq, &prev, &content);
        c.execute(
            "UPDATE audit SET content_sha256 = ?2, prev_sha256 = ?3, sha256 = ?4 WHERE seq = ?1",
            rusqlite::params![seq, content, prev, hash],
        )
        .expect("the test's files and store are readable");
        prev = hash;
    }
    let last: i64 = c
        .query_row("SELECT MAX(seq) FROM audit", [], |r| r.get(0))
        .expect("the test's files and store are readable");
    c.execute(
        "UPDATE meta SET value = ?1 WHERE key = 'audit_head'",
        [format!("{last}:{prev}")],
    )
    .expect("the test's files and store are readable");
}

#[test]
fn the_daemon_purges_what_has_been_kept_its_time_and_keeps_what_is_still_needed() {
    let dir = tempfile::tempdir().unwrap();
    let mut sim = NicheSim::start(dir.path());
    let retention = "[policy]\nretention_interval_minutes = 60\n[policy.retention]\n\
        raw_payload_days = 30\nrecord_days = 30\nquarantine_days = 30\naudit_days = 30\n";
    let mut gw = gateway(dir.path(), &sim.url(), "", retention);
    gw.env.push(("RUST_LOG".into(), "debug".into()));
    gw.drop_file("export.csv", CSV);
    let (status, _) = gw.run_until_idle(Duration::from_secs(120));
    assert!(status.success());
    assert_eq!(sim.occurrences(), 3);
    // A later report whose delivery cannot be made: still needed.
    sim.kill();
    gw.drop_file(
        "late.csv",
        "Ref,Date,Store,Postcode,Type,Narrative,Suspect,Looks,Ethnicity,DOB\r\n\
         P5,04/10/2026 10:00,Store 5,ZZ9 9QX,Shoplifting,took razors,Ann Other,tall,,\r\n",
    );
    gw.start();
    gw.wait("P5 stored", Duration::from_secs(60), || {
        db(&gw)
            .query_row("SELECT COUNT(*) FROM records", [], |r| r.get::<_, i64>(0))
            .is_ok_and(|n| n == 4)
    });
    gw.terminate(Duration::from_secs(30));
    let entries_before = export(&gw).len();
    age_store(&gw.dir.join("data/bcgw.sqlite"), 40);
    assert!(gw.cli(&["audit", "verify"]).status.success());

    // The daemon's first pass comes soon after start.
    gw.start();
    gw.wait_for_log("retention purged", Duration::from_secs(60));
    gw.terminate(Duration::from_secs(30));

    let c = db(&gw);
    let left: Vec<String> = c
        .prepare("SELECT record_id FROM records")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        left,
        vec![crate::gateway::record_id_of_row_ref("P5")],
        "only the undelivered record stays"
    );
    let versions: i64 = c
        .query_row("SELECT COUNT(*) FROM record_versions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(versions, 1);
    let payloads: Vec<(i64, Option<i64>)> = c
        .prepare("SELECT length(bytes), purged_at FROM payloads ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(payloads.len(), 2);
    assert_eq!(payloads[0].0, 0, "the delivered export's bytes are purged");
    assert!(payloads[0].1.is_some());
    assert!(
        payloads[1].0 > 0 && payloads[1].1.is_none(),
        "the undelivered report's payload stays"
    );
    let quarantine: i64 = c
        .query_row("SELECT COUNT(*) FROM quarantine", [], |r| r.get(0))
        .unwrap();
    assert_eq!(quarantine, 0, "P4's entry is past its time");
    // Old audit entries keep their place and hashes; the chain still verifies.
    let v = gw.cli(&["audit", "verify"]);
    assert!(v.status.success(), "{}", out(&v));
    assert!(
        out(&v).contains(&format!("({entries_before} pruned by retention)")),
        "{}",
        out(&v)
    );
    let entries = export(&gw);
    let purges: Vec<_> = of(&entries, "erasure")
        .into_iter()
        .filter(|e| e["actor"] == "retention")
        .collect();
    let count = |class: &str| -> u64 {
        purges
            .iter()
            .filter(|e| e["detail"]["class"] == class)
            .map(|e| e["detail"]["count"].as_u64().unwrap())
            .sum()
    };
    assert_eq!(count("records"), 3);
    assert_eq!(count("raw payloads"), 1);
    assert_eq!(count("quarantine entries"), 1);
    assert_eq!(count("audit entries"), entries_before as u64);
    assert_logs_hold_nobody(&gw);
}

#[test]
fn subject_access_finds_one_person_and_erasure_removes_them_and_lists_what_niche_holds() {
    let dir = tempfile::tempdir().unwrap();
    let sim = NicheSim::start(dir.path());
    let mut gw = gateway(dir.path(), &sim.url(), "", "");
    gw.drop_file("export.csv", CSV);
    let (status, _) = gw.run_until_idle(Duration::from_secs(120));
    assert!(status.success());
    assert_eq!(sim.occurrences(), 3);
    let p1 = crate::gateway::record_id_of_row_ref("P1");

    // The name in another order and case, with P1's date of birth in another
    // form: P2 (same name, another date of birth) is someone else.
    let bundle = dir.path().join("sar.json");
    let o = gw.cli(&[
        "sar",
        "--name",
        "QUARTERMAINE, zebulon",
        "--dob",
        "01/02/1990",
        "--reason",
        "SAR-2026-17",
        "--operator",
        "dpo-test",
        "--out",
        bundle.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", out(&o));
    let b: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&bundle).unwrap()).unwrap();
    let records = b["records"].as_array().unwrap();
    assert_eq!(records.len(), 1, "{b:#}");
    assert_eq!(records[0]["record_id"], p1.as_str());
    assert_eq!(records[0]["matched_on"], "name-and-dob");
    assert!(
        records[0]["versions"][0]
            .to_string()
            .contains("kestrel tattoo")
    );
    let extracts = b["payload_extracts"].as_array().unwrap();
    assert_eq!(extracts.len(), 1);
    let lines = extracts[0]["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 1, "only P1's line: {lines:?}");
    assert!(lines[0][1].as_str().unwrap().starts_with("P1,"));
    assert_eq!(
        extracts[0]["name_only_lines"], 1,
        "P2's line has the name only"
    );
    assert!(
        !b.to_string().contains("grey hoodie"),
        "P2's data is not disclosed"
    );
    let deliveries = b["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0]["state"], "delivered");
    let reference = deliveries[0]["reference"].as_str().unwrap().to_string();

    // Without --yes, erase only says what it would do.
    let o = gw.cli(&[
        "erase",
        "--name",
        "Zebulon Quartermaine",
        "--dob",
        "1990-02-01",
        "--reason",
        "ER-2026-3",
    ]);
    assert!(o.status.success());
    assert!(out(&o).contains("would erase 1 record(s)"), "{}", out(&o));
    let count = |sql: &str| db(&gw).query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
    assert_eq!(count("SELECT COUNT(*) FROM records"), 3);

    let report = dir.path().join("erased.json");
    let o = gw.cli(&[
        "erase",
        "--name",
        "Zebulon Quartermaine",
        "--dob",
        "1990-02-01",
        "--reason",
        "ER-2026-3",
        "--yes",
        "--report",
        report.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", out(&o));
    assert!(
        out(&o).contains(&reference),
        "the Niche reference is listed: {}",
        out(&o)
    );
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(r["records"], serde_json::json!([p1]));
    assert_eq!(r["already_delivered"][0]["reference"], reference.as_str());
    assert_eq!(count("SELECT COUNT(*) FROM records"), 2);
    assert_eq!(
        count(&format!(
            "SELECT COUNT(*) FROM record_versions WHERE record_id = '{p1}'"
        )),
        0
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM payloads WHERE length(bytes) = 0 AND purged_at IS NOT NULL"),
        1
    );
    let stored: String = db(&gw)
        .query_row(
            "SELECT group_concat(record) FROM record_versions",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(!stored.contains("kestrel tattoo"));
    assert!(
        stored.contains("grey hoodie"),
        "the other Zebulon Quartermaine stays"
    );

    // Found no more; every step is in the log, which still verifies.
    let o = gw.cli(&[
        "sar",
        "--name",
        "Zebulon Quartermaine",
        "--dob",
        "1990-02-01",
        "--reason",
        "SAR-2026-18",
        "--out",
        bundle.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    let b: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&bundle).unwrap()).unwrap();
    assert_eq!(b["records"].as_array().unwrap().len(), 0);
    let entries = export(&gw);
    let erasures = of(&entries, "erasure");
    assert_eq!(erasures.len(), 1);
    assert_eq!(erasures[0]["records"], serde_json::json!([p1]));
    assert_eq!(erasures[0]["reason"], "erasure: ER-2026-3");
    let looks = of(&entries, "consultation");
    assert_eq!(
        looks.len(),
        3,
        "two subject access requests and the preview"
    );
    assert_eq!(looks[0]["actor"], "operator:dpo-test");
    assert!(!serde_json::to_string(&entries).unwrap().contains("Zebulon"));
    assert!(gw.cli(&["audit", "verify"]).status.success());
}
