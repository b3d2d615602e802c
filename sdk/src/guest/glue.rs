//! Blanket implementations of the generated `Guest` traits for every
//! [`Adapter`] and [`Renderer`], so a plugin is one `impl` of the SDK's trait.

use super::wit::adapter::bcgw::adapter::types as wit_types;
use super::wit::adapter::exports::bcgw::adapter::translator as wit_translator;
use super::wit::renderer::exports::bcgw::adapter::renderer as wit_renderer;
use crate::convert::Conv;
use crate::plugin::{
    Adapter, Renderer, render_with_config, translate_with_config, validate_adapter_config,
    validate_renderer_config,
};

impl<T: Adapter> wit_translator::Guest for T {
    fn describe() -> wit_types::PluginInfo {
        T::describe().conv()
    }

    fn validate_config(config: String) -> Result<(), wit_types::AdapterError> {
        validate_adapter_config::<T>(&config).map_err(Conv::conv)
    }

    fn translate(
        payload: wit_translator::Payload,
    ) -> Result<wit_translator::Translation, wit_types::AdapterError> {
        translate_with_config::<T>(payload.conv())
            .map(Conv::conv)
            .map_err(Conv::conv)
    }
}

impl<T: Renderer> wit_renderer::Guest for T {
    fn describe() -> wit_types::PluginInfo {
        T::describe().conv()
    }

    fn validate_config(config: String) -> Result<(), wit_types::AdapterError> {
        validate_renderer_config::<T>(&config).map_err(Conv::conv)
    }

    fn render(
        incident: wit_renderer::Incident,
        config: String,
    ) -> Result<wit_renderer::Submission, wit_types::AdapterError> {
        render_with_config::<T>(incident.conv(), &config)
            .map(Conv::conv)
            .map_err(Conv::conv)
    }
}
