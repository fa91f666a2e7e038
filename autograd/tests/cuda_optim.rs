//! The optimisers on the CUDA device (the emulated device in CI): fused updates run on the
//! parameter's device and keep their state there; several steps of every SGD variant, Adam
//! and AdamW match the same steps on the CPU; a gradient on another device than its
//! parameter is a device mismatch and a wrong-shaped one a shape error, with the parameter
//! left as it was. Tolerances as in `cuda_ops.rs`.

#![cfg(any(feature = "cuda", feature = "cuda-emulated"))]

mod cuda_common;

use cuda_common::{assert_close, cuda, host_data, tol};
use weft_autograd::nn::Param;
use weft_autograd::optim::{Adam, Optimizer, Sgd};
use weft_autograd::{Error, Float, Grads, Tensor};
use weft_ops::{rng::Philox, Device, Result};

/// An optimiser under test.
enum Opt<T: Float> {
    Sgd(Sgd<T>),
    Adam(Adam<T>),
}

impl<T: Float> Opt<T> {
    fn step(&mut self, g: &Grads<T>) -> Result<()> {
        match self {
            Opt::Sgd(o) => o.step(g),
            Opt::Adam(o) => o.step(g),
        }
    }
    fn state_devices(&self) -> Vec<Device> {
        match self {
            Opt::Sgd(o) => o.state_devices(),
            Opt::Adam(o) => o.state_devices(),
        }
    }
}

/// The optimisers under test, built over `params`, with the number of state buffers each
/// keeps for two parameters.
fn optimizers<T: Float>(params: &[Param<T>]) -> Vec<(&'static str, usize, Opt<T>)> {
    let ps = || params.to_vec();
    vec![
        ("sgd", 0, Opt::Sgd(Sgd::new(ps(), 0.1))),
        ("sgd momentum", 2, Opt::Sgd(Sgd::new(ps(), 0.05).momentum(0.9).weight_decay(1e-2))),
        ("sgd dampening", 2, Opt::Sgd(Sgd::new(ps(), 0.05).momentum(0.8).dampening(0.3))),
        ("sgd nesterov", 2, Opt::Sgd(Sgd::new(ps(), 0.05).momentum(0.9).nesterov(true).weight_decay(1e-3))),
        ("adam", 4, Opt::Adam(Adam::new(ps(), 0.01).weight_decay(1e-2).betas(0.8, 0.99))),
        ("adamw", 4, Opt::Adam(Adam::decoupled(ps(), 0.01, 0.1))),
    ]
}

/// Two parameters (`[3, 5]` and `[7]`) on `device`, the same values for the same seed.
fn params<T: Float>(device: Device) -> Result<Vec<Param<T>>> {
    let mut rng = Philox::new(99);
    Ok(vec![
        Param::new(Tensor::from_slice_on(&host_data::<T>(15, -1.0, 1.0, &mut rng), &[3, 5], device)?),
        Param::new(Tensor::from_slice_on(&host_data::<T>(7, -1.0, 1.0, &mut rng), &[7], device)?),
    ])
}

/// Gradients of `Σ c ⊙ w ⊙ w` over the parameters (so they depend on the current values),
/// with `c` fixed by the seed.
fn grads<T: Float>(params: &[Param<T>], device: Device) -> Result<Grads<T>> {
    let mut rng = Philox::new(5);
    let mut loss: Option<Tensor<T>> = None;
    for p in params {
        let c = Tensor::from_slice_on(&host_data::<T>(p.numel(), -1.0, 1.0, &mut rng), &p.shape(), device)?;
        let w = p.value();
        let term = w.mul(&w)?.mul(&c)?.sum_all()?;
        loss = Some(match loss {
            None => term,
            Some(l) => l.add(&term)?,
        });
    }
    loss.expect("parameters").backward()
}

/// The values of every parameter after `steps` steps of optimiser `which` on `device`, and
/// the devices of its state.
fn run<T: Float>(device: Device, which: usize, steps: usize) -> Result<(Vec<Vec<T>>, Vec<Device>)> {
    let ps = params::<T>(device)?;
    let (_, _, mut opt) = optimizers(&ps).swap_remove(which);
    for _ in 0..steps {
        opt.step(&grads(&ps, device)?)?;
        for p in &ps {
            assert_eq!(p.value().device(), device, "the value stays on its device");
        }
    }
    let values = ps.iter().map(|p| p.value().to_vec()).collect::<Result<Vec<_>>>()?;
    Ok((values, opt.state_devices()))
}

fn check_parity<T: Float>() {
    let Some(dev) = cuda() else { return };
    let cases: Vec<(&str, usize)> =
        optimizers::<T>(&params::<T>(Device::Cpu).unwrap()).iter().map(|o| (o.0, o.1)).collect();
    for (which, (name, n_state)) in cases.into_iter().enumerate() {
        let (want, _) = run::<T>(Device::Cpu, which, 5).unwrap();
        let (got, state) = run::<T>(dev, which, 5).unwrap();
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_close(g, w, tol::<T>(), &format!("{name}: parameter {i} after 5 steps"));
        }
        assert_eq!(state.len(), n_state, "{name}: state buffers");
        assert!(state.iter().all(|&d| d == dev), "{name}: the state lives on {dev}, not {state:?}");
    }
}

#[test]
fn optimiser_steps_on_the_device_match_the_cpu_f32() {
    check_parity::<f32>();
}

#[test]
fn optimiser_steps_on_the_device_match_the_cpu_f64() {
    check_parity::<f64>();
}

#[test]
fn a_gradient_on_another_device_is_a_device_mismatch() {
    let Some(dev) = cuda() else { return };
    let p = Param::new(Tensor::<f64>::from_slice_on(&[1.0, 2.0, 3.0], &[3], dev).unwrap());
    let mut g = Grads::new();
    g.insert(p.id(), Tensor::from_slice(&[1.0, 1.0, 1.0], &[3]).unwrap());
    for (name, opt) in [
        ("sgd", Box::new(Sgd::new(vec![p.clone()], 0.1).momentum(0.9)) as Box<dyn Optimizer<f64>>),
        ("adam", Box::new(Adam::new(vec![p.clone()], 0.1))),
    ]
    .iter_mut()
    {
        let err = opt.step(&g).unwrap_err();
        assert!(matches!(err, Error::DeviceMismatch { .. }), "{name}: {err:?}");
        assert!(err.to_string().contains("cpu") && err.to_string().contains("cuda:0"), "{name}: {err}");
        assert_eq!(p.value().to_vec().unwrap(), vec![1.0, 2.0, 3.0], "{name}: the parameter is untouched");
    }
    // A CPU parameter with a device gradient, the other way round.
    let q = Param::new(Tensor::<f64>::from_slice(&[1.0, 2.0], &[2]).unwrap());
    let mut g = Grads::new();
    g.insert(q.id(), Tensor::from_slice_on(&[1.0, 1.0], &[2], dev).unwrap());
    let err = Adam::new(vec![q.clone()], 0.1).step(&g).unwrap_err();
    assert!(matches!(err, Error::DeviceMismatch { .. }), "{err:?}");
}

#[test]
fn a_wrong_shaped_gradient_is_a_shape_error() {
    let Some(dev) = cuda() else { return };
    let p = Param::new(Tensor::<f32>::from_slice_on(&[1.0, 2.0, 3.0, 4.0], &[2, 2], dev).unwrap());
    let mut g = Grads::new();
    g.insert(p.id(), Tensor::from_slice_on(&[1.0, 1.0, 1.0, 1.0], &[4], dev).unwrap());
    for mut opt in [
        Box::new(Sgd::new(vec![p.clone()], 0.1)) as Box<dyn Optimizer<f32>>,
        Box::new(Adam::decoupled(vec![p.clone()], 0.1, 0.01)),
    ] {
        let err = opt.step(&g).unwrap_err();
        assert!(matches!(err, Error::Shape { .. }) && err.to_string().contains("[4]"), "{err}");
    }
    assert_eq!(p.value().to_vec().unwrap(), vec![1.0, 2.0, 3.0, 4.0]);
}

#[test]
fn a_shared_device_value_is_updated_on_a_copy() {
    let Some(dev) = cuda() else { return };
    let p = Param::new(Tensor::<f64>::from_slice_on(&[1.0, 2.0], &[2], dev).unwrap());
    let held = p.value(); // shares the buffer: the step must not write through it
    let mut g = Grads::new();
    g.insert(p.id(), Tensor::from_slice_on(&[1.0, -1.0], &[2], dev).unwrap());
    Sgd::new(vec![p.clone()], 0.5).step(&g).unwrap();
    assert_eq!(held.to_vec().unwrap(), vec![1.0, 2.0]);
    let v = p.value();
    assert_eq!((v.device(), v.to_vec().unwrap()), (dev, vec![0.5, 2.5]));
    assert_eq!(v.leaf_id(), Some(p.id()), "the new value is still the parameter's leaf");
}
