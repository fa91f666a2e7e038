//! Full-batch training for node classification with model selection by validation accuracy.

use super::metrics::accuracy;
use crate::models::{NodeClassifier, ParamGroup};
use crate::node_data::NodeData;
use std::time::Instant;
use weft_autograd::nn::{loss::cross_entropy, Mode};
use weft_autograd::optim::{Adam, Optimizer};
use weft_autograd::{no_grad, Float};
use weft_ops::{Error, Result};

/// Optimiser settings of a run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainConfig {
    /// Number of epochs (one full-batch step each, then an evaluation pass).
    pub epochs: usize,
    /// Adam learning rate.
    pub lr: f64,
    /// L2 weight decay on the model's decayed parameter groups.
    pub weight_decay: f64,
}

/// What one epoch measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochStats {
    /// Epoch number, from 0.
    pub epoch: usize,
    /// Training loss of the step (with dropout).
    pub loss: f64,
    /// Validation loss (evaluation mode).
    pub val_loss: f64,
    /// Accuracies in percent (evaluation mode).
    pub train_acc: f64,
    /// Validation accuracy.
    pub val_acc: f64,
    /// Test accuracy.
    pub test_acc: f64,
}

/// The outcome of one training run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunResult {
    /// Every epoch's statistics.
    pub history: Vec<EpochStats>,
    /// The selected epoch: best validation accuracy, ties broken by lower validation loss.
    pub best_epoch: usize,
    /// Validation accuracy at the selected epoch.
    pub best_val_acc: f64,
    /// Test accuracy at the selected epoch.
    pub test_acc: f64,
    /// Wall-clock seconds of the whole run (training steps and evaluation).
    pub seconds: f64,
}

impl RunResult {
    /// Mean seconds per epoch (step + evaluation).
    pub fn seconds_per_epoch(&self) -> f64 {
        self.seconds / self.history.len().max(1) as f64
    }
}

/// Adam optimisers for the model's parameter groups (weight decay where the group asks).
pub fn optimisers<T: Float>(groups: Vec<ParamGroup<T>>, lr: f64, weight_decay: f64) -> Vec<Adam<T>> {
    groups
        .into_iter()
        .filter(|g| !g.params.is_empty())
        .map(|g| Adam::new(g.params, lr).weight_decay(if g.decay { weight_decay } else { 0.0 }))
        .collect()
}

/// One training step on the training nodes: returns the loss.
pub fn train_step<T: Float>(
    model: &dyn NodeClassifier<T>,
    data: &NodeData<T>,
    opts: &mut [Adam<T>],
    train_labels: &weft_autograd::Indices,
) -> Result<f64> {
    let logits = model.forward(data, Mode::Train)?;
    let loss = cross_entropy(&logits.rows(&data.train)?, train_labels)?;
    let value = loss.item()?.f64();
    if !value.is_finite() {
        return Err(Error::numerical("train_step", format!("training loss is {value}")));
    }
    let grads = loss.backward()?;
    for opt in opts.iter_mut() {
        opt.step(&grads)?;
    }
    Ok(value)
}

/// Trains `model` on `data` for `cfg.epochs` full-batch epochs with Adam, evaluating after
/// every step; `on_epoch` sees each epoch's statistics (for progress bars and curves).
/// Errors if the loss becomes NaN or infinite.
pub fn train_full_batch<T: Float>(
    model: &dyn NodeClassifier<T>,
    data: &NodeData<T>,
    cfg: &TrainConfig,
    on_epoch: &mut dyn FnMut(&EpochStats),
) -> Result<RunResult> {
    if cfg.epochs == 0 {
        return Err(Error::invalid("train_full_batch", "0 epochs"));
    }
    let mut opts = optimisers(model.param_groups(), cfg.lr, cfg.weight_decay);
    let train_labels = data.labels_of(&data.train)?;
    let valid_labels = data.labels_of(&data.valid)?;
    let start = Instant::now();
    let mut history = Vec::with_capacity(cfg.epochs);
    let mut best: Option<EpochStats> = None;
    for epoch in 0..cfg.epochs {
        let loss = train_step(model, data, &mut opts, &train_labels)?;
        let stats = no_grad(|| -> Result<EpochStats> {
            let logits = model.forward(data, Mode::Eval)?;
            let val_loss = if data.valid.is_empty() {
                f64::NAN
            } else {
                cross_entropy(&logits.rows(&data.valid)?, &valid_labels)?.item()?.f64()
            };
            Ok(EpochStats {
                epoch,
                loss,
                val_loss,
                train_acc: accuracy(&logits, &data.labels_host, &data.train)?,
                val_acc: accuracy(&logits, &data.labels_host, &data.valid)?,
                test_acc: accuracy(&logits, &data.labels_host, &data.test)?,
            })
        })?;
        let better = best.is_none_or(|b| {
            stats.val_acc > b.val_acc || (stats.val_acc == b.val_acc && stats.val_loss < b.val_loss)
        });
        if better {
            best = Some(stats);
        }
        on_epoch(&stats);
        history.push(stats);
    }
    let seconds = start.elapsed().as_secs_f64();
    let best = best.ok_or_else(|| Error::invalid("train_full_batch", "no epoch ran"))?;
    Ok(RunResult {
        history,
        best_epoch: best.epoch,
        best_val_acc: best.val_acc,
        test_acc: best.test_acc,
        seconds,
    })
}
