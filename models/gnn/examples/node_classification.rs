//! Node classification on an OGB-layout dataset (default: Cora's public split) with any of the
//! crate's models and its paper's standard hyperparameters.
//!
//! ```text
//! cargo run --release --example node_classification -- --model gcn
//! cargo run --release --example node_classification -- --model gat --runs 10 --plot gat.svg
//! cargo run --release --example node_classification -- --model sage --minibatch
//! ```
//!
//! Each run trains from its own seed (`--seed`, `--seed + 1`, ...), selects the epoch with the
//! best validation accuracy and reports the test accuracy there; the summary is the mean ±
//! standard deviation over runs and the wall-clock time per epoch (training step + evaluation).

use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use plotters::prelude::*;
use std::path::PathBuf;
use weft_gnn::models::GraphSage;
use weft_gnn::train::{
    mean_std, train_full_batch, train_minibatch, EpochStats, MiniBatchConfig, RunResult, TrainConfig,
};
use weft_gnn::{build, FeatureOptions, ModelKind, NodeData, OgbNodeDataset};
use weft_ops::{rng::Philox, Device, Error, Result};

/// mimalloc instead of the system allocator: training allocates and frees the same buffers
/// every step, which glibc's malloc answers with heap trimming and regrowth (system calls).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Command-line flags.
#[derive(Parser, Debug)]
#[command(about = "Train a GNN for node classification (defaults: each paper's Cora settings)")]
struct Args {
    /// Model: gcn, gat, sage, gin, appnp, sgc, dagnn, gatedgcn.
    #[arg(long, default_value = "gcn")]
    model: String,
    /// Dataset folder in the OGB raw layout.
    #[arg(long, default_value = "data/cora")]
    dataset: PathBuf,
    /// Epochs (default: the model's standard number).
    #[arg(long)]
    epochs: Option<usize>,
    /// Learning rate (default: the model's).
    #[arg(long)]
    lr: Option<f64>,
    /// Hidden width (default: the model's; per head for GAT).
    #[arg(long)]
    hidden: Option<usize>,
    /// Weight decay (default: the model's).
    #[arg(long)]
    weight_decay: Option<f64>,
    /// Dropout (default: the model's).
    #[arg(long)]
    dropout: Option<f64>,
    /// Dropout on the propagation matrix (APPNP; default: the model's).
    #[arg(long)]
    edge_dropout: Option<f64>,
    /// Number of runs (seeds seed, seed + 1, ...).
    #[arg(long, default_value_t = 1)]
    runs: usize,
    /// First seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Device: cpu or cuda.
    #[arg(long, default_value = "cpu")]
    device: String,
    /// Write the first run's training curve (losses and accuracies per epoch) to this SVG.
    #[arg(long)]
    plot: Option<PathBuf>,
    /// Sampled mini-batch training (GraphSAGE only).
    #[arg(long)]
    minibatch: bool,
    /// Seed nodes per mini-batch.
    #[arg(long, default_value_t = 64)]
    batch_size: usize,
    /// Neighbours sampled per hop, comma-separated, the hop next to the seeds first.
    #[arg(long, default_value = "10,10")]
    fanouts: String,
    /// Keep the features dense instead of sparse.
    #[arg(long)]
    dense_features: bool,
}

fn main() {
    if let Err(e) = run(Args::parse()) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run(args: Args) -> Result<()> {
    let kind: ModelKind = args.model.parse()?;
    let device: Device = args.device.parse()?;
    let mut hp = kind.defaults();
    hp.epochs = args.epochs.unwrap_or(hp.epochs);
    hp.lr = args.lr.unwrap_or(hp.lr);
    hp.hidden = args.hidden.unwrap_or(hp.hidden);
    hp.weight_decay = args.weight_decay.unwrap_or(hp.weight_decay);
    hp.dropout = args.dropout.unwrap_or(hp.dropout);
    hp.edge_dropout = args.edge_dropout.unwrap_or(hp.edge_dropout);
    if args.runs == 0 {
        return Err(Error::invalid("--runs", "at least one run"));
    }
    if args.minibatch && kind != ModelKind::Sage {
        return Err(Error::invalid(
            "--minibatch",
            format!("sampled training is implemented for sage, not {kind}"),
        ));
    }
    let ds = OgbNodeDataset::load(&args.dataset)?;
    let options = FeatureOptions { row_normalize: true, sparse: !args.dense_features };
    let data = NodeData::<f32>::from_dataset(&ds, options, device)?;
    println!(
        "{} on {}: {} nodes, {} directed edges, {} features, {} classes, split {} / {} / {}; {hp:?}",
        kind,
        ds.name,
        data.num_nodes(),
        data.graph.num_directed_edges(),
        data.num_features(),
        data.num_classes,
        data.train.len(),
        data.valid.len(),
        data.test.len()
    );
    let fanouts = parse_fanouts(&args.fanouts)?;
    let style = ProgressStyle::with_template("run {prefix} [{bar:30}] {pos}/{len} {msg}")
        .map_err(|e| Error::invalid("progress bar", e.to_string()))?
        .progress_chars("=> ");
    let mut results: Vec<RunResult> = Vec::with_capacity(args.runs);
    for r in 0..args.runs {
        let seed = args.seed + r as u64;
        let bar =
            ProgressBar::new(hp.epochs as u64).with_style(style.clone()).with_prefix(format!("{}", r + 1));
        let mut on_epoch = |s: &EpochStats| {
            bar.inc(1);
            if s.epoch.is_multiple_of(10) || s.epoch + 1 == hp.epochs {
                bar.set_message(format!("loss {:.3} val {:.1}%", s.loss, s.val_acc));
            }
        };
        let result = if args.minibatch {
            let mut rng = Philox::new(seed);
            let model = GraphSage::new(
                data.num_features(),
                hp.hidden,
                data.num_classes,
                fanouts.len(),
                hp.dropout,
                &mut rng,
                device,
            )?;
            let cfg = MiniBatchConfig {
                epochs: hp.epochs,
                lr: hp.lr,
                weight_decay: hp.weight_decay,
                batch_size: args.batch_size,
                fanouts: fanouts.clone(),
                seed: seed ^ 0x5eed,
            };
            train_minibatch(&model, &data, &cfg, &mut on_epoch)?
        } else {
            let model = build(kind, &hp, &data, seed)?;
            let cfg = TrainConfig { epochs: hp.epochs, lr: hp.lr, weight_decay: hp.weight_decay };
            train_full_batch(model.as_ref(), &data, &cfg, &mut on_epoch)?
        };
        bar.finish_and_clear();
        println!(
            "run {:2} seed {seed}: test {:.1}% (val {:.1}% at epoch {}), {:.2} ms/epoch, {:.2} s",
            r + 1,
            result.test_acc,
            result.best_val_acc,
            result.best_epoch,
            result.seconds_per_epoch() * 1e3,
            result.seconds
        );
        if r == 0 {
            if let Some(path) = &args.plot {
                plot_curve(path, &format!("{kind} on {}", ds.name), &result.history)?;
                println!("wrote {}", path.display());
            }
        }
        results.push(result);
    }
    let accs: Vec<f64> = results.iter().map(|r| r.test_acc).collect();
    let (mean, std) = mean_std(&accs);
    let per_epoch: Vec<f64> = results.iter().map(|r| r.seconds_per_epoch() * 1e3).collect();
    let (epoch_ms, _) = mean_std(&per_epoch);
    let (run_s, _) = mean_std(&results.iter().map(|r| r.seconds).collect::<Vec<_>>());
    println!(
        "{kind}{}: test accuracy {mean:.2} ± {std:.2} % over {} run(s); {epoch_ms:.2} ms per epoch (step + evaluation), {run_s:.3} s per run of {} epochs",
        if args.minibatch { " (mini-batch)" } else { "" },
        args.runs,
        hp.epochs
    );
    Ok(())
}

fn parse_fanouts(s: &str) -> Result<Vec<usize>> {
    s.split(',')
        .map(|t| {
            t.trim()
                .parse::<usize>()
                .map_err(|_| Error::invalid("--fanouts", format!("'{t}' in '{s}' is not a count")))
        })
        .collect()
}

/// A curve of the plot: its legend, colour, and the value it takes from each epoch.
type Series = (&'static str, RGBColor, fn(&EpochStats) -> f64);

/// Two panels: losses (training, validation) and accuracies (train, validation, test).
fn plot_curve(path: &PathBuf, title: &str, history: &[EpochStats]) -> Result<()> {
    let err = |e: &dyn std::fmt::Display| Error::io(path.display(), e.to_string());
    let root = SVGBackend::new(path, (900, 700)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let (top, bottom) = root.split_vertically(350);
    let max_loss = history
        .iter()
        .flat_map(|s| [s.loss, s.val_loss])
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max)
        .max(1e-3);
    let losses: [Series; 2] = [("train loss", BLUE, |s| s.loss), ("val loss", RED, |s| s.val_loss)];
    draw_panel(&top, &format!("{title}: loss"), "cross-entropy", max_loss * 1.05, &losses, history)
        .map_err(|e| err(&e))?;
    let accuracies: [Series; 3] = [
        ("train", BLUE, |s| s.train_acc),
        ("validation", RED, |s| s.val_acc),
        ("test", GREEN, |s| s.test_acc),
    ];
    draw_panel(&bottom, &format!("{title}: accuracy"), "accuracy (%)", 100.0, &accuracies, history)
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

/// One panel: the curves `series` over the epochs of `history`, y from 0 to `y_max`, with a
/// legend.
fn draw_panel(
    area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    caption: &str,
    y_desc: &str,
    y_max: f64,
    series: &[Series],
    history: &[EpochStats],
) -> std::result::Result<(), Box<dyn std::error::Error>> {
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 20))
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..history.len() as f64, 0.0..y_max)?;
    chart.configure_mesh().x_desc("epoch").y_desc(y_desc).draw()?;
    for &(name, color, f) in series {
        chart
            .draw_series(LineSeries::new(history.iter().map(|s| (s.epoch as f64, f(s))), color))?
            .label(name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
    }
    chart.configure_series_labels().background_style(WHITE).border_style(BLACK).draw()?;
    Ok(())
}
