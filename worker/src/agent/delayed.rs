//! A model that waits before each step, then answers as the model it wraps: the builtin
//! model made to behave like a remote one (soak tests, demos, benchmarks of the pipeline
//! under model latency).

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;

use super::model::{ChatModel, DeltaSink, ModelError, ModelRequest, ModelTurn};

/// `inner`, `delay` slower per step.
pub struct Delayed {
    pub inner: Arc<dyn ChatModel>,
    pub delay: Duration,
}

#[async_trait]
impl ChatModel for Delayed {
    async fn step(
        &self,
        request: &ModelRequest,
        sink: &mut dyn DeltaSink,
    ) -> Result<ModelTurn, ModelError> {
        tokio::time::sleep(self.delay).await;
        self.inner.step(request, sink).await
    }
}
