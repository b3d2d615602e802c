//! A first bcgw plugin: every non-blank line of radio text becomes an alert.
//! This is the walk-through in the README; build it with
//! `cargo build --target wasm32-wasip2 --profile plugin -p bcgw-example-first-plugin`.

use bcgw_sdk::prelude::*;

/// Turns lines of ShopNet radio text into alerts.
pub struct RadioLines;

impl Adapter for RadioLines {
    type Config = NoConfig;

    fn describe() -> PluginInfo {
        PluginInfo {
            name: "radio-lines".into(),
            version: "0.1.0".into(),
            ..Default::default()
        }
    }

    fn translate(payload: Payload, _: NoConfig) -> Result<Translation, AdapterError> {
        let text = String::from_utf8(payload.bytes)
            .map_err(|_| AdapterError::Malformed("not UTF-8".into()))?;
        let reports = text
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| {
                let mut report = Report {
                    source_system: "shopnet-radio".into(),
                    ..Default::default()
                };
                report.event.kind = ReportKind::Alert;
                report.event.narrative = Some(line.trim().to_string());
                report
            });
        Ok(Translation {
            reports: reports.collect(),
            rejects: vec![],
        })
    }
}

bcgw_sdk::export_adapter!(RadioLines);

#[cfg(test)]
mod tests {
    use super::RadioLines;
    use bcgw_sdk::harness::Harness;
    use bcgw_sdk::prelude::*;

    #[test]
    fn each_line_is_an_alert() {
        let text = b"ALERT 14:03 BOOTS BROADMEAD M 30S BLUE HOODIE THEFT\n\nALERT 14:09 TK MAXX F 20S GREY TRK\n";
        let out = Harness::new()
            .translate::<RadioLines>(text, "text/plain")
            .unwrap();
        out.assert_valid();
        assert_eq!(out.reports.len(), 2);
        assert_eq!(out.reports[1].event.kind, ReportKind::Alert);
        assert_eq!(
            out.reports[1].event.narrative.as_deref(),
            Some("ALERT 14:09 TK MAXX F 20S GREY TRK")
        );
    }
}
