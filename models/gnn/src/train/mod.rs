//! Training loops and metrics:
//! - [`full_batch`] — [`train_full_batch`]: Adam, one full-graph step per epoch, selection by
//!   validation accuracy;
//! - [`minibatch`] — [`train_minibatch`]: GraphSAGE on sampled neighbourhoods;
//! - [`metrics`] — [`accuracy`], [`mean_std`].

pub mod full_batch;
pub mod metrics;
pub mod minibatch;

pub use full_batch::{optimisers, train_full_batch, train_step, EpochStats, RunResult, TrainConfig};
pub use metrics::{accuracy, mean_std};
pub use minibatch::{minibatch_step, train_minibatch, MiniBatchConfig};
