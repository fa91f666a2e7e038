//! SpMM, SDDMM, edge softmax, segment reductions, gather and scatter-add against dense
//! references (plain loops), in f64 and f32, on random patterns with empty rows, self loops,
//! a single node, zero edges, several heads, and sizes that take the parallel path.

mod sparse_common;

use sparse_common::{assert_close, cases, random_pattern, random_values, sum_tol};
use weft_ops::sparse::{
    edge_softmax, edge_softmax_backward, gather_rows, scatter_add_rows, sddmm_add, sddmm_dot, segment_max,
    segment_mean, segment_offsets_from_ids, segment_sum, spmm_max, spmm_mean, spmm_sum, CsrPattern,
    EdgeValues, NO_EDGE,
};
use weft_ops::{Element, Error, Idx};

/// Widths covering every register-blocked chunk size (64/32/16/8 f32, 32/16/8/4 f64 columns)
/// and the scalar tails.
const WIDTHS: [usize; 5] = [1, 6, 15, 56, 70];

/// Dense reference of SpMM with `heads` values per edge: (sum, abs-sum, max) per output, from
/// one dense matrix per head (a stored entry is marked so that stored zeros still count).
fn spmm_ref(
    p: &CsrPattern,
    vals: Option<&[f64]>,
    heads: usize,
    x: &[f64],
    w: usize,
) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let f = w / heads;
    let (nr, nc) = (p.n_rows(), p.n_cols());
    let mut stored = vec![false; nr * nc];
    let mut a = vec![0.0; heads * nr * nc];
    for i in 0..nr {
        for e in p.row_range(i) {
            let j = p.col_idx()[e] as usize;
            stored[i * nc + j] = true;
            for h in 0..heads {
                a[(h * nr + i) * nc + j] = vals.map_or(1.0, |v| v[e * heads + h]);
            }
        }
    }
    let mut out = vec![0.0; nr * w];
    let mut abs = vec![0.0; nr * w];
    let mut max = vec![0.0; nr * w];
    for i in 0..nr {
        for c in 0..w {
            let h = c / f;
            let mut m = f64::NEG_INFINITY;
            for j in 0..nc {
                if stored[i * nc + j] {
                    let t = a[(h * nr + i) * nc + j] * x[j * w + c];
                    out[i * w + c] += t;
                    abs[i * w + c] += t.abs();
                    m = m.max(t);
                }
            }
            max[i * w + c] = if p.row_range(i).is_empty() { 0.0 } else { m };
        }
    }
    (out, abs, max)
}

fn to<T: Element>(v: &[f64]) -> Vec<T> {
    v.iter().map(|&x| T::of(x)).collect()
}
fn back<T: Element>(v: &[T]) -> Vec<f64> {
    v.iter().map(|x| x.f64()).collect()
}

fn check_spmm<T: Element>(u: f64) {
    for (k, (nr, nc, ne)) in cases().into_iter().enumerate() {
        let p = random_pattern(nr, nc, ne, 100 + k as u64);
        for &w in &WIDTHS {
            for heads in [0usize, 1, 2] {
                // heads 0 stands for EdgeValues::Ones.
                if heads > 0 && w % heads != 0 {
                    continue;
                }
                let h = heads.max(1);
                let v = random_values(p.nnz() * h, 7 + k as u64);
                let x = random_values(nc * w, 8 + w as u64);
                let vals = (heads > 0).then_some(&v[..]);
                let (want, abs, want_max) = spmm_ref(&p, vals, h, &x, w);
                let (vt, xt) = (to::<T>(&v), to::<T>(&x));
                let ev = if heads == 0 { EdgeValues::Ones } else { EdgeValues::heads(&vt[..], h) };
                let what = format!("{:?} case {k} width {w} heads {heads}", T::DTYPE);

                let mut out = vec![T::of(f64::NAN); nr * w];
                spmm_sum(&p, ev, &xt, w, &mut out).unwrap();
                let tol: Vec<f64> =
                    (0..nr * w).map(|q| sum_tol(p.row_range(q / w).len(), abs[q], u)).collect();
                assert_close(&back(&out), &want, &tol, &format!("spmm_sum {what}"));

                spmm_mean(&p, ev, &xt, w, &mut out).unwrap();
                let want_mean: Vec<f64> =
                    (0..nr * w).map(|q| want[q] / (p.row_range(q / w).len().max(1) as f64)).collect();
                let tol_mean: Vec<f64> = (0..nr * w)
                    .map(|q| tol[q] / (p.row_range(q / w).len().max(1) as f64) + 2.0 * u * want_mean[q].abs())
                    .collect();
                assert_close(&back(&out), &want_mean, &tol_mean, &format!("spmm_mean {what}"));

                let mut am = vec![0 as Idx; nr * w];
                spmm_max(&p, ev, &xt, w, &mut out, &mut am).unwrap();
                let f = w / h;
                for q in 0..nr * w {
                    let (i, c) = (q / w, q % w);
                    if p.row_range(i).is_empty() {
                        assert_eq!((out[q].f64(), am[q]), (0.0, NO_EDGE), "{what}: empty row {i}");
                        continue;
                    }
                    // The max equals the reference (both are one rounded product) ...
                    let e = am[q] as usize;
                    assert!(p.row_range(i).contains(&e), "{what}: argmax {e} not in row {i}");
                    let j = p.col_idx()[e] as usize;
                    let ve = vals.map_or(1.0, |v| v[e * h + c / f]);
                    assert_eq!(out[q], T::of(ve) * T::of(x[j * w + c]), "{what}: value at argmax");
                    // ... up to the rounding of T.
                    assert!(
                        (out[q].f64() - want_max[q]).abs() <= 2.0 * u * want_max[q].abs(),
                        "{what}: max at {q}"
                    );
                }
            }
        }
    }
}

#[test]
fn spmm_matches_dense_f64() {
    check_spmm::<f64>(f64::EPSILON);
}

#[test]
fn spmm_matches_dense_f32() {
    check_spmm::<f32>(f32::EPSILON as f64);
}

#[test]
fn portable_kernels_match_dense() {
    // The same checks with the AVX2/FMA fast paths switched off (a no-op elsewhere).
    weft_ops::sparse::simd::set_portable_only(true);
    check_spmm::<f32>(f32::EPSILON as f64);
    check_spmm::<f64>(f64::EPSILON);
    check_sddmm::<f32>(f32::EPSILON as f64);
    weft_ops::sparse::simd::set_portable_only(false);
}

#[test]
fn spmm_rejects_bad_shapes() {
    let p = random_pattern(4, 5, 8, 1);
    let x = vec![0.0f64; 5 * 3];
    let mut out = vec![0.0f64; 4 * 3];
    let e = spmm_sum(&p, EdgeValues::Ones, &x[..12], 3, &mut out).unwrap_err();
    assert!(matches!(e, Error::Shape { .. }) && e.to_string().contains("[5, 3]"), "{e}");
    let e = spmm_sum(&p, EdgeValues::Ones, &x, 3, &mut out[..9]).unwrap_err();
    assert!(matches!(e, Error::Shape { .. }) && e.to_string().contains("output"), "{e}");
    let v = vec![1.0; p.nnz() + 1];
    let e = spmm_mean(&p, EdgeValues::per_edge(&v), &x, 3, &mut out).unwrap_err();
    assert!(matches!(e, Error::Shape { .. }) && e.to_string().contains("edge values"), "{e}");
    let v = vec![1.0; p.nnz() * 2];
    let e = spmm_sum(&p, EdgeValues::heads(&v, 2), &x, 3, &mut out).unwrap_err();
    assert!(matches!(e, Error::Shape { .. }) && e.to_string().contains("multiple"), "{e}");
    let mut am = vec![0; 5];
    let e = spmm_max(&p, EdgeValues::Ones, &x, 3, &mut out, &mut am).unwrap_err();
    assert!(matches!(e, Error::Shape { .. }) && e.to_string().contains("argmax"), "{e}");
}

fn check_sddmm<T: Element>(u: f64) {
    for (k, (nr, nc, ne)) in cases().into_iter().enumerate() {
        let p = random_pattern(nr, nc, ne, 200 + k as u64);
        for (w, heads) in [(1, 1), (8, 1), (40, 2), (70, 1), (12, 4)] {
            let a = random_values(nr * w, 1 + k as u64);
            let b = random_values(nc * w, 2 + k as u64);
            let mut out = vec![T::of(f64::NAN); p.nnz() * heads];
            sddmm_dot(&p, &to::<T>(&a), &to::<T>(&b), w, heads, &mut out).unwrap();
            let f = w / heads;
            let (mut want, mut tol) = (Vec::new(), Vec::new());
            for i in 0..nr {
                for &j in p.row(i) {
                    let j = j as usize;
                    for h in 0..heads {
                        let t: Vec<f64> = (h * f..(h + 1) * f).map(|c| a[i * w + c] * b[j * w + c]).collect();
                        want.push(t.iter().sum::<f64>());
                        tol.push(sum_tol(f, t.iter().map(|x| x.abs()).sum(), u));
                    }
                }
            }
            assert_close(&back(&out), &want, &tol, &format!("sddmm_dot case {k} w {w} heads {heads}"));

            let s = random_values(nr * heads, 3);
            let t = random_values(nc * heads, 4);
            sddmm_add(&p, &to::<T>(&s), &to::<T>(&t), heads, &mut out).unwrap();
            let mut e = 0;
            for i in 0..nr {
                for &j in p.row(i) {
                    for h in 0..heads {
                        let want = T::of(s[i * heads + h]) + T::of(t[j as usize * heads + h]);
                        assert_eq!(out[e * heads + h], want, "sddmm_add case {k}");
                    }
                    e += 1;
                }
            }
        }
    }
}

#[test]
fn sddmm_matches_dense_f64() {
    check_sddmm::<f64>(f64::EPSILON);
}

#[test]
fn sddmm_matches_dense_f32() {
    check_sddmm::<f32>(f32::EPSILON as f64);
}

#[test]
fn sddmm_rejects_bad_shapes() {
    let p = random_pattern(4, 5, 8, 1);
    let mut out = vec![0.0f64; p.nnz()];
    let e = sddmm_dot(&p, &[0.0; 7], &[0.0; 10], 2, 1, &mut out).unwrap_err();
    assert!(matches!(e, Error::Shape { .. }) && e.to_string().contains("a has 7"), "{e}");
    let e = sddmm_dot(&p, &[0.0; 8], &[0.0; 10], 2, 3, &mut out).unwrap_err();
    assert!(matches!(e, Error::Shape { .. }), "{e}");
    let e = sddmm_add(&p, &[0.0; 4], &[0.0; 5], 1, &mut out[1..]).unwrap_err();
    assert!(matches!(e, Error::Shape { .. }) && e.to_string().contains("output"), "{e}");
}

#[test]
fn edge_softmax_and_its_gradient_match_dense() {
    for (k, (nr, nc, ne)) in cases().into_iter().enumerate() {
        let p = random_pattern(nr, nc, ne, 300 + k as u64);
        for heads in [1, 3] {
            // Large scores: a softmax without max-subtraction would overflow.
            let x: Vec<f64> = random_values(p.nnz() * heads, 5).iter().map(|v| 800.0 + 30.0 * v).collect();
            let mut y = vec![f64::NAN; x.len()];
            edge_softmax(&p, &x, heads, &mut y).unwrap();
            let dy = random_values(x.len(), 6);
            let mut dx = vec![f64::NAN; x.len()];
            edge_softmax_backward(&p, &y, &dy, heads, &mut dx).unwrap();
            for i in 0..nr {
                for h in 0..heads {
                    let es: Vec<usize> = p.row_range(i).collect();
                    let m = es.iter().map(|&e| x[e * heads + h]).fold(f64::NEG_INFINITY, f64::max);
                    let z: f64 = es.iter().map(|&e| (x[e * heads + h] - m).exp()).sum();
                    for &e in &es {
                        let want = (x[e * heads + h] - m).exp() / z;
                        assert!(
                            (y[e * heads + h] - want).abs() <= 4.0 * es.len() as f64 * f64::EPSILON,
                            "case {k}"
                        );
                    }
                    let s: f64 = es.iter().map(|&e| y[e * heads + h]).sum();
                    if !es.is_empty() {
                        assert!((s - 1.0).abs() <= 4.0 * es.len() as f64 * f64::EPSILON);
                    }
                    // Jacobian-vector product from the full Jacobian dy_a/dx_b = y_a (δ_ab - y_b).
                    for &b in &es {
                        let want: f64 = es
                            .iter()
                            .map(|&a| {
                                let ya = y[a * heads + h];
                                let d = if a == b { 1.0 } else { 0.0 };
                                dy[a * heads + h] * ya * (d - y[b * heads + h])
                            })
                            .sum();
                        assert!(
                            (dx[b * heads + h] - want).abs() <= 8.0 * es.len() as f64 * f64::EPSILON,
                            "grad case {k}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn edge_softmax_reports_nan_rows() {
    let p = CsrPattern::from_parts(2, 2, vec![0, 1, 3], vec![0, 0, 1]).unwrap();
    let mut y = vec![0.0f32; 3];
    let e = edge_softmax(&p, &[0.0, 1.0, f32::NAN], 1, &mut y).unwrap_err();
    assert!(matches!(e, Error::Numerical { .. }) && e.to_string().contains("row 1"), "{e}");
    let e = edge_softmax(&p, &[0.0, 1.0], 1, &mut y).unwrap_err();
    assert!(matches!(e, Error::Shape { .. }), "{e}");
}

#[test]
fn segment_reductions_match_loops() {
    let mut r = weft_ops::rng::Philox::new(11);
    for (n_seg, max_len, w) in [(1usize, 0usize, 3usize), (1, 1, 1), (20, 4, 5), (400, 8, 80)] {
        // Random segment lengths including empty segments.
        let lens: Vec<usize> = (0..n_seg).map(|_| r.below(max_len as u64 + 1) as usize).collect();
        let ids: Vec<Idx> =
            lens.iter().enumerate().flat_map(|(s, &l)| std::iter::repeat_n(s as Idx, l)).collect();
        let off = segment_offsets_from_ids(&ids, n_seg).unwrap();
        let m = ids.len();
        let x = random_values(m * w, 12);
        let (mut sum, mut mean, mut max) = (vec![0.0; n_seg * w], vec![0.0; n_seg * w], vec![0.0; n_seg * w]);
        let mut am = vec![0 as Idx; n_seg * w];
        segment_sum(&off, &x, w, &mut sum).unwrap();
        segment_mean(&off, &x, w, &mut mean).unwrap();
        segment_max(&off, &x, w, &mut max, &mut am).unwrap();
        for s in 0..n_seg {
            let rows: Vec<usize> = (0..m).filter(|&q| ids[q] as usize == s).collect();
            for c in 0..w {
                let terms: Vec<f64> = rows.iter().map(|&q| x[q * w + c]).collect();
                let want: f64 = terms.iter().sum();
                let tol = sum_tol(terms.len(), terms.iter().map(|t| t.abs()).sum(), f64::EPSILON);
                assert!((sum[s * w + c] - want).abs() <= tol);
                let n = terms.len().max(1) as f64;
                assert!(
                    (mean[s * w + c] - want / n).abs() <= tol / n + 2.0 * f64::EPSILON * (want / n).abs()
                );
                if rows.is_empty() {
                    assert_eq!((max[s * w + c], am[s * w + c]), (0.0, NO_EDGE));
                } else {
                    let best = terms.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                    assert_eq!(max[s * w + c], best);
                    assert_eq!(x[am[s * w + c] as usize * w + c], best);
                    assert_eq!(ids[am[s * w + c] as usize] as usize, s);
                }
            }
        }
    }
}

#[test]
fn segment_offsets_are_validated() {
    let mut out = vec![0.0f64; 4];
    let e = segment_sum(&[0, 2, 1, 3], &[0.0; 6], 2, &mut out[..]).unwrap_err();
    assert!(matches!(e, Error::Invalid { .. }) && e.to_string().contains("not sorted"), "{e}");
    let e = segment_sum(&[0, 1, 2], &[0.0; 6], 2, &mut out).unwrap_err();
    assert!(matches!(e, Error::Shape { .. }) && e.to_string().contains("3 rows"), "{e}");
    let e = segment_sum(&[1, 3], &[0.0; 6], 2, &mut out[..2]).unwrap_err();
    assert!(matches!(e, Error::Invalid { .. }) && e.to_string().contains("start at 1"), "{e}");
    let e = segment_offsets_from_ids(&[0, 2, 1], 3).unwrap_err();
    assert!(matches!(e, Error::Invalid { .. }) && e.to_string().contains("not sorted"), "{e}");
    let e = segment_offsets_from_ids(&[0, 3], 3).unwrap_err();
    assert!(matches!(e, Error::Index { .. }) && e.to_string().contains("segment id 3 at position 1"), "{e}");
}

#[test]
fn gather_and_scatter_add_match_loops() {
    let mut r = weft_ops::rng::Philox::new(13);
    for (n, k, w) in [(1usize, 0usize, 1usize), (1, 5, 3), (30, 50, 4), (500, 4000, 20)] {
        let x = random_values(n * w, 14);
        let idx: Vec<Idx> = (0..k).map(|_| r.below(n as u64) as Idx).collect();
        let mut g = vec![0.0; k * w];
        gather_rows(&x, w, &idx, &mut g).unwrap();
        for q in 0..k {
            assert_eq!(&g[q * w..(q + 1) * w], &x[idx[q] as usize * w..(idx[q] as usize + 1) * w]);
        }
        let src = random_values(k * w, 15);
        let init = random_values(n * w, 16);
        let mut out = init.clone();
        scatter_add_rows(&src, w, &idx, &mut out).unwrap();
        // Reference: same order of additions (k increasing), so results are bit-identical.
        let mut want = init;
        for q in 0..k {
            for c in 0..w {
                want[idx[q] as usize * w + c] += src[q * w + c];
            }
        }
        assert_eq!(out, want);
    }
    let mut out = vec![0.0f32; 4];
    let e = gather_rows(&[0.0f32; 4], 2, &[0, 2], &mut out).unwrap_err();
    assert!(matches!(e, Error::Index { .. }) && e.to_string().contains("row id 2 at position 1"), "{e}");
    let e = scatter_add_rows(&[0.0f32; 4], 2, &[0], &mut out).unwrap_err();
    assert!(matches!(e, Error::Shape { .. }) && e.to_string().contains("1 indices"), "{e}");
    let e = scatter_add_rows(&[0.0f32; 4], 2, &[0, 5], &mut out).unwrap_err();
    assert!(matches!(e, Error::Index { .. }) && e.to_string().contains("5"), "{e}");
}

#[test]
fn spmm_with_a_dense_operand_beyond_the_cache_matches_edge_loops() {
    // x of 8200 x 64 f32 = 2.1 MB takes the prefetching path; the reference is a plain loop
    // over the stored entries in f64 (the dense scan would be slow at this size).
    let (nr, nc, w) = (60, 8200, 64);
    let p = random_pattern(nr, nc, 3000, 500);
    let v = random_values(p.nnz(), 501);
    let x = random_values(nc * w, 502);
    let mut out = vec![0.0f32; nr * w];
    spmm_sum(&p, EdgeValues::per_edge(&to::<f32>(&v)), &to::<f32>(&x), w, &mut out).unwrap();
    for i in 0..nr {
        for c in 0..w {
            let terms: Vec<f64> = p
                .row_range(i)
                .map(|e| (v[e] as f32 as f64) * (x[p.col_idx()[e] as usize * w + c] as f32 as f64))
                .collect();
            let want: f64 = terms.iter().sum();
            let tol = sum_tol(terms.len(), terms.iter().map(|t| t.abs()).sum(), f32::EPSILON as f64);
            assert!((out[i * w + c] as f64 - want).abs() <= tol, "({i}, {c})");
        }
    }
}
