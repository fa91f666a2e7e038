//! Views and shape ops: reshape, flatten, transpose, t, permute, narrow, broadcast_to,
//! unsqueeze, squeeze, concat, stack, contiguous — alone, chained, and on strided inputs.

use crate::{config, prop_check};
use proptest::prelude::*;
use weft_autograd::Tensor;
use weft_tests::strategies::{broadcast_pair, shape, shaped_values, unit_values, view, Domain, ShapedValues};
use weft_tests::{Input, View};

const ANY: Domain = Domain::Any;

/// A shape with values and a random permutation of its axes.
fn permuted() -> impl Strategy<Value = (Vec<usize>, Vec<f64>, Vec<usize>)> {
    shaped_values(1, 4, 3).prop_flat_map(|(s, u)| {
        let perm: Vec<usize> = (0..s.len()).collect();
        (Just(s), Just(u), Just(perm).prop_shuffle())
    })
}

/// Same-rank shapes that agree everywhere but along `axis` (2 or 3 of them), with values.
fn concat_parts() -> impl Strategy<Value = (usize, Vec<ShapedValues>)> {
    (shape(1, 3, 3), 0usize..3, prop::collection::vec(1usize..=3, 2..=3)).prop_flat_map(
        |(base, pick, lens)| {
            let axis = pick % base.len();
            let parts: Vec<_> = lens
                .iter()
                .map(|&len| {
                    let mut s = base.clone();
                    s[axis] = len;
                    let n = s.iter().product();
                    (Just(s), unit_values(n))
                })
                .collect();
            (Just(axis), parts)
        },
    )
}

proptest! {
    #![proptest_config(config(32))]

    /// Reshape to a flat vector, to the reversed dimensions, and to a column.
    #[test]
    fn reshape((shape, u) in shaped_values(0, 3, 4), which in 0usize..4, v in view()) {
        let n: usize = shape.iter().product();
        let target = match which {
            0 => vec![n],
            1 => shape.iter().rev().copied().collect(),
            2 => vec![n, 1],
            _ => vec![1, n, 1],
        };
        let input = Input::new(&shape, ANY.map_all(&u)).with_view(v);
        prop_check(|xs| xs[0].reshape(&target), std::slice::from_ref(&input))?;
        prop_check(|xs| xs[0].flatten(), &[input])?;
    }

    /// Transpose of two random axes, and `t`.
    #[test]
    fn transpose_and_t((shape, u) in shaped_values(2, 4, 3), a in 0usize..4, b in 0usize..4, v in view()) {
        let (a, b) = (a % shape.len(), b % shape.len());
        let input = Input::new(&shape, ANY.map_all(&u)).with_view(v);
        prop_check(|xs| xs[0].transpose(a, b), std::slice::from_ref(&input))?;
        prop_check(|xs| xs[0].t(), &[input])?;
    }

    /// A random permutation of the axes.
    #[test]
    fn permute((shape, u, perm) in permuted(), v in view()) {
        let input = Input::new(&shape, ANY.map_all(&u)).with_view(v);
        prop_check(|xs| xs[0].permute(&perm), &[input])?;
    }

    /// `narrow` at a random axis, start and length (length 0 included).
    #[test]
    fn narrow((shape, u) in shaped_values(1, 3, 4), pick in 0usize..3, s in 0usize..4, l in 0usize..5, v in view()) {
        let axis = pick % shape.len();
        let start = s % shape[axis];
        let len = l % (shape[axis] - start + 1);
        let input = Input::new(&shape, ANY.map_all(&u)).with_view(v);
        prop_check(|xs| xs[0].narrow(axis, start, len), &[input])?;
    }

    /// `broadcast_to` a shape the input broadcasts to.
    #[test]
    fn broadcast_to((p, q) in broadcast_pair(3, 3), seed in any::<u64>(), v in view()) {
        let key = |s: &Vec<usize>| (s.len(), s.iter().product::<usize>());
        let (full, small) = if key(&p) >= key(&q) { (p, q) } else { (q, p) };
        let mut rng = weft_ops::rng::Philox::new(seed);
        let values = (0..small.iter().product()).map(|_| ANY.map(2.0 * rng.uniform() - 1.0)).collect();
        let input = Input::new(&small, values).with_view(v);
        prop_check(|xs| xs[0].broadcast_to(&full), &[input])?;
    }

    /// `unsqueeze` at any position, and `squeeze` of a length-1 axis (made by unsqueeze or
    /// already in the shape).
    #[test]
    fn unsqueeze_and_squeeze((shape, u) in shaped_values(0, 3, 2), pick in 0usize..4, v in view()) {
        let axis = pick % (shape.len() + 1);
        let input = Input::new(&shape, ANY.map_all(&u)).with_view(v);
        prop_check(|xs| xs[0].unsqueeze(axis), std::slice::from_ref(&input))?;
        prop_check(|xs| xs[0].unsqueeze(axis)?.squeeze(axis), std::slice::from_ref(&input))?;
        if let Some(one) = shape.iter().position(|&d| d == 1) {
            prop_check(|xs| xs[0].squeeze(one), &[input])?;
        }
    }

    /// `concat` of 2 or 3 parts along a random axis, each through its own view.
    #[test]
    fn concat((axis, parts) in concat_parts(), views in prop::collection::vec(view(), 3)) {
        let inputs: Vec<Input> = parts
            .iter()
            .zip(&views)
            .map(|((s, u), &v)| Input::new(s, ANY.map_all(u)).with_view(v))
            .collect();
        prop_check(|xs| Tensor::concat(&xs.iter().collect::<Vec<_>>(), axis), &inputs)?;
    }

    /// `concat` and `stack` of one input with itself (gradients accumulate).
    #[test]
    fn concat_and_stack_same_input((shape, u) in shaped_values(1, 3, 3), pick in 0usize..4, v in view()) {
        let input = Input::new(&shape, ANY.map_all(&u)).with_view(v);
        let axis = pick % shape.len();
        prop_check(|xs| Tensor::concat(&[&xs[0], &xs[0].exp()?, &xs[0]], axis), std::slice::from_ref(&input))?;
        let axis = pick % (shape.len() + 1);
        prop_check(|xs| Tensor::stack(&[&xs[0], &xs[0]], axis), &[input])?;
    }

    /// `stack` of 2 or 3 same-shape inputs at a random new axis.
    #[test]
    fn stack(
        (shape, u) in shaped_values(0, 3, 3),
        w in unit_values(27),
        pick in 0usize..4,
        views in prop::collection::vec(view(), 2),
    ) {
        let n = u.len();
        let axis = pick % (shape.len() + 1);
        let a = Input::new(&shape, ANY.map_all(&u)).with_view(views[0]);
        let b = Input::new(&shape, ANY.map_all(&w[..n])).with_view(views[1]);
        prop_check(|xs| Tensor::stack(&[&xs[0], &xs[1]], axis), &[a.clone(), b.clone()])?;
        prop_check(|xs| Tensor::stack(&[&xs[1], &xs[0], &xs[1]], axis), &[a, b])?;
    }

    /// `contiguous` of a strided view.
    #[test]
    fn contiguous((shape, u) in shaped_values(1, 3, 4), transposed in any::<bool>()) {
        let v = if transposed { View::Transposed } else { View::Narrowed };
        let input = Input::new(&shape, ANY.map_all(&u)).with_view(v);
        prop_check(|xs| xs[0].contiguous()?.square(), &[input])?;
    }

    /// A chain of views ending in a reshape that must copy, then an elementwise op.
    #[test]
    fn view_chain((shape, u, perm) in permuted(), v in view()) {
        let input = Input::new(&shape, ANY.map_all(&u)).with_view(v);
        prop_check(
            |xs| {
                let y = xs[0].permute(&perm)?;
                let last = y.rank() - 1;
                let len = y.shape()[last];
                let y = y.narrow(last, len / 2, len - len / 2)?;
                y.flatten()?.unsqueeze(0)?.t()?.sin()
            },
            &[input],
        )?;
    }
}
