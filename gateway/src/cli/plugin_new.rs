//! `bcgw plugin new <name> --kind adapter|renderer`: a plugin project that
//! builds, tests and runs on its own, against the SDK of this gateway.
//!
//! The project holds a `Cargo.toml` (its own workspace, with the `plugin` build
//! profile), `src/lib.rs` with a typed config and a unit test through the SDK's
//! native harness, a fixture, and a README with the commands: the unit test,
//! the component build, and `bcgw plugin test` on the fixture.

use super::Exit;
use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use std::path::{Path, PathBuf};

/// Which world the new plugin exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    /// A source adapter: raw payloads in, common-schema reports out.
    Adapter,
    /// A sink renderer: an incident in, a submission for Niche (or another RMS) out.
    Renderer,
}

/// Arguments of `bcgw plugin new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// The plugin's name: lower-case letters, digits and '-', e.g. `acme-bcrp`.
    pub name: String,
    /// Adapter (a source's translator) or renderer (a sink's).
    #[arg(long, value_enum, default_value = "adapter")]
    pub kind: Kind,
    /// Where to create the project. Default: a folder named after the plugin.
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// The bcgw-sdk crate to build against. Default: the `sdk/` of the source tree
    /// this bcgw was built from, when it is still there.
    #[arg(long)]
    pub sdk: Option<PathBuf>,
}

/// The SDK this binary was built with, if its source is still on disk.
fn default_sdk() -> Option<PathBuf> {
    let sdk = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sdk");
    sdk.join("Cargo.toml")
        .is_file()
        .then(|| sdk.canonicalize().unwrap_or(sdk))
}

/// Checks a plugin name: it becomes a crate name and a file name.
fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-');
    if !ok {
        bail!(
            "plugin name {name:?}: use lower-case letters, digits and '-', starting with a letter (e.g. acme-bcrp)"
        );
    }
    Ok(())
}

/// Creates the project.
pub fn new(args: NewArgs) -> Result<Exit> {
    check_name(&args.name)?;
    let sdk = match args.sdk.or_else(default_sdk) {
        Some(sdk) => sdk,
        None => {
            bail!("cannot find bcgw-sdk: pass --sdk <path to the sdk/ folder of the bcgw source>")
        }
    };
    if !sdk.join("Cargo.toml").is_file() {
        bail!("--sdk {}: no Cargo.toml there", sdk.display());
    }
    let dir = args.dir.unwrap_or_else(|| PathBuf::from(&args.name));
    if dir.exists()
        && dir
            .read_dir()
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        bail!(
            "{} exists and is not empty: choose another --dir",
            dir.display()
        );
    }
    let files = project(&args.name, args.kind, &sdk);
    for (path, text) in &files {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let wasm = args.name.replace('-', "_");
    println!("created {} ({:?})", dir.display(), args.kind);
    println!("  cd {}", dir.display());
    println!("  cargo test                                         # the unit test, natively");
    println!("  cargo build --target wasm32-wasip2 --profile plugin  # the component");
    println!(
        "  bcgw plugin {} target/wasm32-wasip2/plugin/{wasm}.wasm",
        match args.kind {
            Kind::Adapter => "test --input fixtures/sample.txt --plugin",
            Kind::Renderer => "inspect",
        }
    );
    Ok(Exit::Ok)
}

/// The files of a new project: (path in the project, contents).
fn project(name: &str, kind: Kind, sdk: &Path) -> Vec<(&'static str, String)> {
    let type_name: String = name
        .split('-')
        .map(|part| {
            let mut c = part.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    let wasm = name.replace('-', "_");
    let fill = |template: &str| {
        template
            .replace("{name}", name)
            .replace("{Type}", &type_name)
            .replace("{wasm}", &wasm)
            .replace("{sdk}", &sdk.display().to_string().replace('\\', "/"))
    };
    let (lib, readme) = match kind {
        Kind::Adapter => (ADAPTER_LIB, ADAPTER_README),
        Kind::Renderer => (RENDERER_LIB, RENDERER_README),
    };
    let mut files = vec![
        ("Cargo.toml", fill(CARGO_TOML)),
        ("src/lib.rs", fill(lib)),
        ("README.md", fill(readme)),
        (".gitignore", "/target\n".to_string()),
    ];
    if kind == Kind::Adapter {
        files.push(("fixtures/sample.txt", SAMPLE.to_string()));
    }
    files
}

const CARGO_TOML: &str = r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"
rust-version = "1.95"
publish = false

[lib]
crate-type = ["cdylib", "rlib"]

[dependencies]
bcgw-sdk = { path = "{sdk}" }
serde = { version = "1", features = ["derive"] }

[dev-dependencies]
serde_json = "1"

# A project of its own, even when created inside another workspace.
[workspace]

# `cargo build --target wasm32-wasip2 --profile plugin`: small and fast.
[profile.plugin]
inherits = "release"
strip = "debuginfo"
"#;

const SAMPLE: &str =
    "ALERT 14:03 BOOTS BROADMEAD M 30S BLUE HOODIE THEFT\n\nALERT 14:09 TK MAXX F 20S GREY TRK\n";

const ADAPTER_LIB: &str = r#"//! `{name}`: a bcgw source adapter. Each non-blank line of the payload becomes a
//! report; change `translate` to read your channel's format.

use bcgw_sdk::prelude::*;
use serde::Deserialize;

/// The plugin's configuration: the source's `plugin_config` table. The SDK
/// parses it once per call; a key that is misspelt or of the wrong type is a
/// `bad-config` error naming the key.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// What the reports say they came from.
    #[serde(default = "default_source_system")]
    pub source_system: String,
}

fn default_source_system() -> String {
    "{name}".into()
}

/// The adapter.
pub struct {Type};

impl Adapter for {Type} {
    type Config = Config;

    fn describe() -> PluginInfo {
        PluginInfo {
            name: "{name}".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Each non-blank line becomes a report.".into(),
            content_types: vec!["text/plain".into()],
            config_keys: vec![ConfigKey {
                name: "source_system".into(),
                description: "what the reports say they came from (default \"{name}\")".into(),
                required: false,
            }],
            ..PluginInfo::default()
        }
    }

    fn check_config(config: Config) -> Result<(), AdapterError> {
        if config.source_system.trim().is_empty() {
            return Err(AdapterError::BadConfig("source_system: must not be empty".into()));
        }
        Ok(())
    }

    fn translate(payload: Payload, config: Config) -> Result<Translation, AdapterError> {
        let text = String::from_utf8(payload.bytes)
            .map_err(|_| AdapterError::Malformed("not UTF-8".into()))?;
        let reports = text
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| {
                let mut report = Report {
                    source_system: config.source_system.clone(),
                    ..Report::default()
                };
                report.event.narrative = Some(line.trim().to_string());
                report
            })
            .collect();
        // Put an item you cannot read in `rejects` (with its line) and go on:
        // one bad item must not cost the rest.
        Ok(Translation {
            reports,
            rejects: vec![],
        })
    }
}

bcgw_sdk::export_adapter!({Type});

#[cfg(test)]
mod tests {
    use super::*;
    use bcgw_sdk::harness::Harness;

    #[test]
    fn each_line_of_the_fixture_is_a_valid_report() {
        let out = Harness::new()
            .config(serde_json::json!({ "source_system": "test-feed" }))
            .translate::<{Type}>(include_bytes!("../fixtures/sample.txt"), "text/plain")
            .expect("translates");
        out.assert_valid();
        assert_eq!(out.reports.len(), 2);
        assert_eq!(out.reports[0].source_system, "test-feed");
    }

    #[test]
    fn a_misspelt_key_is_bad_config() {
        let err = Harness::new()
            .config(serde_json::json!({ "source_sytem": "x" }))
            .translate::<{Type}>(b"a line", "text/plain")
            .unwrap_err();
        assert_eq!(err.kind(), "bad-config");
    }
}
"#;

const RENDERER_LIB: &str = r##"//! `{name}`: a bcgw sink renderer. It renders an incident as a short text
//! listing its reports; change `render` to produce your records system's format.

use bcgw_sdk::prelude::*;
use serde::Deserialize;

/// The renderer's configuration: the sink's `renderer_config` table, parsed by
/// the SDK once per call.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The force code every submission carries, e.g. `AS`.
    pub force_code: String,
}

/// The renderer.
pub struct {Type};

impl Renderer for {Type} {
    type Config = Config;

    fn describe() -> PluginInfo {
        PluginInfo {
            name: "{name}".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Renders an incident as a text summary.".into(),
            content_types: vec!["text/plain".into()],
            config_keys: vec![ConfigKey {
                name: "force_code".into(),
                description: "the force code every submission carries".into(),
                required: true,
            }],
            ..PluginInfo::default()
        }
    }

    fn render(incident: Incident, config: Config) -> Result<Submission, AdapterError> {
        let mut body = format!("force {}\nincident {}\n", config.force_code, incident.incident_id);
        for r in &incident.reports {
            // Record ids only: names and narratives are personal data.
            body.push_str(&format!("report {}\n", r.envelope.record_id));
        }
        Ok(Submission {
            content_type: "text/plain".into(),
            body: body.into_bytes(),
        })
    }
}

bcgw_sdk::export_renderer!({Type});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_incident_renders_with_the_force_code() {
        let incident = Incident {
            incident_id: "inc-1".into(),
            reports: vec![],
        };
        let out = bcgw_sdk::plugin::render_with_config::<{Type}>(incident, r#"{"force_code":"AS"}"#)
            .expect("renders");
        assert_eq!(String::from_utf8(out.body).unwrap(), "force AS\nincident inc-1\n");
        let err = bcgw_sdk::plugin::validate_renderer_config::<{Type}>("{}").unwrap_err();
        assert_eq!(err.kind(), "bad-config");
    }
}
"##;

const ADAPTER_README: &str = r#"# {name}

A bcgw source adapter, made by `bcgw plugin new`.

```sh
cargo test                                          # the unit tests, natively
rustup target add wasm32-wasip2                     # once
cargo build --target wasm32-wasip2 --profile plugin # the component
bcgw plugin test --plugin target/wasm32-wasip2/plugin/{wasm}.wasm --input fixtures/sample.txt
bcgw plugin inspect target/wasm32-wasip2/plugin/{wasm}.wasm   # its SHA-256, for the pin
```

In the gateway's config:

```toml
[sources.my-feed]
kind = "csv-folder"   # or webhook, mqtt, serial, poll
plugin = "plugins/{wasm}.wasm"
plugin_sha256 = "<from bcgw plugin inspect>"
[sources.my-feed.plugin_config]
source_system = "my-feed"
```

Keep personal data (names, descriptions, narratives) out of error messages and
anything you print: the gateway logs record ids only. The SDK guide says what a
plugin can and cannot do.
"#;

const RENDERER_README: &str = r#"# {name}

A bcgw sink renderer, made by `bcgw plugin new`.

```sh
cargo test                                          # the unit test, natively
rustup target add wasm32-wasip2                     # once
cargo build --target wasm32-wasip2 --profile plugin # the component
bcgw plugin inspect target/wasm32-wasip2/plugin/{wasm}.wasm   # its SHA-256, for the pin
```

In the gateway's config:

```toml
[sinks.my-rms]
kind = "file-drop"    # or niche
renderer = "plugins/{wasm}.wasm"
renderer_sha256 = "<from bcgw plugin inspect>"
[sinks.my-rms.renderer_config]
force_code = "AS"
```
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_crate_and_type_names() {
        check_name("acme-bcrp").unwrap();
        for bad in [
            "",
            "Acme",
            "acme_bcrp",
            "-acme",
            "acme-",
            "9lives",
            "acme bcrp",
        ] {
            assert!(check_name(bad).is_err(), "{bad:?} accepted");
        }
        let files = project("acme-bcrp", Kind::Adapter, Path::new("/sdk"));
        let lib = &files.iter().find(|(p, _)| *p == "src/lib.rs").unwrap().1;
        assert!(lib.contains("pub struct AcmeBcrp;"));
        assert!(lib.contains("export_adapter!(AcmeBcrp)"));
        let toml = &files.iter().find(|(p, _)| *p == "Cargo.toml").unwrap().1;
        assert!(toml.contains(r#"bcgw-sdk = { path = "/sdk" }"#));
        assert!(!lib.contains("{Type}") && !lib.contains("{name}"));
    }
}
