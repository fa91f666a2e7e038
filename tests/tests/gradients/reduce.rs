//! Reductions along an axis, whole-tensor reductions, softmax / log-softmax and `sum_to`.

use crate::{config, prop_check};
use proptest::prelude::*;
use weft_tests::strategies::{broadcast_pair, min_gap_along, shaped_values, unit_values, view, Domain};
use weft_tests::Input;

const ANY: Domain = Domain::Any;

/// One proptest per reduction: `$name` checks `|$x, $axis| $body` on rank 1..=3 inputs.
macro_rules! axis_grad {
    ($($name:ident: |$x:ident, $axis:ident| $body:expr;)*) => {
        proptest! {
            #![proptest_config(config(32))]
            $(
                #[test]
                fn $name((shape, u) in shaped_values(1, 3, 4), pick in 0usize..3, v in view()) {
                    let $axis = pick % shape.len();
                    let input = Input::new(&shape, ANY.map_all(&u)).with_view(v);
                    prop_check(|xs| { let $x = &xs[0]; $body }, &[input])?;
                }
            )*
        }
    };
}

axis_grad! {
    sum: |x, axis| x.sum(axis);
    mean: |x, axis| x.mean(axis);
    logsumexp: |x, axis| x.logsumexp(axis);
    sum_keepdim: |x, axis| x.sum_keepdim(axis);
    mean_keepdim: |x, axis| x.mean_keepdim(axis);
    softmax: |x, axis| x.softmax(axis);
    log_softmax: |x, axis| x.log_softmax(axis);
    sum_all: |x, _axis| x.sum_all();
    mean_all: |x, _axis| x.mean_all();
}

proptest! {
    #![proptest_config(config(32))]

    /// Max and min along an axis, with the lanes kept away from ties.
    #[test]
    fn max_and_min((shape, u) in shaped_values(1, 3, 4), pick in 0usize..3, v in view()) {
        let axis = pick % shape.len();
        let values = ANY.map_all(&u);
        prop_assume!(min_gap_along(&values, &shape, axis) > 1e-3);
        let input = Input::new(&shape, values).with_view(v);
        prop_check(|xs| xs[0].max(axis), std::slice::from_ref(&input))?;
        prop_check(|xs| xs[0].min(axis), &[input])?;
    }

    /// Whole-tensor reductions of a 0-d tensor.
    #[test]
    fn reductions_of_a_scalar(u in unit_values(1)) {
        let input = Input::new(&[], ANY.map_all(&u));
        prop_check(|xs| xs[0].sum_all()?.add(&xs[0].mean_all()?), &[input])?;
    }

    /// `sum_to` a shape the input broadcasts from (leading axes dropped, some axes to 1).
    #[test]
    fn sum_to((p, q) in broadcast_pair(3, 3), seed in any::<u64>(), v in view()) {
        let key = |s: &Vec<usize>| (s.len(), s.iter().product::<usize>());
        let (full, target) = if key(&p) >= key(&q) { (p, q) } else { (q, p) };
        let n: usize = full.iter().product();
        let mut rng = weft_ops::rng::Philox::new(seed);
        let values = (0..n).map(|_| ANY.map(2.0 * rng.uniform() - 1.0)).collect();
        let input = Input::new(&full, values).with_view(v);
        prop_check(|xs| xs[0].sum_to(&target), &[input])?;
    }
}

/// With ties, max/min split the gradient evenly among the tied elements: the sum over a lane
/// is the derivative along the all-ones direction (which moves every element, and the
/// extremum, by the same amount), and tied elements are treated alike.
#[test]
fn max_and_min_split_the_gradient_among_ties() {
    use weft_autograd::Tensor;
    // Lanes along axis 1: [2, 2, 1], [0, 0, 0], [-1, 3, 3].
    let v = [2.0, 2.0, 1.0, 0.0, 0.0, 0.0, -1.0, 3.0, 3.0];
    let x = Tensor::<f64>::from_slice(&v, &[3, 3]).unwrap().requires_grad();
    let g = x.max(1).unwrap().sum_all().unwrap().backward().unwrap();
    let got = g.get(&x).unwrap().to_vec().unwrap();
    let third = 1.0 / 3.0;
    assert_eq!(got, vec![0.5, 0.5, 0.0, third, third, third, 0.0, 0.5, 0.5]);
    let neg: Vec<f64> = v.iter().map(|a| -a).collect();
    let x = Tensor::<f64>::from_slice(&neg, &[3, 3]).unwrap().requires_grad();
    let g = x.min(1).unwrap().sum_all().unwrap().backward().unwrap();
    assert_eq!(g.get(&x).unwrap().to_vec().unwrap(), got);
}
