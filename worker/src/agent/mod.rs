//! The agent: a model seam with two providers, the task tools through the ledger, the
//! bounded loop that runs a turn, and the rails that keep a model on it.

pub mod builtin;
pub mod delayed;
pub mod model;
pub mod openai;
pub mod prompt;
pub mod rails;
pub mod runner;
pub mod tools;
pub mod transcript;

use std::sync::Arc;

use crate::config::{ModelConfig, ModelProvider};
use builtin::BuiltinModel;
use delayed::Delayed;
use model::ChatModel;
use openai::{OpenAiModel, OpenAiSettings};

/// The model the configuration asks for.
pub fn build_model(config: &ModelConfig) -> Arc<dyn ChatModel> {
    match config.provider() {
        ModelProvider::Builtin if config.builtin_step_delay.is_zero() => {
            Arc::new(BuiltinModel::new())
        }
        ModelProvider::Builtin => Arc::new(Delayed {
            inner: Arc::new(BuiltinModel::new()),
            delay: config.builtin_step_delay,
        }),
        ModelProvider::Openai => Arc::new(OpenAiModel::new(OpenAiSettings {
            base_url: config.openai_base_url.clone(),
            api_key: config.openai_api_key.clone(),
            model: config.openai_model.clone(),
            request_timeout: config.openai_timeout,
            max_retries: config.openai_max_retries,
            temperature: config.openai_temperature,
        })),
    }
}
