//! The nn layer and loss composites: gradients with respect to their tensor inputs (the
//! layers' parameters are fixed, random, and not checked here).

use crate::{config, prop_check};
use proptest::prelude::*;
use weft_autograd::nn::{loss, LayerNorm, Mode, MultiHeadAttention};
use weft_autograd::{Indices, Tensor};
use weft_ops::{rng::Philox, Device};
use weft_tests::strategies::{shaped_values, view, Domain};
use weft_tests::Input;

fn uniform(rng: &mut Philox, n: usize, lo: f64, hi: f64) -> Vec<f64> {
    (0..n).map(|_| lo + (hi - lo) * rng.uniform()).collect()
}

proptest! {
    #![proptest_config(config(32))]

    /// Cross-entropy of logits `[n, c]` against random labels.
    #[test]
    fn cross_entropy((n, c) in (1usize..=5, 1usize..=4), seed in any::<u64>(), v in view()) {
        let mut rng = Philox::new(seed);
        let labels = Indices::new((0..n).map(|_| rng.below(c as u64) as u32).collect());
        let logits = Input::new(&[n, c], uniform(&mut rng, n * c, -3.0, 3.0)).with_view(v);
        prop_check(|xs| loss::cross_entropy(&xs[0], &labels), &[logits])?;
    }

    /// MSE, BCE-with-logits and Gaussian NLL, differentiable in every argument.
    #[test]
    fn regression_losses((shape, u) in shaped_values(1, 3, 4), seed in any::<u64>(), va in view(), vb in view()) {
        let mut rng = Philox::new(seed);
        let n = u.len();
        let pred = Input::new(&shape, Domain::Any.map_all(&u)).with_view(va);
        let target = Input::new(&shape, uniform(&mut rng, n, 0.0, 1.0)).with_view(vb);
        let var = Input::new(&shape, uniform(&mut rng, n, 0.2, 3.0));
        prop_check(|xs| loss::mse(&xs[0], &xs[1]), &[pred.clone(), target.clone()])?;
        prop_check(|xs| loss::bce_with_logits(&xs[0], &xs[1]), &[pred.clone(), target.clone()])?;
        prop_check(|xs| loss::gaussian_nll(&xs[0], &xs[2], &xs[1]), &[pred, target, var])?;
    }

    /// LayerNorm over the last axis with random scale and shift.
    #[test]
    fn layer_norm((shape, u) in shaped_values(1, 3, 4), seed in any::<u64>(), v in view()) {
        let dim = *shape.last().unwrap();
        let mut rng = Philox::new(seed);
        let ln = LayerNorm::<f64>::new(dim, Device::Cpu).unwrap();
        ln.gamma.set(&Tensor::from_vec(uniform(&mut rng, dim, 0.5, 2.0), &[dim]).unwrap()).unwrap();
        ln.beta.set(&Tensor::from_vec(uniform(&mut rng, dim, -1.0, 1.0), &[dim]).unwrap()).unwrap();
        let x = Input::new(&shape, Domain::Any.map_all(&u)).with_view(v);
        prop_check(|xs| ln.forward(&xs[0]), &[x])?;
    }

    /// Multi-head self- and cross-attention, with and without an additive mask.
    #[test]
    fn multi_head_attention(
        (batch, n, m) in (0usize..=2, 1usize..=3, 1usize..=3),
        heads in 1usize..=2,
        masked in any::<bool>(),
        seed in any::<u64>(),
        vq in view(),
    ) {
        let dim = 2 * heads;
        let mut rng = Philox::new(seed);
        let mha = MultiHeadAttention::<f64>::new(dim, heads, 0.0, &mut rng, Device::Cpu).unwrap();
        let lead: Vec<usize> = if batch == 0 { vec![] } else { vec![batch] };
        let sq: Vec<usize> = lead.iter().copied().chain([n, dim]).collect();
        let skv: Vec<usize> = lead.iter().copied().chain([m, dim]).collect();
        let q = Input::new(&sq, uniform(&mut rng, sq.iter().product(), -1.5, 1.5)).with_view(vq);
        let kv = Input::new(&skv, uniform(&mut rng, skv.iter().product(), -1.5, 1.5));
        let mask = Tensor::from_vec(uniform(&mut rng, n * m, -2.0, 0.0), &[n, m]).unwrap();
        let mask = masked.then_some(&mask);
        prop_check(|xs| mha.forward(&xs[0], &xs[1], mask, Mode::Eval), &[q.clone(), kv])?;
        if n == m {
            prop_check(|xs| mha.forward(&xs[0], &xs[0], mask, Mode::Eval), &[q])?;
        }
    }
}
