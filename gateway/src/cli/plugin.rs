//! `bcgw plugin test` and `bcgw plugin inspect`.

use super::Exit;
use crate::plugins::{
    AdapterPlugin, PluginEngine, PluginError, RendererPlugin, SandboxLimits, engine::EngineSettings,
};
use crate::sources::csv_folder::chunks::CsvChunker;
use anyhow::{Context, Result, bail};
use bcgw_sdk::plugin::{Payload, metadata_keys};
use bcgw_sdk::schema::validate_report;
use chrono::Utc;
use clap::{Args, Subcommand};
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};

/// `bcgw plugin ...`
#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// Translate a file with a plugin, as the gateway would: reports as JSON lines on
    /// stdout, per-item errors on stderr; exit 1 if any item failed.
    Test(TestArgs),
    /// Print what a plugin declares (name, version, systems, config keys, WIT
    /// version) and its SHA-256.
    Inspect(InspectArgs),
    /// Create a plugin project (Rust, against bcgw-sdk) with a unit test, a
    /// fixture and a README of the build and test commands.
    New(super::plugin_new::NewArgs),
    /// Run a source's deployed plugin and a candidate (another version, or
    /// another config) over the payloads it journaled, read-only, and show which
    /// records change, appear or disappear and which rejects differ; exit 1 if any.
    Diff(super::plugin_diff::DiffArgs),
}

/// Arguments of `bcgw plugin test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// The plugin component (.wasm).
    #[arg(long)]
    pub plugin: PathBuf,
    /// The plugin's configuration: a TOML (or .json) file with the keys the plugin
    /// reads, as they would appear under the source's `plugin_config` table.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// The input file.
    #[arg(long)]
    pub input: PathBuf,
    /// Content type of the input; guessed from its extension when omitted.
    #[arg(long)]
    pub content_type: Option<String>,
    /// The source name the plugin sees.
    #[arg(long, default_value = "plugin-test")]
    pub source: String,
    /// Expected SHA-256 of the plugin file; refuse it if it differs.
    #[arg(long)]
    pub sha256: Option<String>,
    /// CPU deadline per payload in milliseconds.
    #[arg(long, default_value_t = crate::plugins::limits::DEFAULT_DEADLINE_MS)]
    pub deadline_ms: u64,
    /// Memory cap per instance in MiB.
    #[arg(long, default_value_t = 64)]
    pub memory_mib: usize,
    /// Rows per payload when the input is CSV (large files are split as the CSV
    /// folder source splits them).
    #[arg(long, default_value_t = 1000)]
    pub chunk_rows: usize,
    /// Extra payload metadata, `key=value` (repeatable).
    #[arg(long = "metadata", value_name = "KEY=VALUE")]
    pub metadata: Vec<String>,
}

/// Raw bytes of one payload and, for CSV chunks, the file line of its first row.
type RawPayload = (Vec<u8>, Option<u64>);

/// Arguments of `bcgw plugin inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The plugin component (.wasm).
    pub plugin: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// A minisign public key (`RWQ...`) to verify the plugin's signature
    /// (`<file>.minisig`) with; repeatable.
    #[arg(long = "trusted-key", value_name = "KEY")]
    pub trusted_keys: Vec<String>,
}

/// What `inspect` says of a plugin's signature.
#[derive(Debug, serde::Serialize)]
struct SignatureView {
    /// A `.minisig` file is beside the plugin.
    present: bool,
    /// The given key that verified it, if one did.
    verified_with: Option<String>,
    /// Why it is not verified (or not readable), if it is not.
    problem: Option<String>,
    /// Its trusted (signed) comment: who and when, as the signer wrote it.
    trusted_comment: Option<String>,
}

fn signature_view(path: &Path, keys: &[String]) -> Result<SignatureView> {
    use crate::plugins::trust::{Trust, TrustedKey, read_signature};
    let mut view = SignatureView {
        present: false,
        verified_with: None,
        problem: None,
        trusted_comment: None,
    };
    let signature = match read_signature(path) {
        None => return Ok(view),
        Some(Err(e)) => {
            view.present = true;
            view.problem = Some(e);
            return Ok(view);
        }
        Some(Ok(s)) => s,
    };
    view.present = true;
    view.trusted_comment = Some(signature.trusted_comment().to_string());
    if keys.is_empty() {
        view.problem = Some("not verified: give --trusted-key".into());
        return Ok(view);
    }
    let keys: Vec<TrustedKey> = keys
        .iter()
        .map(|k| TrustedKey::parse(k).map_err(|e| anyhow::anyhow!("--trusted-key {k}: {e}")))
        .collect::<Result<_>>()?;
    let trust = Trust {
        pin: None,
        keys: keys.into(),
    };
    let bytes = std::fs::read(path)?;
    match trust.check(path, &bytes, &crate::plugins::sha256_hex(&bytes)) {
        Ok(signer) => view.verified_with = signer.map(|s| s.key),
        Err(e) => view.problem = Some(e.to_string()),
    }
    Ok(view)
}

/// Runs a `plugin` subcommand.
pub fn run(cmd: PluginCommand) -> Result<Exit> {
    match cmd {
        PluginCommand::Test(args) => test(args),
        PluginCommand::Inspect(args) => inspect(args),
        PluginCommand::New(args) => super::plugin_new::new(args),
        PluginCommand::Diff(args) => super::plugin_diff::diff(args),
    }
}

fn engine(memory_bytes: usize) -> Result<PluginEngine> {
    Ok(PluginEngine::new(EngineSettings {
        cache_dir: super::default_code_cache(),
        max_memory_bytes: memory_bytes,
        max_instances: 4,
        ..EngineSettings::default()
    })?)
}

/// Guesses a content type from a file extension.
pub fn content_type_for(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("csv") => "text/csv",
        Some("tsv") => "text/tab-separated-values",
        Some("json") => "application/json",
        Some("xml") => "application/xml",
        Some("txt") | Some("log") => "text/plain",
        _ => "application/octet-stream",
    }
}

/// Reads a plugin config file (TOML, or JSON by extension) and returns it as JSON text.
pub fn plugin_config_json(path: &Path) -> Result<String> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read plugin config {}", path.display()))?;
    if content_type_for(path) == "application/json" {
        let v: serde_json::Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not valid JSON", path.display()))?;
        return Ok(v.to_string());
    }
    let v: toml::Table =
        toml::from_str(&text).with_context(|| format!("{} is not valid TOML", path.display()))?;
    Ok(serde_json::to_string(&v)?)
}

fn test(args: TestArgs) -> Result<Exit> {
    let limits = SandboxLimits {
        deadline_ms: args.deadline_ms,
        memory_bytes: args.memory_mib << 20,
        ..SandboxLimits::default()
    };
    let engine = engine(limits.memory_bytes)?;
    let plugin = AdapterPlugin::load(&engine, &args.plugin, args.sha256.as_deref(), limits)?;
    let config = match &args.config {
        Some(p) => plugin_config_json(p)?,
        None => "{}".to_string(),
    };
    plugin.validate_config(&config)?;
    let content_type = args
        .content_type
        .clone()
        .unwrap_or_else(|| content_type_for(&args.input).to_string());
    let mut metadata = Vec::new();
    for kv in &args.metadata {
        let Some((k, v)) = kv.split_once('=') else {
            bail!("--metadata {kv:?}: expected KEY=VALUE");
        };
        metadata.push((k.to_string(), v.to_string()));
    }
    if let Some(name) = args.input.file_name().and_then(|n| n.to_str()) {
        metadata.push((metadata_keys::FILE_NAME.into(), name.into()));
    }
    let file = std::fs::File::open(&args.input)
        .with_context(|| format!("cannot open input {}", args.input.display()))?;
    let payloads: Box<dyn Iterator<Item = std::io::Result<RawPayload>>> =
        if content_type.contains("csv") || content_type.contains("tab-separated") {
            let chunks = CsvChunker::new(BufReader::new(file), args.chunk_rows);
            Box::new(chunks.map(|c| c.map(|c| (c.bytes, Some(c.first_line)))))
        } else {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut BufReader::new(file), &mut bytes)?;
            Box::new(std::iter::once(Ok((bytes, None))))
        };
    let mut out = std::io::stdout().lock();
    let (mut good, mut failed) = (0usize, 0usize);
    for payload in payloads {
        let (bytes, first_line) =
            payload.with_context(|| format!("cannot read input {}", args.input.display()))?;
        let received_at = Utc::now();
        let mut meta = metadata.clone();
        meta.push((metadata_keys::RECEIVED_AT.into(), received_at.to_rfc3339()));
        if let Some(line) = first_line {
            meta.push((metadata_keys::FIRST_LINE.into(), line.to_string()));
        }
        let translated = plugin.translate(
            Payload {
                bytes,
                content_type: content_type.clone(),
                source: args.source.clone(),
                metadata: meta,
                config: config.clone(),
            },
            received_at,
        )?;
        for reject in &translated.rejects {
            failed += 1;
            let at = reject.line.map_or(String::new(), |l| format!("line {l}, "));
            eprintln!("rejected ({at}item {}): {}", reject.index, reject.error);
        }
        for report in &translated.reports {
            let violations = validate_report(report, received_at);
            if violations.is_empty() {
                good += 1;
                serde_json::to_writer(&mut out, report)?;
                out.write_all(b"\n")?;
            } else {
                failed += 1;
                let id = report.source_record_id.as_deref().unwrap_or("(no id)");
                for v in violations {
                    eprintln!("invalid report {id}: {v}");
                }
            }
        }
    }
    out.flush()?;
    eprintln!("{good} report(s) translated, {failed} item(s) failed");
    Ok(if failed > 0 {
        Exit::ItemsFailed
    } else {
        Exit::Ok
    })
}

fn inspect(args: InspectArgs) -> Result<Exit> {
    let engine = engine(SandboxLimits::default().memory_bytes)?;
    let limits = SandboxLimits::default();
    // A plugin is either a source adapter or a sink renderer: try both worlds.
    let (kind, interface, info, wit, sha) =
        match AdapterPlugin::load(&engine, &args.plugin, None, limits.clone()) {
            Ok(p) => (
                "adapter",
                "bcgw:adapter/translator",
                p.info().clone(),
                p.wit_version().to_string(),
                p.sha256().to_string(),
            ),
            Err(PluginError::WrongWorld { .. }) => {
                let p = RendererPlugin::load(&engine, &args.plugin, None, limits)?;
                (
                    "renderer",
                    "bcgw:adapter/renderer",
                    p.info().clone(),
                    p.wit_version().to_string(),
                    p.sha256().to_string(),
                )
            }
            Err(e) => return Err(e.into()),
        };
    let signature = signature_view(&args.plugin, &args.trusted_keys)?;
    if args.json {
        let v = serde_json::json!({
            "name": info.name,
            "version": info.version,
            "description": info.description,
            "kind": kind,
            "interface": interface,
            "wit_version": wit,
            "systems": info.systems,
            "content_types": info.content_types,
            "config_keys": info.config_keys,
            "sha256": sha,
            "signature": signature,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(Exit::Ok);
    }
    println!("name:          {}", info.name);
    println!("version:       {}", info.version);
    println!("description:   {}", info.description);
    println!("kind:          {kind} (exports {interface})");
    println!("wit package:   bcgw:adapter@{wit}");
    println!("sha256:        {sha}");
    match (&signature.verified_with, &signature.problem) {
        _ if !signature.present => println!("signature:     none"),
        (Some(key), _) => println!("signature:     verified with {key}"),
        (None, Some(problem)) => println!("signature:     {problem}"),
        (None, None) => println!("signature:     present"),
    }
    if let Some(c) = &signature.trusted_comment {
        println!("signed:        {c}");
    }
    println!("systems:       {}", info.systems.join(", "));
    println!("content types: {}", info.content_types.join(", "));
    println!("config keys:");
    for k in &info.config_keys {
        let req = if k.required { " (required)" } else { "" };
        println!("  {}{req}: {}", k.name, k.description);
    }
    Ok(Exit::Ok)
}
