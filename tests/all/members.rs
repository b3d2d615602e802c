//! Member registers through the running daemon: radio alerts over a real
//! Mosquitto (MQTT 5, the sender's radio as a user property, lines in several
//! conventions) and BCRP rows with DISC ids are resolved to members; linking
//! compares members and never links across towns; Niche gets the member; what no
//! member fits is listed; a reload reads the registers again.

use crate::gateway::{Gateway, niche_sink_toml, store_toml};
use crate::mosquitto::Mosquitto;
use crate::niche::NicheSim;
use bcgw_test_artifacts::{CSV_MAPPED, SHOPNET_TEXT};
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

const MANCHESTER: &str = "\
member_id,trading_name,branch,aliases,address,postcode,town,radio_ids,bcrp_ids
MS-1,Tesco Express,Oldham Street,TESCO OLDHAM ST,12 Oldham Street,M1 1JQ,Manchester,R-101,DISC-1
MS-2,Tesco Express,Market Street,TESCO MKT ST,40 Market Street,M1 1PT,Manchester,R-140,DISC-2
MS-3,Boots,Market Street,BOOTS MKT ST,34 Market Street,M1 1WT,Manchester,R-150,DISC-3
";

const BOLTON: &str = "\
member_id,trading_name,branch,aliases,address,postcode,town,radio_ids,bcrp_ids
BL-5,Tesco Express,Deansgate,TESCO,99 Deansgate,BL1 1AA,Bolton,R-500,DISC-5
";

/// A gateway with an MQTT radio source (shopnet-text, dated by the bridge's
/// `sent-at`, town from the topic) and a BCRP CSV folder source, both resolved
/// against the Manchester and Bolton registers.
fn gateway(dir: &Path, broker: u16, niche: &str) -> Gateway {
    std::fs::write(dir.join("manchester.csv"), MANCHESTER).expect("write register");
    std::fs::write(dir.join("bolton.csv"), BOLTON).expect("write register");
    let drop = dir.join("drop-bcrp");
    std::fs::create_dir_all(&drop).expect("drop folder");
    let config = format!(
        r#"{common}
[members.manchester]
file = {m:?}
[members.bolton]
file = {b:?}

[sources.radio]
kind = "mqtt"
plugin = {shopnet:?}
channel = "radio"
[sources.radio.plugin_config]
town_from_topic = "shopnet/{{town}}/alerts"
date_from = "mqtt-property:sent-at"
[sources.radio.mqtt]
host = "127.0.0.1"
port = {broker}
protocol = "5"
topics = ["shopnet/+/alerts"]
client_id = "bcgw-test-members"

[sources.bcrp]
kind = "csv-folder"
plugin = {csv:?}
channel = "bcrp"
members = ["manchester", "bolton"]
[sources.bcrp.plugin_config]
source_system = "disc"
report_kind = "crime-report"
timezone = "Europe/London"
date_formats = ["%Y-%m-%d %H:%M"]
required = ["Ref"]
[sources.bcrp.plugin_config.columns]
"Ref" = "source_record_id"
"When" = "occurred_at"
"Premises" = "premises_name"
"Member" = "store_id"
"Postcode" = "postcode"
"Offence" = "category"
"Offender" = "suspect.description"
"Note" = "narrative"
[sources.bcrp.plugin_config.categories]
"Shoplifting" = "theft-from-shop"
[sources.bcrp.csv_folder]
path = {drop:?}
completion = "rename"
poll_interval_ms = 50
{sink}"#,
        common = store_toml(dir),
        m = dir.join("manchester.csv"),
        b = dir.join("bolton.csv"),
        shopnet = SHOPNET_TEXT,
        csv = CSV_MAPPED,
        sink = niche_sink_toml(niche),
    );
    Gateway::with_config(dir, &config)
}

/// Publishes one alert line at QoS 1, MQTT 5, with `sent-at` and, if given,
/// the sending radio.
fn publish(port: u16, town: &str, sent_at: &str, radio: Option<&str>, line: &str) {
    let mut cmd = std::process::Command::new("mosquitto_pub");
    cmd.args(["-p", &port.to_string(), "-q", "1", "-V", "mqttv5"])
        .args(["-t", &format!("shopnet/{town}/alerts"), "-m", line])
        .args(["-D", "publish", "user-property", "sent-at", sent_at]);
    if let Some(r) = radio {
        cmd.args(["-D", "publish", "user-property", "radio-id", r]);
    }
    assert!(cmd.status().expect("mosquitto_pub runs").success());
}

/// Each active occurrence: the narratives of its reports (the tests' markers)
/// and the member its submission names.
fn occurrences(sim: &NicheSim) -> BTreeSet<(BTreeSet<String>, Option<String>)> {
    let list = sim
        .request("GET", "/submissions?status=active&bodies=1", "")
        .expect("simulator lists submissions");
    list["submissions"]
        .as_array()
        .expect("submissions")
        .iter()
        .map(|s| {
            let body = s["body"].as_str().unwrap_or_default();
            let marks = body
                .split("<Text>")
                .skip(1)
                .filter_map(|rest| rest.split("</Text>").next())
                .filter_map(|t| t.split_whitespace().find(|w| w.starts_with("mark-")))
                .map(str::to_string)
                .collect();
            let member = body
                .split("memberRef=\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .map(str::to_string);
            (marks, member)
        })
        .collect()
}

fn marks(m: &[&str]) -> BTreeSet<String> {
    m.iter().map(|s| s.to_string()).collect()
}

#[test]
fn registers_place_reports_and_linking_compares_members_not_spellings() {
    let dir = tempfile::tempdir().unwrap();
    let broker = Mosquitto::start(dir.path());
    let sim = NicheSim::start(dir.path());
    let mut gw = gateway(dir.path(), broker.port, &sim.url());
    gw.start();
    gw.wait_for_log("mqtt connected", Duration::from_secs(30));
    std::thread::sleep(Duration::from_millis(300));
    // Three conventions of alert line. The first names only the chain: its
    // radio says which Tesco. The second is the same chain at the same minute
    // in another town. The fourth cannot be read and is refused with a reason.
    publish(
        broker.port,
        "manchester",
        "2026-11-10T14:04:00Z",
        Some("R-101"),
        "ALERT 14:03 TESCO SL IN PROGRESS M 30S BLU JKT :: mark-r1",
    );
    publish(
        broker.port,
        "bolton",
        "2026-11-10T14:04:10Z",
        None,
        "[14:03] TESCO: TFS IN PROG, M 30S BLU JKT :: mark-r2",
    );
    publish(
        broker.port,
        "manchester",
        "2026-11-10T14:31:00Z",
        None,
        "ALERT 14:30 BOOTS MKT ST F 20S RED COAT THEFT :: mark-r3",
    );
    publish(
        broker.port,
        "manchester",
        "2026-11-10T14:41:00Z",
        None,
        "ALERT 14:40",
    );
    drop_csv(
        dir.path(),
        "Ref,When,Premises,Member,Postcode,Offence,Offender,Note\n\
         BC-1,2026-11-10 14:00,Tesco Express,DISC-1,,Shoplifting,\"Male 30s, blue jacket\",mark-b1\n\
         BC-3,2026-11-10 14:28,Boots,,M1 1WT,Shoplifting,\"Woman, 20s, red coat\",mark-b3\n\
         BC-9,2026-11-10 16:00,Corner Shop,,,Shoplifting,\"Male 50s\",mark-b9\n",
    );
    let want: BTreeSet<(BTreeSet<String>, Option<String>)> = [
        (
            marks(&["mark-r1", "mark-b1"]),
            Some("manchester/MS-1".to_string()),
        ),
        (marks(&["mark-r2"]), Some("bolton/BL-5".to_string())),
        (
            marks(&["mark-r3", "mark-b3"]),
            Some("manchester/MS-3".to_string()),
        ),
        (marks(&["mark-b9"]), None),
    ]
    .into_iter()
    .collect();
    gw.wait("the occurrences", Duration::from_secs(60), || {
        let got = occurrences(&sim);
        if got != want {
            eprintln!("simulator holds {got:?}");
        }
        got == want
    });
    // The unreadable line is quarantined with its reason.
    let q = gw.cli(&["quarantine", "list"]);
    let listed = String::from_utf8_lossy(&q.stdout);
    assert!(listed.contains("radio"), "{listed}");
    // What no member fits, for the scheme manager.
    let u = gw.cli(&["members", "unresolved", "--json"]);
    let out = String::from_utf8_lossy(&u.stdout);
    assert!(out.contains("\"premises\":\"Corner Shop\""), "{out}");
    assert!(!out.contains("TESCO"), "the alerts all resolved: {out}");
    // And on /metrics-style counts in status.
    let status = gw.cli(&["status"]);
    let s = String::from_utf8_lossy(&status.stdout);
    assert!(s.contains("premises resolved:         5 of 6"), "{s}");
}

fn drop_csv(dir: &Path, text: &str) {
    let tmp = dir.join(".bcrp.csv.tmp");
    std::fs::write(&tmp, text).expect("write export");
    std::fs::rename(&tmp, dir.join("drop-bcrp/bcrp.csv")).expect("drop export");
}

/// `SIGHUP` (`bcgw reload`) reads the registers again: an alias added to the
/// register places the next alert, the earlier one stays as it was resolved.
#[test]
fn a_reload_reads_the_registers_again() {
    let dir = tempfile::tempdir().unwrap();
    let broker = Mosquitto::start(dir.path());
    let sim = NicheSim::start(dir.path());
    let mut gw = gateway(dir.path(), broker.port, &sim.url());
    gw.start();
    gw.wait_for_log("mqtt connected", Duration::from_secs(30));
    std::thread::sleep(Duration::from_millis(300));
    let methods = |gw: &Gateway| -> Vec<String> {
        let db = gw.dir.join("data/bcgw.sqlite");
        rusqlite::Connection::open(db)
            .and_then(|c| {
                c.prepare("SELECT premises_method FROM records ORDER BY rowid")?
                    .query_map([], |r| r.get::<_, String>(0))?
                    .collect()
            })
            .unwrap_or_default()
    };
    publish(
        broker.port,
        "manchester",
        "2026-11-10T10:01:00Z",
        None,
        "ALERT 10:00 TESCO NQ M 30S BLU JKT THEFT :: mark-1",
    );
    gw.wait("the first alert stored", Duration::from_secs(30), || {
        methods(&gw).len() == 1
    });
    let register = MANCHESTER.replace("TESCO OLDHAM ST,", "TESCO OLDHAM ST;TESCO NQ,");
    std::fs::write(dir.path().join("manchester.csv"), register).unwrap();
    let reload = gw.cli(&["reload"]);
    assert!(reload.status.success(), "{reload:?}");
    gw.wait_for_log("plugins reloaded", Duration::from_secs(30));
    publish(
        broker.port,
        "manchester",
        "2026-11-10T11:01:00Z",
        None,
        "ALERT 11:00 TESCO NQ M 30S BLU JKT THEFT :: mark-2",
    );
    gw.wait("the second alert stored", Duration::from_secs(30), || {
        methods(&gw).len() == 2
    });
    let m = methods(&gw);
    assert_ne!(m[0], "alias", "{m:?}");
    assert_eq!(m[1], "alias", "{m:?}");
}
