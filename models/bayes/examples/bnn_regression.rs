//! 1-D Bayesian neural-network regression: y = sin(3x) + N(0, 0.1^2) on 100 points in
//! [-2, 2], a 1-50-1 tanh MLP with N(0, 1) priors on all 151 parameters and known noise 0.1,
//! sampled with NUTS, static HMC or SGHMC; a progress bar per chain, a compact summary, the
//! posterior predictive at a grid, and optionally an SVG plot of the data, the posterior mean
//! and the 90% band.
//!
//! ```text
//! cargo run --release --example bnn_regression -- --chains 4 --plot band.svg
//! cargo run --release --example bnn_regression -- --sampler sghmc --chains 2
//! ```

use clap::{Parser, ValueEnum};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use plotters::prelude::*;
use std::path::PathBuf;
use std::time::Instant;
use weft_autograd::Float;
use weft_bayes::bnn::{Activation, Bnn, BnnDensity, Likelihood};
use weft_bayes::{
    sample_chains, sample_sghmc_chains, Posterior, PredictiveSummary, SamplerConfig, SghmcConfig,
};
use weft_ops::rng::Philox;
use weft_ops::{Device, Error, Result};

/// mimalloc instead of the system allocator: the sampler allocates and frees the same few
/// buffers millions of times, and glibc's malloc returns the top of the heap to the system and
/// takes it back on every gradient (40% of an f64 run spent in the kernel).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Clone, Copy, Debug, ValueEnum)]
enum SamplerKind {
    Nuts,
    Hmc,
    Sghmc,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Dtype {
    F32,
    F64,
}

/// Bayesian neural-network regression with weft-bayes.
#[derive(Parser, Debug)]
struct Args {
    /// Sampler.
    #[arg(long, value_enum, default_value = "nuts")]
    sampler: SamplerKind,
    /// Number of chains (run in parallel).
    #[arg(long, default_value_t = 4)]
    chains: usize,
    /// Warm-up iterations (burn-in steps for SGHMC).
    #[arg(long, default_value_t = 1000)]
    warmup: usize,
    /// Kept draws per chain.
    #[arg(long, default_value_t = 1000)]
    samples: usize,
    /// Sampler seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Seed of the simulated data set.
    #[arg(long, default_value_t = 0)]
    data_seed: u64,
    /// Write an SVG plot of the data, the posterior mean and the 90% band here.
    #[arg(long)]
    plot: Option<PathBuf>,
    /// Write the data set as CSV (x,y) here (e.g. for bench/compare/numpyro_bnn.py).
    #[arg(long)]
    data_out: Option<PathBuf>,
    /// Device: cpu, cuda or cuda:N.
    #[arg(long, default_value = "cpu")]
    device: String,
    /// Element type of the network on the tape.
    #[arg(long, value_enum, default_value = "f32")]
    dtype: Dtype,
    /// Leapfrog steps per HMC transition.
    #[arg(long, default_value_t = 64)]
    leapfrog: usize,
    /// SGHMC minibatch size.
    #[arg(long, default_value_t = 32)]
    batch: usize,
    /// SGHMC steps between kept draws.
    #[arg(long, default_value_t = 10)]
    thin: usize,
}

fn main() {
    let args = Args::parse();
    if let Err(e) = run(&args) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

/// The data set: `n` points evenly spaced on [-2, 2], `y = sin(3x) + N(0, 0.1^2)`.
fn make_data(n: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut rng = Philox::new(seed);
    let x: Vec<f64> = (0..n).map(|i| -2.0 + 4.0 * i as f64 / (n - 1) as f64).collect();
    let y = x.iter().map(|&v| (3.0 * v).sin() + 0.1 * rng.normal()).collect();
    (x, y)
}

fn run(args: &Args) -> Result<()> {
    let device: Device = args.device.parse()?;
    let (x, y) = make_data(100, args.data_seed);
    if let Some(path) = &args.data_out {
        let csv: String = std::iter::once("x,y\n".to_string())
            .chain(x.iter().zip(&y).map(|(a, b)| format!("{a},{b}\n")))
            .collect();
        std::fs::write(path, csv).map_err(|e| Error::io(path.display(), e))?;
    }
    let net = Bnn::new(&[1, 50, 1], Activation::Tanh, Likelihood::gaussian(0.1)?)?;
    let post = match args.dtype {
        Dtype::F32 => sample::<f32>(args, &net, &x, &y, device)?,
        Dtype::F64 => sample::<f64>(args, &net, &x, &y, device)?,
    };
    let (post, wall) = post;
    let summary = post.summary()?;
    println!("{}", summary.compact(3));
    let min_ess = summary.min_ess_bulk();
    println!(
        "wall time: {wall:.2} s; min bulk ESS per second: {:.2}; gradient evaluations per second: {:.0}",
        min_ess / wall,
        post.n_grad_evals() as f64 / wall
    );

    // Posterior predictive of the regression function.
    let grid: Vec<f64> = (0..=8).map(|i| -2.0 + 0.5 * i as f64).collect();
    let pred = net.predictive(&post, &grid, &[0.05, 0.95])?;
    println!("\nposterior predictive of f(x) (mean, 90% band; truth sin(3x)):");
    for (j, &g) in grid.iter().enumerate() {
        println!(
            "x = {g:5.2}: mean {:7.3}  band [{:7.3}, {:7.3}]  sin(3x) {:7.3}",
            pred.mean[j],
            pred.quantiles[0][j],
            pred.quantiles[1][j],
            (3.0 * g).sin()
        );
    }
    let at_data = net.predictive(&post, &x, &[0.05, 0.95])?;
    let rmse = (at_data.mean.iter().zip(&x).map(|(m, &v)| (m - (3.0 * v).sin()).powi(2)).sum::<f64>()
        / x.len() as f64)
        .sqrt();
    println!("RMSE of the posterior mean against sin(3x) at the data: {rmse:.4}");

    if let Some(path) = &args.plot {
        let fine: Vec<f64> = (0..=200).map(|i| -2.2 + 4.4 * i as f64 / 200.0).collect();
        let band = net.predictive(&post, &fine, &[0.05, 0.95])?;
        plot(path, &x, &y, &fine, &band)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// Samples the posterior with the chosen sampler, one progress bar per chain; returns the
/// draws and the wall time in seconds.
fn sample<T: Float>(
    args: &Args,
    net: &Bnn,
    x: &[f64],
    y: &[f64],
    device: Device,
) -> Result<(Posterior, f64)> {
    // Builds one density up front so that a bad device fails before the bars appear.
    BnnDensity::<T>::new(net, x, y, device)?;
    let inits = net.inits(args.chains, 2.0, 0.1, args.seed);
    let per_chain = match args.sampler {
        SamplerKind::Sghmc => args.warmup + args.samples * args.thin,
        _ => args.warmup + args.samples,
    };
    let multi = MultiProgress::new();
    let style = ProgressStyle::with_template("chain {prefix}: [{bar:40}] {pos}/{len} ({elapsed}, eta {eta})")
        .map_err(|e| Error::invalid("progress bar", e.to_string()))?
        .progress_chars("=> ");
    let bars: Vec<ProgressBar> = (0..args.chains)
        .map(|c| {
            let b = multi.add(ProgressBar::new(per_chain as u64));
            b.set_style(style.clone());
            b.set_prefix(c.to_string());
            b
        })
        .collect();
    // indicatif rate-limits redraws, so updating on every iteration is cheap.
    let progress = |c: usize, it: usize| bars[c].set_position(it as u64);
    let names = Some(net.param_names());
    let make = |_c: usize| BnnDensity::<T>::new(net, x, y, device);
    let start = Instant::now();
    let post = match args.sampler {
        SamplerKind::Nuts => {
            let cfg = SamplerConfig::nuts().iterations(args.warmup, args.samples);
            sample_chains(make, &inits, &cfg, args.seed, names, Some(&progress))?
        }
        SamplerKind::Hmc => {
            let cfg = SamplerConfig::hmc(args.leapfrog).iterations(args.warmup, args.samples);
            sample_chains(make, &inits, &cfg, args.seed, names, Some(&progress))?
        }
        SamplerKind::Sghmc => {
            let cfg = SghmcConfig {
                burn_in: args.warmup,
                draws: args.samples,
                thin: args.thin,
                ..Default::default()
            };
            let make = |_c: usize| BnnDensity::<T>::new(net, x, y, device)?.with_batch_size(args.batch);
            sample_sghmc_chains(make, &inits, &cfg, args.seed, names, Some(&progress))?
        }
    };
    let wall = start.elapsed().as_secs_f64();
    for b in &bars {
        b.finish();
    }
    Ok((post, wall))
}

fn plot_err(e: impl std::fmt::Display) -> Error {
    Error::invalid("plot", e.to_string())
}

/// Data points, the posterior mean and the 90% band as an SVG.
fn plot(path: &PathBuf, x: &[f64], y: &[f64], grid: &[f64], band: &PredictiveSummary) -> Result<()> {
    let root = SVGBackend::new(path, (900, 540)).into_drawing_area();
    root.fill(&WHITE).map_err(plot_err)?;
    let (lo, hi) = (&band.quantiles[0], &band.quantiles[1]);
    let ymin = lo.iter().chain(y).copied().fold(f64::INFINITY, f64::min) - 0.2;
    let ymax = hi.iter().chain(y).copied().fold(f64::NEG_INFINITY, f64::max) + 0.2;
    let mut chart = ChartBuilder::on(&root)
        .margin(20)
        .x_label_area_size(30)
        .y_label_area_size(40)
        .build_cartesian_2d(grid[0]..grid[grid.len() - 1], ymin..ymax)
        .map_err(plot_err)?;
    chart.configure_mesh().draw().map_err(plot_err)?;
    let polygon: Vec<(f64, f64)> = grid
        .iter()
        .zip(hi)
        .map(|(&a, &b)| (a, b))
        .chain(grid.iter().zip(lo).rev().map(|(&a, &b)| (a, b)))
        .collect();
    chart.draw_series(std::iter::once(Polygon::new(polygon, BLUE.mix(0.2)))).map_err(plot_err)?;
    chart
        .draw_series(LineSeries::new(
            grid.iter().zip(&band.mean).map(|(&a, &b)| (a, b)),
            BLUE.stroke_width(2),
        ))
        .map_err(plot_err)?;
    chart
        .draw_series(x.iter().zip(y).map(|(&a, &b)| Circle::new((a, b), 3, BLACK.filled())))
        .map_err(plot_err)?;
    root.present().map_err(plot_err)?;
    Ok(())
}
