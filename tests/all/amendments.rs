//! Amended reports end to end: the same report id with new content becomes a new
//! version, and the Niche occurrence already made is updated — once.

use crate::admin::{free_port, sample};
use crate::gateway::record_id_of_row;
use crate::helpers::wait_for;
use crate::http_client::request;
use crate::niche::NicheSim;
use crate::webhook::{TOKEN, post_csv, webhook_gateway};
use std::time::Duration;

const HEADER: &str = "Ref,Date,Store,Postcode,Type,Narrative\r\n";

fn row(id: &str, narrative: &str) -> String {
    format!("{id},03/10/2026 14:05,Store 7,BS1 3XE,Shoplifting,\"{narrative}\"\r\n")
}

fn occurrence(sim: &NicheSim, reference: &str) -> serde_json::Value {
    let encoded = reference.replace('/', "%2F");
    sim.request("GET", &format!("/submissions/{encoded}"), "")
        .expect("the simulator holds the occurrence")
}

#[test]
fn an_amended_report_updates_its_occurrence_once() {
    let dir = tempfile::tempdir().unwrap();
    let sim = NicheSim::start(dir.path());
    let port = free_port();
    let mut gw = webhook_gateway(dir.path(), &sim.url(), port, "");
    // One listener for the API and the admin routes.
    let config = std::fs::read_to_string(&gw.config).unwrap()
        + &format!("\n[admin]\nlisten = \"127.0.0.1:{port}\"\n");
    std::fs::write(&gw.config, config).unwrap();
    gw.start();
    wait_for("the listener", Duration::from_secs(60), || {
        request(port, "GET", "/healthz", &[], b"").ok()
    });
    let id = record_id_of_row(1);

    assert_eq!(
        post_csv(port, &format!("{HEADER}{}", row("R1", "took two bottles")))
            .unwrap()
            .status,
        202
    );
    let reference = wait_for("the occurrence", Duration::from_secs(60), || {
        let held = sim.request("GET", "/submissions", "")?;
        held["submissions"]
            .as_array()?
            .iter()
            .find(|s| s["idempotency_key"] == id.as_str())?["occurrence_reference"]
            .as_str()
            .map(str::to_owned)
    });

    // The platform amends the report: same id, new narrative.
    let amended = post_csv(
        port,
        &format!(
            "{HEADER}{}",
            row("R1", "took three bottles, staff threatened")
        ),
    )
    .unwrap();
    assert_eq!(amended.status, 202, "{amended:?}");
    let occ = wait_for("the update", Duration::from_secs(60), || {
        let occ = occurrence(&sim, &reference);
        (occ["version"] == 2).then_some(occ)
    });
    let versions = occ["versions"].as_array().unwrap();
    assert!(
        versions[0]["body"]
            .as_str()
            .unwrap()
            .contains("took two bottles")
    );
    assert!(
        versions[1]["body"]
            .as_str()
            .unwrap()
            .contains("staff threatened")
    );
    assert_eq!(versions[1]["idempotency_key"], format!("{id}:r1"));
    let bearer = format!("Bearer {TOKEN}");
    let receipt = request(
        port,
        "GET",
        amended.json()["receipt_url"].as_str().unwrap(),
        &[("authorization", &bearer)],
        b"",
    )
    .unwrap()
    .json();
    assert_eq!(receipt["records"][0]["outcome"], "amended", "{receipt}");
    assert_eq!(receipt["records"][0]["version"], 2, "{receipt}");
    assert_eq!(
        receipt["records"][0]["deliveries"][0]["reference"],
        reference.as_str()
    );

    // The same amendment again, in another body beside a new report: a repeat.
    let again = format!(
        "{HEADER}{}{}",
        row("R1", "took three bottles, staff threatened"),
        row("R2", "new one")
    );
    assert_eq!(post_csv(port, &again).unwrap().status, 202);
    wait_for("R2 delivered", Duration::from_secs(60), || {
        (sim.occurrences() == 2).then_some(())
    });
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        occurrence(&sim, &reference)["version"],
        2,
        "no second update"
    );
    assert_eq!(sim.stats()["updated"], 1);
    assert_eq!(sim.occurrences(), 2);

    let page = request(port, "GET", "/metrics", &[], b"").unwrap();
    let page = String::from_utf8_lossy(&page.body).to_string();
    assert_eq!(
        sample(&page, "bcgw_records_amended_total"),
        Some(1),
        "{page}"
    );
    assert_eq!(
        sample(&page, "bcgw_records_duplicate_total"),
        Some(1),
        "{page}"
    );
    assert_eq!(
        sample(&page, "bcgw_deliveries_updated_total{sink=\"niche\"}"),
        Some(1),
        "{page}"
    );
    gw.terminate(Duration::from_secs(20));
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_bcgw"))
        .args(["status"])
        .arg(&gw.config)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(text.contains("amended reports:           1"), "{text}");
    assert!(text.contains("updates sent to niche:"), "{text}");
}

mod store_level {
    use bcgw::store::sqlite::SqliteStore;
    use bcgw::store::{LinkBatch, LinkDecision, Store, TranslationOutcome};
    use bcgw_sdk::schema::{Envelope, Report, SourceRecord};
    use chrono::{DateTime, Duration as Span, Utc};

    fn record(narrative: &str, received_at: DateTime<Utc>) -> SourceRecord {
        let mut report = Report {
            source_system: "disc".into(),
            source_record_id: Some("DISC-1".into()),
            ..Default::default()
        };
        report.event.narrative = Some(narrative.into());
        SourceRecord {
            envelope: Envelope {
                record_id: "rec-disc-1".into(),
                source: "disc".into(),
                received_at,
                raw_sha256: "00".repeat(32),
                schema_version: "1".into(),
                isa: None,
                plugin: "test@1".into(),
                premises: None,
            },
            report,
        }
    }

    fn payload(store: &SqliteStore, tag: &str, received_at: DateTime<Utc>) -> i64 {
        crate::helpers::journal_one(
            store,
            "disc",
            "application/json",
            tag.as_bytes(),
            received_at,
        )
    }

    fn commit(
        store: &SqliteStore,
        payload_id: i64,
        r: SourceRecord,
    ) -> (usize, usize, usize, usize) {
        let s = store
            .complete_translation(TranslationOutcome {
                payload_id,
                records: vec![bcgw::store::TranslatedRecord::new(r).expect("encodes")],
                quarantined: vec![],
                sinks: vec!["niche".into()],
                audit: Default::default(),
            })
            .expect("committed");
        link_new(store);
        (s.new_records, s.amended, s.superseded, s.duplicates)
    }

    /// What the link stage does for records with nothing to link to: each starts
    /// its own incident, queued for the sink.
    fn link_new(store: &SqliteStore) {
        let decisions = store
            .unlinked_records(0, 100)
            .expect("unlinked records")
            .into_iter()
            .map(|r| LinkDecision {
                record_id: r.record.envelope.record_id.clone(),
                incident_id: r.record.envelope.record_id.clone(),
                new_incident: true,
                merged: vec![],
                linked_to: None,
                score: None,
                explanation: None,
                review: None,
                occurred_at: None,
                journaled_at: r.journaled_at,
                deliver_after: Utc::now(),
            })
            .collect();
        store
            .commit_links(LinkBatch {
                generation: store.link_generation().expect("generation"),
                sinks: vec!["niche".into()],
                decisions,
                anchor: None,
            })
            .expect("links committed");
    }

    #[test]
    fn a_version_received_before_the_current_one_never_replaces_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::helpers::open_store(&dir.path().join("bcgw.sqlite"));
        let t = Utc::now();
        // The first version's payload failed translation and is replayed only after
        // the platform's correction came in.
        let early = payload(&store, "version A", t);
        let late = payload(&store, "version B", t + Span::seconds(60));
        assert_eq!(
            commit(&store, late, record("B", t + Span::seconds(60))),
            (1, 0, 0, 0)
        );
        assert_eq!(commit(&store, early, record("A", t)), (0, 0, 1, 0));
        let receipt = store.receipt("disc", early).unwrap().unwrap();
        assert_eq!(receipt.records[0].outcome, "superseded");
        // B is still what Niche gets, and no update is queued for A.
        let due = store
            .due_deliveries("niche", None, Utc::now(), 10, &[])
            .unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].revision, 0);
        assert_eq!(
            due[0].records[0].report.event.narrative.as_deref(),
            Some("B")
        );
        // A newer correction is an amendment, numbered after the kept history.
        let newer = payload(&store, "version C", t + Span::seconds(120));
        assert_eq!(
            commit(&store, newer, record("C", t + Span::seconds(120))),
            (0, 1, 0, 0)
        );
        let receipt = store.receipt("disc", newer).unwrap().unwrap();
        assert_eq!(
            (receipt.records[0].outcome, receipt.records[0].version),
            ("amended", Some(3))
        );
        let stats = store.stats().unwrap();
        assert_eq!(stats.amended_records, 1);
    }
}
