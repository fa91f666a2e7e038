//! Model-step parity on the CUDA device (the emulated device in CI): the same MLP, built from
//! the same seed on the CPU and on the device, gives the same parameters, loss, gradient of
//! every parameter, and parameters after each optimiser step (Adam, SGD with momentum).
//! An attention block (embedding, multi-head attention with dropout, layer norm) gives the
//! same loss and parameter gradients. Tolerances as in `cuda_ops.rs`.

#![cfg(any(feature = "cuda", feature = "cuda-emulated"))]

mod cuda_common;

use cuda_common::{assert_close, cuda, host_data, tol};
use weft_autograd::nn::{loss, Activation, Mlp, Mode, Module};
use weft_autograd::optim::{Adam, Optimizer, Sgd};
use weft_autograd::{Float, Indices, Tensor};
use weft_ops::{rng::Philox, Device, Result};

/// What one training run records: initial parameters, then per step the loss, the gradient
/// of every parameter and the parameters after the update.
#[derive(Default)]
struct Trace<T> {
    initial: Vec<Vec<T>>,
    losses: Vec<T>,
    grads: Vec<Vec<Vec<T>>>,
    after: Vec<Vec<Vec<T>>>,
}

/// Trains an MLP `[7, 19, 33, 4]` (tanh, dropout 0.2 in training mode) for `steps` steps of
/// cross-entropy on a fixed random batch, on `device`.
fn train<T: Float>(device: Device, adam: bool, steps: usize) -> Result<Trace<T>> {
    let mut rng = Philox::new(2024);
    let mlp = Mlp::<T>::new(&[7, 19, 33, 4], Activation::Tanh, 0.2, &mut rng, device)?;
    let params = mlp.parameters();
    for p in &params {
        assert_eq!(p.value().device(), device, "parameters are created on the device");
    }
    let mut opt: Box<dyn Optimizer<T>> = if adam {
        Box::new(Adam::new(params.clone(), 0.01).weight_decay(1e-3))
    } else {
        Box::new(Sgd::new(params.clone(), 0.1).momentum(0.9).weight_decay(1e-3))
    };
    let mut data = Philox::new(7);
    let x = Tensor::from_slice_on(&host_data::<T>(10 * 7, -1.0, 1.0, &mut data), &[10, 7], device)?;
    let labels = Indices::new((0..10).map(|i| (i * 3 % 4) as u32).collect()).to_device(device)?;
    let values = |ps: &[weft_autograd::nn::Param<T>]| {
        ps.iter().map(|p| p.value().to_vec()).collect::<Result<Vec<_>>>()
    };
    let mut trace = Trace { initial: values(&params)?, ..Trace::default() };
    for _ in 0..steps {
        let loss = loss::cross_entropy(&mlp.forward(&x, Mode::Train)?, &labels)?;
        assert_eq!(loss.device(), device);
        trace.losses.push(loss.item()?);
        let grads = loss.backward()?;
        let mut gs = Vec::new();
        for p in &params {
            let g = grads.get_id(p.id()).expect("every parameter gets a gradient");
            assert_eq!(g.device(), device, "gradients live on the device");
            gs.push(g.to_vec()?);
        }
        trace.grads.push(gs);
        opt.step(&grads)?;
        for p in &params {
            assert_eq!(p.value().device(), device, "the optimiser keeps parameters on the device");
        }
        trace.after.push(values(&params)?);
    }
    Ok(trace)
}

fn check_parity<T: Float>(adam: bool) {
    let Some(dev) = cuda() else { return };
    let steps = 2;
    let want = train::<T>(Device::Cpu, adam, steps).unwrap();
    let got = train::<T>(dev, adam, steps).unwrap_or_else(|e| panic!("training on {dev}: {e}"));
    let opt = if adam { "Adam" } else { "SGD" };
    let what = |s: String| format!("MLP {opt} ({}): {s}", T::DTYPE.name());
    let t = tol::<T>();
    for (i, (g, w)) in got.initial.iter().zip(&want.initial).enumerate() {
        assert_close(g, w, t, &what(format!("initial parameter {i}")));
    }
    assert_close(&got.losses, &want.losses, t, &what("losses".into()));
    for s in 0..steps {
        for (i, (g, w)) in got.grads[s].iter().zip(&want.grads[s]).enumerate() {
            assert_close(g, w, t, &what(format!("step {s}, gradient of parameter {i}")));
        }
        for (i, (g, w)) in got.after[s].iter().zip(&want.after[s]).enumerate() {
            assert_close(g, w, t, &what(format!("step {s}, parameter {i} after the update")));
        }
    }
    // The run did something: the loss moved and the parameters changed.
    assert!(want.losses[0] != want.losses[1], "the first step changed the loss");
    assert!(want.after[0] != want.initial, "the first step changed the parameters");
}

#[test]
fn mlp_adam_steps_match_the_cpu_f64() {
    check_parity::<f64>(true);
}

#[test]
fn mlp_adam_steps_match_the_cpu_f32() {
    check_parity::<f32>(true);
}

#[test]
fn mlp_sgd_momentum_steps_match_the_cpu() {
    check_parity::<f64>(false);
    check_parity::<f32>(false);
}

/// Loss and the gradient of every parameter of a small attention block (embedding ->
/// multi-head self-attention with dropout -> layer norm -> MSE) on `device`.
#[allow(clippy::type_complexity)]
fn attention_step<T: Float>(device: Device) -> Result<(T, Vec<Vec<T>>)> {
    use weft_autograd::nn::{Embedding, LayerNorm, MultiHeadAttention};
    let mut rng = Philox::new(31);
    let emb = Embedding::<T>::new(11, 12, &mut rng, device)?;
    let att = MultiHeadAttention::<T>::new(12, 3, 0.1, &mut rng, device)?;
    let norm = LayerNorm::<T>::new(12, device)?;
    let tokens = Indices::new(vec![3, 1, 4, 1, 5, 9, 2, 6, 5, 3]).to_device(device)?;
    let x = emb.forward(&tokens)?.reshape(&[2, 5, 12])?;
    let y = norm.forward(&att.forward(&x, &x, None, Mode::Train)?)?;
    let target =
        Tensor::from_slice_on(&host_data::<T>(120, -1.0, 1.0, &mut Philox::new(3)), &[2, 5, 12], device)?;
    let loss = loss::mse(&y, &target)?;
    let grads = loss.backward()?;
    let params: Vec<_> =
        emb.parameters().into_iter().chain(att.parameters()).chain(norm.parameters()).collect();
    let gs = params
        .iter()
        .map(|p| {
            let g = grads.get_id(p.id()).expect("every parameter gets a gradient");
            assert_eq!(g.device(), device);
            g.to_vec()
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((loss.item()?, gs))
}

#[test]
fn attention_block_gradients_match_the_cpu() {
    let Some(dev) = cuda() else { return };
    fn check<T: Float>(dev: Device) {
        let (want_loss, want) = attention_step::<T>(Device::Cpu).unwrap();
        let (got_loss, got) = attention_step::<T>(dev).unwrap_or_else(|e| panic!("on {dev}: {e}"));
        let name = T::DTYPE.name();
        assert_close(&[got_loss], &[want_loss], tol::<T>(), &format!("attention block ({name}): loss"));
        assert_eq!(got.len(), want.len());
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_close(g, w, tol::<T>(), &format!("attention block ({name}): gradient of parameter {i}"));
        }
    }
    check::<f64>(dev);
    check::<f32>(dev);
}
