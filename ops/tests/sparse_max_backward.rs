//! Gradients through the max reductions against central finite differences in f64.

mod sparse_common;

use sparse_common::{random_pattern, random_values};
use weft_ops::sparse::{segment_max, segment_max_backward, spmm_max, spmm_max_backward, EdgeValues};
use weft_ops::{Error, Idx};

const H: f64 = 1e-6;

/// `sum(g * spmm_max(p, vals, x))`.
fn loss(
    p: &weft_ops::sparse::CsrPattern,
    v: Option<&[f64]>,
    heads: usize,
    x: &[f64],
    w: usize,
    g: &[f64],
) -> (f64, f64) {
    let ev = v.map_or(EdgeValues::Ones, |v| EdgeValues::heads(v, heads));
    let mut out = vec![0.0; p.n_rows() * w];
    let mut am = vec![0; p.n_rows() * w];
    spmm_max(p, ev, x, w, &mut out, &mut am).unwrap();
    let l = out.iter().zip(g).map(|(o, g)| o * g).sum();
    let abs = out.iter().zip(g).map(|(o, g)| (o * g).abs()).sum();
    (l, abs)
}

/// Central-difference tolerance: rounding of two losses of absolute size `abs`, divided by 2h.
fn fd_tol(abs: f64) -> f64 {
    8.0 * f64::EPSILON * (abs + 1.0) / (2.0 * H)
}

#[test]
fn spmm_max_gradients_match_finite_differences() {
    let p = random_pattern(17, 13, 60, 1);
    for heads in [0usize, 1, 2] {
        let (w, h) = (6, heads.max(1));
        let v = random_values(p.nnz() * h, 2);
        let vals = (heads > 0).then_some(&v[..]);
        let x = random_values(13 * w, 3);
        let g = random_values(17 * w, 4);
        let ev = vals.map_or(EdgeValues::Ones, |v| EdgeValues::heads(v, h));
        let mut out = vec![0.0; 17 * w];
        let mut am = vec![0 as Idx; 17 * w];
        spmm_max(&p, ev, &x, w, &mut out, &mut am).unwrap();
        let mut gx = vec![0.0; x.len()];
        let mut gv = vec![0.0; v.len()];
        spmm_max_backward(&p, ev, &x, w, &am, &g, Some(&mut gx), vals.map(|_| &mut gv[..])).unwrap();
        for k in 0..x.len() {
            let (mut xp, mut xm) = (x.clone(), x.clone());
            xp[k] += H;
            xm[k] -= H;
            let ((lp, abs), (lm, _)) = (loss(&p, vals, h, &xp, w, &g), loss(&p, vals, h, &xm, w, &g));
            let fd = (lp - lm) / (2.0 * H);
            assert!((gx[k] - fd).abs() <= fd_tol(abs), "heads {heads}: dL/dx[{k}] {} vs {fd}", gx[k]);
        }
        if let Some(vals) = vals {
            for k in 0..vals.len() {
                let (mut vp, mut vm) = (vals.to_vec(), vals.to_vec());
                vp[k] += H;
                vm[k] -= H;
                let ((lp, abs), (lm, _)) =
                    (loss(&p, Some(&vp), h, &x, w, &g), loss(&p, Some(&vm), h, &x, w, &g));
                let fd = (lp - lm) / (2.0 * H);
                assert!((gv[k] - fd).abs() <= fd_tol(abs), "heads {heads}: dL/dv[{k}] {} vs {fd}", gv[k]);
            }
        }
    }
    // An argmax outside its row is reported.
    let w = 2;
    let x = vec![0.0; 13 * w];
    let g = vec![1.0; 17 * w];
    let mut bad = vec![weft_ops::sparse::NO_EDGE; 17 * w];
    let i = (0..17).find(|&i| !p.row_range(i).is_empty()).expect("a non-empty row");
    let other = (0..p.nnz()).find(|e| !p.row_range(i).contains(e)).expect("an entry of another row");
    bad[i * w] = other as Idx;
    let mut gx = vec![0.0; x.len()];
    let e = spmm_max_backward(&p, EdgeValues::Ones, &x, w, &bad, &g, Some(&mut gx), None).unwrap_err();
    assert!(matches!(e, Error::Index { .. }) && e.to_string().contains(&format!("row {i}")), "{e}");
}

#[test]
fn segment_max_gradient_matches_finite_differences() {
    let offsets: Vec<Idx> = vec![0, 3, 3, 8, 9];
    let w = 4;
    let x = random_values(9 * w, 5);
    let g = random_values(4 * w, 6);
    let seg_loss = |x: &[f64]| -> (f64, f64) {
        let mut out = vec![0.0; 4 * w];
        let mut am = vec![0; 4 * w];
        segment_max(&offsets, x, w, &mut out, &mut am).unwrap();
        (out.iter().zip(&g).map(|(o, g)| o * g).sum(), out.iter().zip(&g).map(|(o, g)| (o * g).abs()).sum())
    };
    let mut out = vec![0.0; 4 * w];
    let mut am = vec![0; 4 * w];
    segment_max(&offsets, &x, w, &mut out, &mut am).unwrap();
    let mut gx = vec![0.0; x.len()];
    segment_max_backward(&offsets, w, &am, &g, &mut gx).unwrap();
    for k in 0..x.len() {
        let (mut xp, mut xm) = (x.clone(), x.clone());
        xp[k] += H;
        xm[k] -= H;
        let ((lp, abs), (lm, _)) = (seg_loss(&xp), seg_loss(&xm));
        let fd = (lp - lm) / (2.0 * H);
        assert!((gx[k] - fd).abs() <= fd_tol(abs), "dL/dx[{k}] {} vs {fd}", gx[k]);
    }
    am[0] = 5; // row 5 is in segment 2, not 0
    let e = segment_max_backward(&offsets, w, &am, &g, &mut gx).unwrap_err();
    assert!(matches!(e, Error::Index { .. }) && e.to_string().contains("outside segment 0"), "{e}");
}
