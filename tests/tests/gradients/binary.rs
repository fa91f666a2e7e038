//! Broadcasting binary ops and `where_cond`, on random broadcasting shape pairs through any
//! views, and with one input used as both operands.

use crate::{config, prop_check};
use proptest::prelude::*;
use weft_autograd::{no_grad, Tensor};
use weft_ops::Result;
use weft_tests::strategies::{broadcast_values, shaped_values, view, Domain};
use weft_tests::Input;

const ANY: Domain = Domain::Any;
const POSITIVE: Domain = Domain::Interval(0.3, 2.5);
const NO_POLE: Domain = Domain::AwayFrom { kink: 0.0, gap: 0.3 };
const EXPONENT: Domain = Domain::Interval(-2.0, 2.0);

/// Smallest `|a - b|` after broadcasting (to keep maximum/minimum away from ties).
fn min_broadcast_gap(a: &Input, b: &Input) -> Result<f64> {
    no_grad(|| {
        let ta = Tensor::from_slice(&a.values, &a.shape)?;
        let tb = Tensor::from_slice(&b.values, &b.shape)?;
        Ok(ta.sub(&tb)?.abs()?.to_vec()?.into_iter().fold(f64::INFINITY, f64::min))
    })
}

/// One proptest per op: `$name` checks `|$a, $b| $body` with values in the two domains,
/// and the same with a single input passed as both operands.
macro_rules! binary_grad {
    ($($name:ident, $same:ident: ($da:expr, $db:expr), |$a:ident, $b:ident| $body:expr;)*) => {
        proptest! {
            #![proptest_config(config(40))]
            $(
                #[test]
                fn $name(((sa, ua), (sb, ub)) in broadcast_values(3, 3), va in view(), vb in view()) {
                    let a = Input::new(&sa, $da.map_all(&ua)).with_view(va);
                    let b = Input::new(&sb, $db.map_all(&ub)).with_view(vb);
                    prop_check(|xs| { let ($a, $b) = (&xs[0], &xs[1]); $body }, &[a, b])?;
                }

                #[test]
                fn $same((shape, u) in shaped_values(0, 3, 4), v in view()) {
                    let x = Input::new(&shape, $da.map_all(&u)).with_view(v);
                    prop_check(|xs| { let ($a, $b) = (&xs[0], &xs[0]); $body }, &[x])?;
                }
            )*
        }
    };
}

binary_grad! {
    add, add_same_input: (ANY, ANY), |a, b| a.add(b);
    sub, sub_same_input: (ANY, ANY), |a, b| a.sub(b);
    mul, mul_same_input: (ANY, ANY), |a, b| a.mul(b);
    div, div_same_input: (NO_POLE, NO_POLE), |a, b| a.div(b);
    pow, pow_same_input: (POSITIVE, EXPONENT), |a, b| a.pow(b);
}

proptest! {
    #![proptest_config(config(40))]

    /// Elementwise maximum and minimum, away from ties.
    #[test]
    fn maximum_and_minimum(((sa, ua), (sb, ub)) in broadcast_values(3, 3), va in view(), vb in view()) {
        let a = Input::new(&sa, ANY.map_all(&ua)).with_view(va);
        let b = Input::new(&sb, ANY.map_all(&ub)).with_view(vb);
        prop_assume!(min_broadcast_gap(&a, &b).unwrap() > 1e-3);
        prop_check(|xs| xs[0].maximum(&xs[1]), &[a.clone(), b.clone()])?;
        prop_check(|xs| xs[0].minimum(&xs[1]), &[a, b])?;
    }

    /// `where_cond` with a random 0/1 condition broadcast against both branches.
    #[test]
    fn where_cond(
        ((sa, ua), (sb, ub)) in broadcast_values(3, 3),
        bits in prop::collection::vec(any::<bool>(), 64),
        va in view(),
        vb in view(),
    ) {
        let cond_values: Vec<f64> = bits.iter().take(sb.iter().product()).map(|&c| c as u8 as f64).collect();
        let cond = Tensor::from_vec(cond_values, &sb).unwrap();
        let a = Input::new(&sa, ANY.map_all(&ua)).with_view(va);
        let b = Input::new(&sb, ANY.map_all(&ub)).with_view(vb);
        prop_check(|xs| Tensor::where_cond(&cond, &xs[0], &xs[1]), &[a, b])?;
    }
}

/// `pow` at a zero base: `d(0^b)/db = 0` for `b > 0` and `d(a^0)/da = 0`, not NaN from
/// `0 * log 0` or `0 * 0^-1`.
#[test]
fn pow_gradients_at_a_zero_base_are_finite() {
    let a = Tensor::<f64>::from_slice(&[0.0, 2.0, 0.0], &[3]).unwrap().requires_grad();
    let b = Tensor::<f64>::from_slice(&[2.0, 3.0, 0.0], &[3]).unwrap().requires_grad();
    let g = a.pow(&b).unwrap().sum_all().unwrap().backward().unwrap();
    // d/da = b a^(b-1): [2 * 0, 3 * 4, 0 (b = 0)]; d/db = a^b ln a: [0, 8 ln 2, 0].
    assert_eq!(g.get(&a).unwrap().to_vec().unwrap(), vec![0.0, 12.0, 0.0]);
    let gb = g.get(&b).unwrap().to_vec().unwrap();
    assert_eq!((gb[0], gb[2]), (0.0, 0.0));
    assert!((gb[1] - 8.0 * 2f64.ln()).abs() < 1e-12, "{gb:?}");
}
