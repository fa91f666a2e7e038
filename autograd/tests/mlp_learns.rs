//! End to end: an MLP trained with Adam learns the two-spirals task; and the synthetic data
//! and accuracy helpers it relies on.

use weft_autograd::nn::{loss::cross_entropy, Activation, Mlp, Mode, Module};
use weft_autograd::optim::{Adam, Optimizer};
use weft_autograd::synthetic::{accuracy, two_spirals};
use weft_autograd::{no_grad, Error, Indices, Tensor};
use weft_ops::{rng::Philox, Device};

#[test]
fn mlp_learns_two_spirals() {
    let mut rng = Philox::new(2024);
    let (x, y) = two_spirals::<f32>(100, 0.02, &mut rng).unwrap();
    let mlp = Mlp::<f32>::new(&[2, 32, 32, 2], Activation::Tanh, 0.0, &mut rng, Device::Cpu).unwrap();
    let mut opt = Adam::new(mlp.parameters(), 0.02);
    let initial = cross_entropy(&mlp.forward(&x, Mode::Train).unwrap(), &y).unwrap().item().unwrap();
    let mut last = initial;
    for _ in 0..400 {
        let loss = cross_entropy(&mlp.forward(&x, Mode::Train).unwrap(), &y).unwrap();
        last = loss.item().unwrap();
        assert!(last.is_finite(), "loss diverged");
        let grads = loss.backward().unwrap();
        opt.step(&grads).unwrap();
    }
    let logits = no_grad(|| mlp.forward(&x, Mode::Eval)).unwrap();
    let acc = accuracy(&logits, &y).unwrap();
    // Chance is 0.5 and a linear model cannot beat ~0.65 on interleaved spirals.
    assert!(acc > 0.95, "training accuracy {acc}");
    assert!(last < initial / 10.0, "loss went from {initial} to {last}");
}

#[test]
fn two_spirals_shapes_labels_and_seeding() {
    let (x, y) = two_spirals::<f64>(50, 0.1, &mut Philox::new(1)).unwrap();
    assert_eq!(x.shape(), &[100, 2]);
    let labels = y.to_vec().unwrap();
    assert_eq!(labels.iter().filter(|&&l| l == 0).count(), 50);
    assert_eq!(labels.iter().filter(|&&l| l == 1).count(), 50);
    let (x2, _) = two_spirals::<f64>(50, 0.1, &mut Philox::new(1)).unwrap();
    let (x3, _) = two_spirals::<f64>(50, 0.1, &mut Philox::new(2)).unwrap();
    assert_eq!(x.to_vec().unwrap(), x2.to_vec().unwrap());
    assert_ne!(x.to_vec().unwrap(), x3.to_vec().unwrap());
    // Noise-free: the classes are point reflections of each other, with radius <= 1.
    let (c, _) = two_spirals::<f64>(20, 0.0, &mut Philox::new(0)).unwrap();
    let v = c.to_vec().unwrap();
    for i in 0..20 {
        assert_eq!((v[2 * i], v[2 * i + 1]), (-v[40 + 2 * i], -v[40 + 2 * i + 1]));
        assert!(v[2 * i].hypot(v[2 * i + 1]) <= 1.0);
    }
    for bad in [-0.1, f64::NAN, f64::INFINITY] {
        assert!(matches!(two_spirals::<f32>(5, bad, &mut Philox::new(0)), Err(Error::Invalid { .. })));
    }
}

#[test]
fn accuracy_counts_argmax_hits_and_checks_lengths() {
    let logits = Tensor::<f64>::from_slice(&[0.1, 0.9, 2.0, -1.0, 0.3, 0.2, 0.0, 5.0], &[4, 2]).unwrap();
    // argmax: 1, 0, 0, 1
    let acc = accuracy(&logits, &Indices::new(vec![1, 0, 1, 0])).unwrap();
    assert_eq!(acc, 0.5);
    assert_eq!(accuracy(&logits, &Indices::new(vec![1, 0, 0, 1])).unwrap(), 1.0);
    let e = accuracy(&logits, &Indices::new(vec![1, 0, 0])).unwrap_err();
    assert!(matches!(e, Error::Shape { .. }) && e.to_string().contains("[4, 2]"), "{e}");
}
