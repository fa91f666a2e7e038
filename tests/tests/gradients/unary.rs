//! Unary elementwise ops and scalar ops, on inputs of rank 0 to 3 through any view.

use crate::{config, prop_check};
use proptest::prelude::*;
use weft_ops::rng::Philox;
use weft_tests::strategies::{shaped_values, view, Domain};
use weft_tests::Input;

const ANY: Domain = Domain::Any;
const POSITIVE: Domain = Domain::Interval(0.2, 3.0);
/// Away from the kink at 0 of relu, abs, leaky_relu and elu.
const NO_KINK: Domain = Domain::AwayFrom { kink: 0.0, gap: 1e-3 };
/// Away from the pole of `recip` at 0 (keeps `1/x^2` moderate).
const NO_POLE: Domain = Domain::AwayFrom { kink: 0.0, gap: 0.3 };

/// One proptest per op: `$name` checks `|$x| $body` with values in `$domain`.
macro_rules! unary_grad {
    ($($name:ident: $domain:expr, |$x:ident| $body:expr;)*) => {
        proptest! {
            #![proptest_config(config(32))]
            $(
                #[test]
                fn $name((shape, u) in shaped_values(0, 3, 4), v in view()) {
                    let input = Input::new(&shape, $domain.map_all(&u)).with_view(v);
                    prop_check(|xs| { let $x = &xs[0]; $body }, &[input])?;
                }
            )*
        }
    };
}

unary_grad! {
    neg: ANY, |x| x.neg();
    exp: ANY, |x| x.exp();
    log: POSITIVE, |x| x.log();
    tanh: ANY, |x| x.tanh();
    sigmoid: ANY, |x| x.sigmoid();
    relu: NO_KINK, |x| x.relu();
    gelu: ANY, |x| x.gelu();
    sqrt: POSITIVE, |x| x.sqrt();
    abs: NO_KINK, |x| x.abs();
    square: ANY, |x| x.square();
    recip: NO_POLE, |x| x.recip();
    sin: ANY, |x| x.sin();
    cos: ANY, |x| x.cos();
    softplus: ANY, |x| x.softplus();
    log1p: Domain::Interval(-0.7, 3.0), |x| x.log1p();
    powf_fractional: POSITIVE, |x| x.powf(1.7);
    powf_negative: POSITIVE, |x| x.powf(-2.5);
    powf_integer_any_sign: ANY, |x| x.powf(3.0);
    powf_zero: ANY, |x| x.powf(0.0);
    leaky_relu: NO_KINK, |x| x.leaky_relu(0.1);
    elu: NO_KINK, |x| x.elu(0.7);
    affine: ANY, |x| x.affine(-1.5, 0.25);
    add_scalar: ANY, |x| x.add_scalar(2.0);
    mul_scalar: ANY, |x| x.mul_scalar(-0.3);
    dropout_fixed_seed: ANY, |x| x.dropout(0.4, &mut Philox::new(11));
}

proptest! {
    #![proptest_config(config(32))]

    /// `powf` with a random exponent on a positive base.
    #[test]
    fn powf_random_exponent((shape, u) in shaped_values(0, 3, 4), p in -3.0..3.0f64, v in view()) {
        let input = Input::new(&shape, POSITIVE.map_all(&u)).with_view(v);
        prop_check(|xs| xs[0].powf(p), &[input])?;
    }

    /// `leaky_relu` and `elu` with random slopes.
    #[test]
    fn leaky_relu_and_elu_random_slopes(
        (shape, u) in shaped_values(0, 3, 4), slope in 0.0..2.0f64, alpha in 0.1..2.0f64, v in view()
    ) {
        let input = Input::new(&shape, NO_KINK.map_all(&u)).with_view(v);
        prop_check(|xs| xs[0].leaky_relu(slope)?.add(&xs[0].elu(alpha)?), &[input])?;
    }
}

/// `x^0` is constant: its gradient is exactly 0, also at `x = 0` (not `0 * 0^-1 = NaN`).
#[test]
fn powf_zero_has_zero_gradient_at_zero() {
    let x = weft_autograd::Tensor::<f64>::from_slice(&[0.0, -2.0, 3.0], &[3]).unwrap().requires_grad();
    let grads = x.powf(0.0).unwrap().sum_all().unwrap().backward().unwrap();
    assert_eq!(grads.get(&x).unwrap().to_vec().unwrap(), [0.0, 0.0, 0.0]);
}
