//! Trains an MLP on two interleaved spirals and prints loss and accuracy as it goes.
//!
//! ```text
//! cargo run --release --example mlp [-- --device cpu|cuda|cuda:N]
//! ```
//!
//! `--device cuda` needs weft built with CUDA (`--features weft-autograd/cuda`); otherwise it
//! stops with weft's "built without CUDA" error.

use std::time::Instant;
use weft_autograd::nn::{loss::cross_entropy, Activation, Mlp, Mode, Module};
use weft_autograd::optim::{Adam, Optimizer};
use weft_autograd::synthetic::{accuracy, two_spirals};
use weft_autograd::{no_grad, Result};
use weft_ops::{rng::Philox, Device};

/// mimalloc instead of the system allocator: training allocates and frees the same buffers
/// every step, which glibc's malloc answers with heap trimming and regrowth (system calls).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The `--device` flag (default `cpu`).
fn device_from_args() -> Result<Device> {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == "--device") {
        Some(i) => args.get(i + 1).map(String::as_str).unwrap_or("").parse(),
        None => Ok(Device::Cpu),
    }
}

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let device = device_from_args()?;
    let mut rng = Philox::new(7);
    let (x_train, y_train) = two_spirals::<f32>(300, 0.02, &mut rng)?;
    let (x_test, y_test) = two_spirals::<f32>(300, 0.02, &mut rng)?;
    let (x_train, y_train) = (x_train.to_device(device)?, y_train.to_device(device)?);
    let (x_test, y_test) = (x_test.to_device(device)?, y_test.to_device(device)?);
    let model = Mlp::<f32>::new(&[2, 64, 64, 2], Activation::Tanh, 0.0, &mut rng, device)?;
    let mut opt = Adam::new(model.parameters(), 0.01);
    println!(
        "two spirals: {} training points, MLP 2-64-64-2 (tanh), {} parameters",
        x_train.shape()[0],
        model.num_parameters()
    );
    let start = Instant::now();
    let epochs = 600;
    for epoch in 1..=epochs {
        let logits = model.forward(&x_train, Mode::Train)?;
        let loss = cross_entropy(&logits, &y_train)?;
        let grads = loss.backward()?;
        opt.step(&grads)?;
        if epoch % 50 == 0 || epoch == 1 {
            let train_acc = accuracy(&logits, &y_train)?;
            let test_acc =
                no_grad(|| -> Result<f64> { accuracy(&model.forward(&x_test, Mode::Eval)?, &y_test) })?;
            println!(
                "epoch {epoch:4}  loss {:.4}  train acc {:5.1}%  test acc {:5.1}%",
                loss.item()?,
                100.0 * train_acc,
                100.0 * test_acc
            );
        }
    }
    println!("{epochs} epochs in {:.2} s", start.elapsed().as_secs_f64());
    Ok(())
}
