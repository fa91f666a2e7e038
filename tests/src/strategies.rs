//! Proptest strategies for gradient tests: shapes (size-1 dimensions included), pairs of
//! shapes that broadcast, values, views, and maps that keep values inside an op's domain.

use crate::gradcheck::View;
use proptest::prelude::*;

/// A shape with rank in `min_rank..=max_rank` and every dimension in `1..=max_dim`.
pub fn shape(min_rank: usize, max_rank: usize, max_dim: usize) -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(1..=max_dim, min_rank..=max_rank)
}

/// `count` values drawn uniformly from `[-1, 1]` (map them into a domain with [`Domain`]).
pub fn unit_values(count: usize) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(-1.0..=1.0f64, count)
}

/// A shape and row-major values for it.
pub type ShapedValues = (Vec<usize>, Vec<f64>);

/// A shape (as [`shape`]) with unit values for it.
pub fn shaped_values(
    min_rank: usize,
    max_rank: usize,
    max_dim: usize,
) -> impl Strategy<Value = ShapedValues> {
    shape(min_rank, max_rank, max_dim).prop_flat_map(|s| {
        let n = s.iter().product();
        (Just(s), unit_values(n))
    })
}

/// Two shapes that broadcast together under numpy rules: one is a full shape; the other
/// drops some leading axes and has some of the remaining axes set to 1; the order of the
/// pair is random.
pub fn broadcast_pair(max_rank: usize, max_dim: usize) -> impl Strategy<Value = (Vec<usize>, Vec<usize>)> {
    shape(0, max_rank, max_dim)
        .prop_flat_map(|full| {
            let r = full.len();
            (Just(full), 0..=r, prop::collection::vec(prop::bool::weighted(0.35), r), any::<bool>())
        })
        .prop_map(|(full, dropped, ones, swap)| {
            let other: Vec<usize> =
                full.iter().zip(&ones).skip(dropped).map(|(&d, &one)| if one { 1 } else { d }).collect();
            if swap {
                (other, full)
            } else {
                (full, other)
            }
        })
}

/// A broadcasting pair of shapes with unit values for each.
pub fn broadcast_values(
    max_rank: usize,
    max_dim: usize,
) -> impl Strategy<Value = (ShapedValues, ShapedValues)> {
    broadcast_pair(max_rank, max_dim).prop_flat_map(|(a, b)| {
        let (na, nb) = (a.iter().product(), b.iter().product());
        ((Just(a), unit_values(na)), (Just(b), unit_values(nb)))
    })
}

/// Any of the three input views.
pub fn view() -> impl Strategy<Value = View> {
    prop_oneof![Just(View::Contiguous), Just(View::Transposed), Just(View::Narrowed)]
}

/// Where an op's argument may lie; maps a unit value `u` in `[-1, 1]` into it.
#[derive(Clone, Copy, Debug)]
pub enum Domain {
    /// `[-2.5, 2.5]`.
    Any,
    /// `[lo, hi]` (for `log`, `sqrt`, a `pow` base, ...).
    Interval(f64, f64),
    /// `[-2.5, 2.5]` with `(kink - gap, kink + gap)` removed (for `relu`, `abs`, ...).
    AwayFrom {
        /// Where the function is not differentiable.
        kink: f64,
        /// Half-width of the excluded band.
        gap: f64,
    },
}

impl Domain {
    /// `u` in `[-1, 1]` mapped into the domain.
    pub fn map(self, u: f64) -> f64 {
        match self {
            Domain::Any => 2.5 * u,
            Domain::Interval(lo, hi) => lo + (hi - lo) * (u + 1.0) / 2.0,
            Domain::AwayFrom { kink, gap } => kink + u.signum() * (gap + (2.5 - gap) * u.abs()),
        }
    }

    /// Every value of `us` mapped into the domain.
    pub fn map_all(self, us: &[f64]) -> Vec<f64> {
        us.iter().map(|&u| self.map(u)).collect()
    }
}

/// The smallest `|x_i - x_j|` over pairs in the same lane of `axis` of a row-major tensor of
/// `shape` (infinity when every lane has one element); used to keep max/min away from ties.
pub fn min_gap_along(values: &[f64], shape: &[usize], axis: usize) -> f64 {
    let len = shape[axis];
    let inner: usize = shape[axis + 1..].iter().product();
    let outer: usize = shape[..axis].iter().product();
    let mut gap = f64::INFINITY;
    for o in 0..outer {
        for i in 0..inner {
            let lane: Vec<f64> = (0..len).map(|k| values[(o * len + k) * inner + i]).collect();
            for (p, a) in lane.iter().enumerate() {
                for b in &lane[p + 1..] {
                    gap = gap.min((a - b).abs());
                }
            }
        }
    }
    gap
}
