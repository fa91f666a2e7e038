//! Gathers and scatter-adds with repeated indices: `index_select`, `rows`, `index_add`.

use crate::{config, prop_check};
use proptest::prelude::*;
use weft_autograd::Indices;
use weft_ops::rng::Philox;
use weft_tests::strategies::{shaped_values, view, Domain};
use weft_tests::Input;

const ANY: Domain = Domain::Any;

/// `count` indices below `bound` (repeats likely).
fn indices(rng: &mut Philox, count: usize, bound: usize) -> Indices {
    Indices::new((0..count).map(|_| rng.below(bound as u64) as u32).collect())
}

proptest! {
    #![proptest_config(config(40))]

    /// `index_select` along a random axis with 1 to 6 indices, and `rows`.
    #[test]
    fn index_select(
        (shape, u) in shaped_values(1, 3, 4),
        pick in 0usize..3,
        count in 1usize..=6,
        seed in any::<u64>(),
        v in view(),
    ) {
        let axis = pick % shape.len();
        let mut rng = Philox::new(seed);
        let idx = indices(&mut rng, count, shape[axis]);
        let rows = indices(&mut rng, count, shape[0]);
        let input = Input::new(&shape, ANY.map_all(&u)).with_view(v);
        prop_check(|xs| xs[0].index_select(axis, &idx), std::slice::from_ref(&input))?;
        prop_check(|xs| xs[0].rows(&rows), &[input])?;
    }

    /// `index_add` along a random axis: gradients to both the destination and the source.
    #[test]
    fn index_add(
        (shape, u) in shaped_values(1, 3, 4),
        pick in 0usize..3,
        count in 1usize..=6,
        seed in any::<u64>(),
        vd in view(),
        vs in view(),
    ) {
        let axis = pick % shape.len();
        let mut rng = Philox::new(seed);
        let idx = indices(&mut rng, count, shape[axis]);
        let mut src_shape = shape.clone();
        src_shape[axis] = count;
        let src_values = (0..src_shape.iter().product()).map(|_| 4.0 * rng.uniform() - 2.0).collect();
        let dst = Input::new(&shape, ANY.map_all(&u)).with_view(vd);
        let src = Input::new(&src_shape, src_values).with_view(vs);
        // Squared, so the gradient depends on the values and not only on the index pattern.
        prop_check(|xs| xs[0].index_add(axis, &idx, &xs[1])?.square(), &[dst, src])?;
    }
}
