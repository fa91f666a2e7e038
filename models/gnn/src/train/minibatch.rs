//! Mini-batch training of [`GraphSage`] on sampled neighbourhoods, for graphs too big for a
//! full-batch step: each batch of training nodes gets its own computation graph from
//! [`sample_neighbours`] (one fan-out per layer), and only the input nodes' features are
//! gathered.

use super::full_batch::{optimisers, EpochStats, RunResult};
use super::metrics::accuracy;
use crate::models::{GraphSage, NodeClassifier};
use crate::node_data::NodeData;
use crate::sparse::CsrMatrix;
use std::time::Instant;
use weft_autograd::nn::{loss::cross_entropy, Mode};
use weft_autograd::optim::{Adam, Optimizer};
use weft_autograd::{no_grad, Float, Indices, Tensor};
use weft_ops::sparse::graph::sample_neighbours;
use weft_ops::{rng::Philox, Error, Idx, Result};

/// Settings of mini-batch training.
#[derive(Debug, Clone, PartialEq)]
pub struct MiniBatchConfig {
    /// Passes over the training nodes.
    pub epochs: usize,
    /// Adam learning rate.
    pub lr: f64,
    /// L2 weight decay.
    pub weight_decay: f64,
    /// Seed nodes per batch.
    pub batch_size: usize,
    /// Neighbours sampled per node and hop, the hop next to the seeds first (one per layer).
    pub fanouts: Vec<usize>,
    /// Seed of the shuffling and sampling.
    pub seed: u64,
}

/// One sampled step on the seed nodes `seeds`: samples their neighbourhoods, runs the model on
/// the blocks, and takes an Adam step. `x` is the dense `[n, f]` feature matrix. Returns the
/// batch loss (before the step).
pub fn minibatch_step<T: Float>(
    model: &GraphSage<T>,
    data: &NodeData<T>,
    x: &Tensor<T>,
    seeds: &[Idx],
    fanouts: &[usize],
    rng: &mut Philox,
    opts: &mut [Adam<T>],
) -> Result<f64> {
    if fanouts.len() != model.num_layers() {
        return Err(Error::invalid(
            "minibatch_step",
            format!("{} fan-outs for a {}-layer model", fanouts.len(), model.num_layers()),
        ));
    }
    let device = x.device();
    let sample = sample_neighbours(data.graph.adj.pattern(), seeds, fanouts, rng)?;
    let blocks = sample
        .blocks
        .iter()
        .map(|b| CsrMatrix::new(b.pattern.clone(), device))
        .collect::<Result<Vec<_>>>()?;
    let block_refs: Vec<&CsrMatrix> = blocks.iter().collect();
    let x_in = x.rows(&Indices::new(sample.input_nodes().to_vec()).to_device(device)?)?;
    let logits = model.forward_blocks(&block_refs, &x_in, Mode::Train)?;
    let labels: Vec<Idx> = seeds.iter().map(|&s| data.labels_host[s as usize]).collect();
    let loss = cross_entropy(&logits, &Indices::new(labels).to_device(device)?)?;
    let value = loss.item()?.f64();
    if !value.is_finite() {
        return Err(Error::numerical("minibatch_step", format!("batch loss is {value}")));
    }
    let grads = loss.backward()?;
    for opt in opts.iter_mut() {
        opt.step(&grads)?;
    }
    Ok(value)
}

/// Trains `model` with sampled mini-batches; after each epoch evaluates full-batch (all
/// neighbours) and reports the epoch's mean batch loss. Selection as in full-batch training.
pub fn train_minibatch<T: Float>(
    model: &GraphSage<T>,
    data: &NodeData<T>,
    cfg: &MiniBatchConfig,
    on_epoch: &mut dyn FnMut(&EpochStats),
) -> Result<RunResult> {
    if cfg.epochs == 0 || cfg.batch_size == 0 {
        return Err(Error::invalid(
            "train_minibatch",
            format!("{} epochs of batches of {}", cfg.epochs, cfg.batch_size),
        ));
    }
    let x = data.features.to_dense()?;
    let mut opts = optimisers(model.param_groups(), cfg.lr, cfg.weight_decay);
    let mut rng = Philox::new(cfg.seed);
    let mut order = data.train.to_vec()?;
    let valid_labels = data.labels_of(&data.valid)?;
    let start = Instant::now();
    let (mut history, mut best) = (Vec::with_capacity(cfg.epochs), None::<EpochStats>);
    for epoch in 0..cfg.epochs {
        // Fisher–Yates shuffle of the training nodes.
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i as u64 + 1) as usize);
        }
        let mut losses = Vec::new();
        for seeds in order.chunks(cfg.batch_size) {
            losses.push(minibatch_step(model, data, &x, seeds, &cfg.fanouts, &mut rng, &mut opts)?);
        }
        let loss = losses.iter().sum::<f64>() / losses.len() as f64;
        let stats = no_grad(|| -> Result<EpochStats> {
            let logits = model.forward(data, Mode::Eval)?;
            Ok(EpochStats {
                epoch,
                loss,
                val_loss: cross_entropy(&logits.rows(&data.valid)?, &valid_labels)?.item()?.f64(),
                train_acc: accuracy(&logits, &data.labels_host, &data.train)?,
                val_acc: accuracy(&logits, &data.labels_host, &data.valid)?,
                test_acc: accuracy(&logits, &data.labels_host, &data.test)?,
            })
        })?;
        if best.is_none_or(|b| {
            stats.val_acc > b.val_acc || (stats.val_acc == b.val_acc && stats.val_loss < b.val_loss)
        }) {
            best = Some(stats);
        }
        on_epoch(&stats);
        history.push(stats);
    }
    let best = best.ok_or_else(|| Error::invalid("train_minibatch", "no epoch ran"))?;
    Ok(RunResult {
        history,
        best_epoch: best.epoch,
        best_val_acc: best.val_acc,
        test_acc: best.test_acc,
        seconds: start.elapsed().as_secs_f64(),
    })
}
