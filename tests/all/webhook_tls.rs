//! The API listener over TLS: certificate and key files from config.

use crate::admin::free_port;
use crate::gateway::csv_rows;
use crate::helpers::wait_for;
use crate::niche::NicheSim;
use crate::webhook::{TOKEN, post_csv, webhook_gateway};
use std::path::Path;
use std::time::Duration;

/// A test CA and a server certificate for 127.0.0.1 it signed, made with the
/// openssl CLI: (CA certificate, server certificate, server key).
fn certificates(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let run = |args: &[&str]| {
        let status = std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .stderr(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .status()
            .expect("openssl runs (scripts/test installs it)");
        assert!(status.success(), "openssl {args:?}");
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    run(&[
        &["req", "-x509"][..],
        &ec,
        &[
            "-days",
            "2",
            "-subj",
            "/CN=bcgw test CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
        ],
    ]
    .concat());
    run(&[
        &["req"][..],
        &ec,
        &[
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            "key.pem",
            "-out",
            "server.csr",
        ],
    ]
    .concat());
    std::fs::write(
        dir.join("ext.cnf"),
        "basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
    )
    .expect("ext");
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
        "-out",
        "cert.pem",
    ]);
    (
        dir.join("ca.pem"),
        dir.join("cert.pem"),
        dir.join("key.pem"),
    )
}

#[test]
fn over_tls_a_platform_gets_its_202_and_plain_http_gets_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let sim = NicheSim::start(dir.path());
    let port = free_port();
    let (ca, cert, key) = certificates(dir.path());
    let gw = webhook_gateway(dir.path(), &sim.url(), port, "");
    let config = std::fs::read_to_string(&gw.config).unwrap().replace(
        "max_body_bytes = 200000",
        &format!("max_body_bytes = 200000\ntls = {{ cert_file = {cert:?}, key_file = {key:?} }}"),
    );
    std::fs::write(&gw.config, config).unwrap();
    let mut gw = gw;
    gw.start();
    let pem = std::fs::read(&ca).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .no_proxy()
        .build()
        .unwrap();
    let url = format!("https://127.0.0.1:{port}/sources/shop");
    let answer = wait_for("the TLS listener", Duration::from_secs(60), || {
        rt.block_on(
            client
                .post(&url)
                .bearer_auth(TOKEN)
                .header("content-type", "text/csv")
                .body(csv_rows(0, 2))
                .send(),
        )
        .ok()
    });
    assert_eq!(answer.status().as_u16(), 202);
    // Plain HTTP on the TLS port is not answered as HTTP.
    let plain = post_csv(port, &csv_rows(2, 3));
    assert!(
        plain.is_err() || plain.as_ref().is_ok_and(|r| r.status != 202),
        "{plain:?}"
    );
    wait_for("delivered", Duration::from_secs(60), || {
        (sim.occurrences() == 2).then_some(())
    });
    // A key that does not match is refused before start, by key.
    let other = dir.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    let (_, other_cert, _) = certificates(&other);
    let bad = std::fs::read_to_string(&gw.config)
        .unwrap()
        .replace(&format!("{cert:?}"), &format!("{other_cert:?}"));
    std::fs::write(&gw.config, bad).unwrap();
    let check = std::process::Command::new(env!("CARGO_BIN_EXE_bcgw"))
        .args(["check-config"])
        .arg(&gw.config)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&check.stdout).to_string()
        + &String::from_utf8_lossy(&check.stderr);
    assert!(!check.status.success());
    assert!(text.contains("http.tls"), "{text}");
}
