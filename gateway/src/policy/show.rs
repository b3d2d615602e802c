//! `bcgw isa show`: each source's agreement as a data protection officer reads
//! it — who, why, on what basis, which fields are stored and sent, which are
//! removed, and for how long each class of data is kept.

use super::fields::{STRUCTURAL, optional_paths};
use super::{IsaPolicy, IsaSetting, PolicySection, RetentionDays};
use crate::config::{Config, Problems};
use std::fmt::Write;

fn days(d: Option<u32>) -> String {
    d.map_or_else(|| "kept until erased".to_string(), |d| format!("{d} days"))
}

fn retention(out: &mut String, own: &RetentionDays, policy: &PolicySection) {
    let r = own.or(&policy.retention);
    let _ = writeln!(out, "  retention:");
    for (label, d) in [
        ("raw payloads", r.raw_payload_days),
        ("records", r.record_days),
        ("quarantine entries", r.quarantine_days),
        ("audit entries", r.audit_days),
    ] {
        let _ = writeln!(out, "    {label:<20} {}", days(d));
    }
}

/// The text `bcgw isa show` prints for `config`.
pub fn describe(config: &Config) -> String {
    let mut out = String::new();
    for (name, source) in &config.sources {
        let _ = writeln!(out, "source {name} ({})", source.kind);
        match &source.isa {
            None => {
                let _ = writeln!(
                    out,
                    "  NO AGREEMENT: every field the plugin produces is stored and sent"
                );
                retention(&mut out, &RetentionDays::default(), &config.policy);
            }
            Some(IsaSetting::Label(id)) => {
                let _ = writeln!(
                    out,
                    "  agreement {id} (a label only: no field policy is enforced; every field is stored and sent)"
                );
                retention(&mut out, &RetentionDays::default(), &config.policy);
            }
            Some(IsaSetting::Agreement(a)) => {
                let _ = writeln!(out, "  agreement   {}", a.id);
                let _ = writeln!(out, "  controller  {}", a.controller);
                let _ = writeln!(out, "  lawful basis {}", a.lawful_basis);
                let _ = writeln!(out, "  purpose     {}", a.purpose);
                let mut p = Problems::default();
                let policy = IsaPolicy::from_setting(source.isa.as_ref(), false, "", &mut p)
                    .and_then(|i| i.fields.clone());
                match policy {
                    None => {
                        let _ = writeln!(out, "  the field list has errors: run bcgw check-config");
                    }
                    Some(f) => {
                        let kept = f.kept_fields();
                        let removed: Vec<_> =
                            optional_paths().filter(|p| !kept.contains(p)).collect();
                        let (ext, special) = f.kept_extensions();
                        let _ = writeln!(out, "  stored and sent:");
                        let _ = writeln!(out, "    always: {}", STRUCTURAL.join(", "));
                        let _ = writeln!(out, "    allowed: {}", list(&kept));
                        let _ = writeln!(
                            out,
                            "    extensions: {}",
                            if ext.is_empty() {
                                "none".to_string()
                            } else if ext == ["*"] {
                                "all except special-category ones".to_string()
                            } else {
                                ext.join(", ")
                            }
                        );
                        let _ = writeln!(
                            out,
                            "    special-category: {}",
                            if special.is_empty() {
                                "none (refused and removed before storage)".to_string()
                            } else {
                                format!(
                                    "{} under {}",
                                    special.join(", "),
                                    a.sensitive_processing_condition.as_deref().unwrap_or("?")
                                )
                            }
                        );
                        let _ = writeln!(out, "  removed before storage: {}", list(&removed));
                    }
                }
                retention(&mut out, &a.retention, &config.policy);
            }
        }
        out.push('\n');
    }
    out
}

fn list(paths: &[&str]) -> String {
    if paths.is_empty() {
        "none".to_string()
    } else {
        paths.join(", ")
    }
}
