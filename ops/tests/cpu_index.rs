//! `CpuBackend` gathers, scatter-adds and concatenation against naive loops, on every axis of
//! random shapes and strided views, with repeated indices; out-of-range indices are errors.

mod common;

use common::*;
use proptest::prelude::*;
use weft_ops::{Backend, CpuBackend, Element, Error, Idx, Layout};

const B: CpuBackend = CpuBackend;

/// Random indices below `len` (repeats likely), `0..=max` of them; none when `len == 0`.
fn random_indices(len: usize, max: usize, rng: &mut DataRng) -> Vec<Idx> {
    if len == 0 {
        return vec![];
    }
    (0..rng.below(max + 1)).map(|_| rng.below(len) as Idx).collect()
}

fn check_index_select<T: Element>(shape: &[usize], axis: usize, max_idx: usize, seed: u64) {
    let mut rng = DataRng::new(seed);
    let mode = Values::pick(&mut rng);
    let v = random_view::<T>(shape, &mut rng, true, |r| mode.draw(r));
    let xs = v.values();
    let idx = random_indices(shape[axis], max_idx, &mut rng);
    let mut out_shape = shape.to_vec();
    out_shape[axis] = idx.len();
    let want: Vec<f64> = (0..numel(&out_shape))
        .map(|o| {
            let mut at = unravel(o, &out_shape);
            at[axis] = idx[at[axis]] as usize;
            xs[ravel(&at, shape)]
        })
        .collect();
    let ib = B.idx_from_slice(&idx).unwrap();
    let got = B.index_select(&v.buf, &v.layout, axis, &ib, idx.len()).unwrap();
    assert_close(&got, &want, 0.0, &format!("index_select axis {axis} idx {idx:?} of {:?}", v.layout));
}

fn check_index_add<T: Element>(dst_shape: &[usize], axis: usize, max_idx: usize, seed: u64) {
    let mut rng = DataRng::new(seed);
    let mode = Values::pick(&mut rng);
    let dst: Vec<f64> = (0..numel(dst_shape)).map(|_| mode.draw(&mut rng)).collect();
    let dst_t: Vec<T> = to_t(&dst);
    let idx = random_indices(dst_shape[axis], max_idx, &mut rng);
    let mut src_shape = dst_shape.to_vec();
    src_shape[axis] = idx.len();
    let src = random_view::<T>(&src_shape, &mut rng, true, |r| mode.draw(r));
    let sv = src.values();
    // Naive scatter: visit every source element and add it at its target.
    let mut want: Vec<f64> = dst_t.iter().map(|x| x.f64()).collect();
    let mut scale: Vec<f64> = want.iter().map(|x| x.abs() + 1.0).collect();
    for (s, &v) in sv.iter().enumerate() {
        let mut at = unravel(s, &src_shape);
        at[axis] = idx[at[axis]] as usize;
        let d = ravel(&at, dst_shape);
        want[d] += v;
        scale[d] += v.abs();
    }
    let ib = B.idx_from_slice(&idx).unwrap();
    let got = B.index_add(&dst_t, dst_shape, axis, &ib, idx.len(), &src.buf, &src.layout).unwrap();
    assert_close_scaled(
        &got,
        &want,
        &scale,
        elementwise_tol::<T>(),
        &format!("index_add axis {axis} idx {idx:?} into {dst_shape:?} from {:?}", src.layout),
    );
}

fn check_concat<T: Element>(shape: &[usize], axis: usize, seed: u64) {
    let mut rng = DataRng::new(seed);
    let mode = Values::pick(&mut rng);
    let parts: Vec<View<T>> = (0..1 + rng.below(4))
        .map(|_| {
            let mut s = shape.to_vec();
            s[axis] = rng.below(4);
            random_view::<T>(&s, &mut rng, true, |r| mode.draw(r))
        })
        .collect();
    let mut out_shape = shape.to_vec();
    out_shape[axis] = parts.iter().map(|p| p.shape()[axis]).sum();
    let values: Vec<Vec<f64>> = parts.iter().map(|p| p.values()).collect();
    let want: Vec<f64> = (0..numel(&out_shape))
        .map(|o| {
            let mut at = unravel(o, &out_shape);
            let mut part = 0;
            while at[axis] >= parts[part].shape()[axis] {
                at[axis] -= parts[part].shape()[axis];
                part += 1;
            }
            values[part][ravel(&at, parts[part].shape())]
        })
        .collect();
    let refs: Vec<(&Vec<T>, &Layout)> = parts.iter().map(|p| (&p.buf, &p.layout)).collect();
    let got = B.concat(&refs, axis).unwrap();
    let layouts: Vec<&Layout> = parts.iter().map(|p| &p.layout).collect();
    assert_close(&got, &want, 0.0, &format!("concat axis {axis} of {layouts:?}"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn index_select_matches_naive((shape, axis) in shape_and_axis(4), seed in any::<u64>()) {
        check_index_select::<f32>(&shape, axis, 6, seed);
        check_index_select::<f64>(&shape, axis, 6, seed);
    }

    #[test]
    fn index_add_accumulates_repeated_indices((shape, axis) in shape_and_axis(4), seed in any::<u64>()) {
        check_index_add::<f32>(&shape, axis, 6, seed);
        check_index_add::<f64>(&shape, axis, 6, seed);
    }

    #[test]
    fn concat_matches_naive((shape, axis) in shape_and_axis(4), seed in any::<u64>()) {
        check_concat::<f32>(&shape, axis, seed);
        check_concat::<f64>(&shape, axis, seed);
    }

    #[test]
    fn out_of_range_indices_are_index_errors(
        (shape, axis) in shape_and_axis(3),
        extra in 0usize..3,
        pos_frac in 0.0f64..1.0,
        seed in any::<u64>(),
    ) {
        let mut rng = DataRng::new(seed);
        let x = random_view::<f64>(&shape, &mut rng, true, |r| r.uniform(-1.0, 1.0));
        // Valid indices with one bad one (>= the axis length) at a random position.
        let mut idx = random_indices(shape[axis], 6, &mut rng);
        let pos = ((idx.len() + 1) as f64 * pos_frac) as usize;
        idx.insert(pos.min(idx.len()), (shape[axis] + extra) as Idx);
        let ib = B.idx_from_slice(&idx).unwrap();
        let r = B.index_select(&x.buf, &x.layout, axis, &ib, idx.len());
        prop_assert!(matches!(r, Err(Error::Index { .. })), "index_select {:?}: {:?}", idx, r);

        let dst = vec![0.0f64; numel(&shape)];
        let mut src_shape = shape.clone();
        src_shape[axis] = idx.len();
        let src = random_view::<f64>(&src_shape, &mut rng, true, |r| r.uniform(-1.0, 1.0));
        let r = B.index_add(&dst, &shape, axis, &ib, idx.len(), &src.buf, &src.layout);
        prop_assert!(matches!(r, Err(Error::Index { .. })), "index_add {:?}: {:?}", idx, r);
    }
}

/// Large gathers and scatters (rows of a graph-sized feature matrix).
#[test]
fn large_gather_and_scatter() {
    check_index_select::<f32>(&[2000, 17], 0, 5000, 1);
    check_index_add::<f64>(&[2000, 17], 0, 5000, 2);
    check_index_add::<f32>(&[17, 300], 1, 1000, 3);
    check_concat::<f32>(&[3, 4000], 0, 4);
}

/// Concatenating nothing is an error (there is no shape to give the result), not a panic.
#[test]
fn concat_of_no_parts_is_an_error() {
    let r = B.concat::<f64>(&[], 0);
    assert!(matches!(r, Err(Error::Invalid { .. })), "{r:?}");
}
