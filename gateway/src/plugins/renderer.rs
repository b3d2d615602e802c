//! A loaded sink renderer (`sink-renderer` world): turns an incident into a
//! submission for Niche or another records system, sandboxed like an adapter.

use super::bindings::renderer::SinkRendererPre;
use super::core::PluginCore;
use super::engine::PluginEngine;
use super::error::PluginError;
use super::limits::SandboxLimits;
use super::sandbox::HostState;
use super::trust::Trust;
use bcgw_sdk::convert::Conv;
use bcgw_sdk::plugin::{Incident, Submission};
use chrono::{DateTime, Utc};
use std::path::Path;

/// The interface a sink renderer must export.
pub const RENDERER_INTERFACE: &str = "bcgw:adapter/renderer@1.0.0";

/// A renderer plugin, compiled and pre-linked. Each call gets a fresh instance.
pub struct RendererPlugin {
    core: PluginCore,
    pre: SinkRendererPre<HostState>,
}

impl std::fmt::Debug for RendererPlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.core.fmt(f)
    }
}

impl std::ops::Deref for RendererPlugin {
    type Target = PluginCore;

    fn deref(&self) -> &PluginCore {
        &self.core
    }
}

impl RendererPlugin {
    /// Loads, verifies and compiles a renderer, then asks it to describe itself.
    pub fn load(
        engine: &PluginEngine,
        path: &Path,
        pin: Option<&str>,
        limits: SandboxLimits,
    ) -> Result<RendererPlugin, PluginError> {
        Self::load_trusted(engine, path, &Trust::pinned(pin), limits)
    }

    /// [`RendererPlugin::load`] with the whole trust policy: a pin, or a signature by
    /// one of `trust.keys` ([`super::trust`]).
    pub fn load_trusted(
        engine: &PluginEngine,
        path: &Path,
        trust: &Trust,
        limits: SandboxLimits,
    ) -> Result<RendererPlugin, PluginError> {
        let (core, pre) = PluginCore::load(
            engine,
            path,
            trust,
            limits,
            RENDERER_INTERFACE,
            SinkRendererPre::new,
        )?;
        let mut plugin = RendererPlugin { core, pre };
        let info = plugin.core.call(Utc::now(), &[], |store| {
            plugin
                .pre
                .instantiate(&mut *store)?
                .bcgw_adapter_renderer()
                .call_describe(store)
        })?;
        plugin.core.set_info(info.value.conv());
        Ok(plugin)
    }

    /// Asks the plugin whether `config` (JSON text) is a configuration it accepts.
    pub fn validate_config(&self, config: &str) -> Result<(), PluginError> {
        let out = self.core.call(Utc::now(), config.as_bytes(), |store| {
            self.pre
                .instantiate(&mut *store)?
                .bcgw_adapter_renderer()
                .call_validate_config(store, config)
        })?;
        out.value.map_err(|e| self.core.refused(e.conv()))
    }

    /// Renders one incident with `config` (JSON text). `now` is what the plugin's
    /// clock reads; the incident id seeds its randomness, so rendering is repeatable.
    pub fn render(
        &self,
        incident: Incident,
        config: &str,
        now: DateTime<Utc>,
    ) -> Result<Submission, PluginError> {
        let seed = incident.incident_id.clone();
        let wit_incident = with_member_extensions(incident).conv();
        let out = self.core.call(now, seed.as_bytes(), |store| {
            self.pre
                .instantiate(&mut *store)?
                .bcgw_adapter_renderer()
                .call_render(store, &wit_incident, config)
        })?;
        let submission: Submission = out.value.map_err(|e| self.core.refused(e.conv()))?.conv();
        if submission.content_type.len() > super::caps::MAX_LABEL_BYTES {
            return Err(PluginError::OutputCap {
                plugin: self.name_version(),
                what: format!(
                    "a content type of {} bytes, at most {} are sent",
                    submission.content_type.len(),
                    super::caps::MAX_LABEL_BYTES
                ),
            });
        }
        if submission.body.len() > self.core.limits.max_output_bytes {
            return Err(PluginError::OutputCap {
                plugin: self.name_version(),
                what: format!(
                    "a {}-byte submission, limits.max_output_bytes is {}",
                    submission.body.len(),
                    self.core.limits.max_output_bytes
                ),
            });
        }
        Ok(submission)
    }
}

/// The incident as a renderer sees it: each report that resolved to a register
/// member carries what the register says about it as `member-*` extensions
/// (the envelope's resolution does not cross the WIT boundary, which stays
/// `bcgw:adapter@1.0.0` for every plugin already built): `member-ref`
/// (`<register>/<member id>`), `member-name`, `member-address` (lines joined by
/// `; `), `member-postcode`, `member-town`, `member-scheme`, `member-resolved-by`
/// (the method) and `member-confidence` (0 to 1).
pub fn with_member_extensions(mut incident: Incident) -> Incident {
    for r in &mut incident.reports {
        let Some(p) = &r.envelope.premises else {
            continue;
        };
        let (Some(m), Some(d)) = (&p.member, &p.details) else {
            continue;
        };
        let mut add = |k: &str, v: String| {
            if !v.is_empty() {
                r.report.extensions.push((k.to_string(), v));
            }
        };
        add("member-ref", format!("{}/{}", m.register, m.member_id));
        add("member-name", d.name.clone());
        add("member-address", d.address_lines.join("; "));
        add("member-postcode", d.postcode.clone().unwrap_or_default());
        add("member-town", m.town.clone().unwrap_or_default());
        add("member-scheme", d.scheme.clone().unwrap_or_default());
        add("member-resolved-by", p.method.as_str().to_string());
        add("member-confidence", format!("{:.2}", p.score));
    }
    incident
}
