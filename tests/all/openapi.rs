//! `docs/openapi.json` against the running server: every documented operation and
//! status is provoked, and every answer has the documented media type, headers and
//! body schema; every answer the server gives in these cases is documented.

use crate::admin::free_port;
use crate::gateway::csv_rows;
use crate::helpers::{wait_for, workspace};
use crate::http_client::{Response, request};
use crate::niche::NicheSim;
use crate::webhook::{TOKEN, post_csv, webhook_gateway};
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::Duration;

/// Documented statuses no test here provokes, and why.
const NOT_PROVOKED: &[(&str, &str, u16, &str)] = &[
    (
        "/sources/{source}",
        "post",
        408,
        "needs a client silent for 30 s mid-body",
    ),
    (
        "/sources/{source}/receipts/{receipt}",
        "get",
        503,
        "needs the store's read connection to fail",
    ),
];

/// Checks `value` against a JSON Schema subset (the one the document uses).
fn conforms(doc: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let target = doc
            .pointer(r.trim_start_matches('#'))
            .ok_or(format!("{at}: no {r}"))?;
        return conforms(doc, target, value, at);
    }
    if let Some(t) = schema.get("type").and_then(Value::as_str) {
        let ok = match t {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            _ => false,
        };
        if !ok {
            return Err(format!("{at}: {value} is not {t}"));
        }
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array)
        && !options.contains(value)
    {
        return Err(format!("{at}: {value} not in {options:?}"));
    }
    if let (Some(min), Some(n)) = (
        schema.get("minimum").and_then(Value::as_i64),
        value.as_i64(),
    ) && n < min
    {
        return Err(format!("{at}: {n} < {min}"));
    }
    if let Some(obj) = value.as_object() {
        let props = schema.get("properties").and_then(Value::as_object);
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = name.as_str().unwrap_or_default();
            if !obj.contains_key(name) {
                return Err(format!("{at}: missing {name}"));
            }
        }
        for (k, v) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(s) => conforms(doc, s, v, &format!("{at}.{k}"))?,
                None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    return Err(format!("{at}: undocumented member {k}"));
                }
                None => {}
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), value.as_array()) {
        for (i, v) in arr.iter().enumerate() {
            conforms(doc, items, v, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

/// Checks one answer against the document's entry for it.
fn check(doc: &Value, path: &str, method: &str, r: &Response) {
    let entry = &doc["paths"][path][method]["responses"][r.status.to_string()];
    assert!(
        entry.is_object(),
        "{method} {path} answered {} which is not documented: {r:?}",
        r.status
    );
    let content_type = r
        .header("content-type")
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_string();
    let schema = entry["content"].get(&content_type).unwrap_or_else(|| {
        panic!(
            "{method} {path} {}: media type {content_type:?} not documented",
            r.status
        )
    });
    let body: Value = serde_json::from_slice(&r.body)
        .unwrap_or_else(|e| panic!("{method} {path} {}: not JSON: {e}", r.status));
    if let Err(e) = conforms(doc, &schema["schema"], &body, "body") {
        panic!("{method} {path} {}: {e}\n{body}", r.status);
    }
    for header in entry["headers"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(h, _)| h.to_ascii_lowercase())
    {
        assert!(
            r.header(&header).is_some(),
            "{method} {path} {}: no {header} header",
            r.status
        );
    }
}

#[test]
fn every_documented_status_is_what_the_server_answers() {
    let dir = tempfile::tempdir().unwrap();
    let sim = NicheSim::start(dir.path());
    let port = free_port();
    let mut gw = webhook_gateway(
        dir.path(),
        &sim.url(),
        port,
        "rate_limit = { per_second = 0.1, burst = 30 }",
    );
    gw.env.push(("BCGW__STORE__MAX_SIZE_MB".into(), "1".into()));
    gw.start();
    let served = wait_for("the API", Duration::from_secs(60), || {
        request(port, "GET", "/openapi.json", &[], b"").ok()
    });
    let doc: Value =
        serde_json::from_slice(&std::fs::read(workspace().join("docs/openapi.json")).unwrap())
            .unwrap();
    assert_eq!(
        served.json(),
        doc,
        "the served document is the one in the repository"
    );

    let bearer = format!("Bearer {TOKEN}");
    let auth = [
        ("authorization", bearer.as_str()),
        ("content-type", "text/csv"),
    ];
    let submit = "/sources/{source}";
    let receipt = "/sources/{source}/receipts/{receipt}";
    let mut seen: BTreeSet<(String, String, u16)> = BTreeSet::new();
    let mut case = |path: &str, method: &str, r: Response| {
        check(&doc, path, method, &r);
        seen.insert((path.to_string(), method.to_string(), r.status));
        r
    };
    case("/openapi.json", "get", served);
    case(
        "/openapi.json",
        "get",
        request(port, "POST", "/openapi.json", &[], b"").unwrap(),
    );
    let accepted = case(submit, "post", post_csv(port, &csv_rows(0, 3)).unwrap());
    case(submit, "post", post_csv(port, &csv_rows(0, 3)).unwrap());
    case(
        submit,
        "post",
        request(
            port,
            "POST",
            "/sources/shop",
            &[
                ("content-type", "application/json"),
                ("authorization", &bearer),
            ],
            b"{oops",
        )
        .unwrap(),
    );
    case(
        submit,
        "post",
        request(
            port,
            "POST",
            "/sources/shop",
            &[("content-type", "text/csv")],
            b"x",
        )
        .unwrap(),
    );
    case(
        submit,
        "post",
        request(
            port,
            "POST",
            "/sources/shop",
            &[
                ("content-type", "text/csv"),
                ("authorization", "Bearer wrong-token-wrong-token"),
            ],
            b"x",
        )
        .unwrap(),
    );
    case(
        submit,
        "post",
        request(port, "POST", "/sources/nobody", &auth, b"x").unwrap(),
    );
    case(
        submit,
        "post",
        request(port, "PUT", "/sources/shop", &auth, b"x").unwrap(),
    );
    case(
        submit,
        "post",
        request(port, "POST", "/sources/shop", &auth, &vec![b'x'; 200_001]).unwrap(),
    );
    case(
        submit,
        "post",
        request(
            port,
            "POST",
            "/sources/shop",
            &[("authorization", &bearer), ("content-type", "image/png")],
            b"x",
        )
        .unwrap(),
    );
    let url = accepted.json()["receipt_url"].as_str().unwrap().to_string();
    let translated = wait_for("translated", Duration::from_secs(60), || {
        let r = request(port, "GET", &url, &[("authorization", &bearer)], b"").ok()?;
        (r.json()["state"] == "translated").then_some(r)
    });
    case(receipt, "get", translated);
    case(
        receipt,
        "get",
        request(port, "GET", &url, &[], b"").unwrap(),
    );
    case(
        receipt,
        "get",
        request(
            port,
            "GET",
            &url,
            &[("authorization", "Bearer wrong-token-wrong-token")],
            b"",
        )
        .unwrap(),
    );
    case(
        receipt,
        "get",
        request(
            port,
            "GET",
            "/sources/shop/receipts/424242",
            &[("authorization", &bearer)],
            b"",
        )
        .unwrap(),
    );
    case(
        receipt,
        "get",
        request(port, "POST", &url, &[("authorization", &bearer)], b"").unwrap(),
    );
    // The journal full (a 1 MiB store), then the rate limit (a burst of 30).
    let mut full = None;
    let mut limited = None;
    for i in 0..60 {
        let r = post_csv(port, &csv_rows(1_000 + i * 2_500, 3_500 + i * 2_500)).unwrap();
        match r.status {
            503 if full.is_none() => full = Some(r),
            429 => {
                limited = Some(r);
                break;
            }
            _ => {}
        }
    }
    case(submit, "post", limited.expect("a 429"));
    case(submit, "post", full.expect("a 503"));

    let documented: BTreeSet<(String, String, u16)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .iter()
                .filter(|(m, _)| *m != "parameters")
                .flat_map(move |(method, op)| {
                    op["responses"]
                        .as_object()
                        .unwrap()
                        .keys()
                        .map(move |s| (path.clone(), method.clone(), s.parse().unwrap()))
                })
        })
        .collect();
    let untested: Vec<_> = documented
        .difference(&seen)
        .filter(|(p, m, s)| {
            !NOT_PROVOKED
                .iter()
                .any(|(np, nm, ns, _)| np == p && nm == m && ns == s)
        })
        .collect();
    assert!(
        untested.is_empty(),
        "documented but never seen: {untested:?}"
    );
}
