//! CsrPattern construction, validation errors, transpose, degrees, normalisation, SpGEMM and
//! common neighbours, against dense references.

mod sparse_common;

use sparse_common::{cases, dense, random_pattern, random_values};
use weft_ops::rng::Philox;
use weft_ops::sparse::{row_norm_values, spgemm, sym_norm_values, CooOptions, Csr, CsrPattern, SelfLoops};
use weft_ops::{Error, Idx};

#[test]
fn from_coo_dedups_sorts_symmetrises_and_adds_loops() {
    let mut r = Philox::new(5);
    let n = 30;
    let src: Vec<Idx> = (0..200).map(|_| r.below(n) as Idx).collect();
    let dst: Vec<Idx> = (0..200).map(|_| r.below(n) as Idx).collect();
    for symmetric in [false, true] {
        for loops in [SelfLoops::Keep, SelfLoops::Add, SelfLoops::Remove] {
            let opts = CooOptions { symmetric, self_loops: loops };
            let p = CsrPattern::from_coo(30, 30, &src, &dst, opts).unwrap();
            // Reference: a dense boolean matrix.
            let mut want = vec![vec![false; 30]; 30];
            for (&s, &d) in src.iter().zip(&dst) {
                want[s as usize][d as usize] = true;
                if symmetric {
                    want[d as usize][s as usize] = true;
                }
            }
            for (i, row) in want.iter_mut().enumerate() {
                match loops {
                    SelfLoops::Keep => {}
                    SelfLoops::Add => row[i] = true,
                    SelfLoops::Remove => row[i] = false,
                }
            }
            let (_, got) = dense(&p, None);
            assert_eq!(got, want, "symmetric {symmetric} loops {loops:?}");
            // Rows sorted strictly (no duplicates): from_parts accepts the same arrays.
            let (nr, nc, rp, ci) = p.clone().into_parts();
            assert_eq!(CsrPattern::from_parts(nr, nc, rp, ci).unwrap(), p);
        }
    }
}

#[test]
fn from_coo_errors_name_the_problem() {
    let e = CsrPattern::from_coo(3, 4, &[0, 1, 2], &[0, 4, 1], CooOptions::default()).unwrap_err();
    assert!(matches!(e, Error::Index { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains("dst id 4") && msg.contains("position 1") && msg.contains('4'), "{msg}");

    let e = CsrPattern::from_coo(3, 4, &[0, 3], &[0, 1], CooOptions::default()).unwrap_err();
    assert!(matches!(e, Error::Index { .. }) && e.to_string().contains("src id 3"), "{e}");

    let e = CsrPattern::from_coo(3, 3, &[0, 1], &[0], CooOptions::default()).unwrap_err();
    assert!(matches!(e, Error::Shape { .. }) && e.to_string().contains("src has 2"), "{e}");

    let e = CsrPattern::from_coo(3, 4, &[0], &[1], CooOptions::undirected()).unwrap_err();
    assert!(matches!(e, Error::Invalid { .. }) && e.to_string().contains("square"), "{e}");
}

#[test]
fn from_parts_rejects_bad_csr() {
    let bad = |rp: Vec<Idx>, ci: Vec<Idx>| CsrPattern::from_parts(3, 3, rp, ci).unwrap_err();

    let e = bad(vec![0, 2, 1, 3], vec![0, 1, 2]);
    assert!(matches!(e, Error::Invalid { .. }) && e.to_string().contains("not sorted"), "{e}");
    let e = bad(vec![1, 2, 2, 3], vec![0, 1, 2]);
    assert!(matches!(e, Error::Invalid { .. }) && e.to_string().contains("row_ptr[0]"), "{e}");
    let e = bad(vec![0, 1, 2, 2], vec![0, 1, 2]);
    assert!(matches!(e, Error::Invalid { .. }) && e.to_string().contains("ends at 2"), "{e}");
    let e = bad(vec![0, 1, 2], vec![0, 1]);
    assert!(matches!(e, Error::Shape { .. }) && e.to_string().contains("n_rows + 1"), "{e}");
    let e = bad(vec![0, 1, 2, 3], vec![0, 3, 1]);
    assert!(matches!(e, Error::Index { .. }) && e.to_string().contains("column id 3 at position 1"), "{e}");
    let e = bad(vec![0, 2, 2, 3], vec![1, 1, 0]);
    assert!(matches!(e, Error::Invalid { .. }) && e.to_string().contains("strictly increasing"), "{e}");
    let e = bad(vec![0, 2, 2, 3], vec![2, 1, 0]);
    assert!(matches!(e, Error::Invalid { .. }) && e.to_string().contains("row 0"), "{e}");

    assert!(CsrPattern::from_parts(0, 0, vec![0], vec![]).is_ok());
}

#[test]
fn transpose_matches_dense_and_carries_values() {
    for (k, (nr, nc, ne)) in cases().into_iter().enumerate() {
        let p = random_pattern(nr, nc, ne, k as u64);
        let v = random_values(p.nnz(), k as u64);
        let t = p.transpose();
        let vt = t.permute_values(&v).unwrap();
        let (a, ma) = dense(&p, Some(&v));
        let (b, mb) = dense(&t.pattern, Some(&vt));
        for i in 0..nr {
            for j in 0..nc {
                assert_eq!(a[i][j], b[j][i]);
                assert_eq!(ma[i][j], mb[j][i]);
            }
        }
        // Transposing twice gives the original with the identity permutation.
        let tt = t.pattern.transpose();
        assert_eq!(tt.pattern, p);
        let composed: Vec<Idx> = tt.perm.iter().map(|&e| t.perm[e as usize]).collect();
        assert_eq!(composed, (0..p.nnz() as Idx).collect::<Vec<_>>());
        // Multi-head permutation.
        let v2: Vec<f64> = (0..p.nnz() * 2).map(|x| x as f64).collect();
        let v2t = t.permute(&v2, 2).unwrap();
        for (e, &pe) in t.perm.iter().enumerate() {
            assert_eq!(v2t[2 * e + 1], v2[2 * pe as usize + 1]);
        }
        if p.nnz() > 0 {
            assert!(matches!(t.permute(&v2, 3), Err(Error::Shape { .. })));
        }
    }
}

#[test]
fn shared_csr_caches_its_transpose() {
    let a = Csr::new(random_pattern(20, 20, 50, 1));
    assert!(!a.has_transposed());
    let b = a.clone();
    let t1: *const _ = a.transposed();
    assert!(b.has_transposed());
    assert!(std::ptr::eq(t1, b.transposed()));
    assert!(a.same_as(&b));
    assert_eq!(a.out_degrees(), &a.pattern().out_degrees()[..]);
}

#[test]
fn degrees_and_normalisations_match_dense() {
    for (k, (n, _, ne)) in cases().into_iter().enumerate() {
        let opts = CooOptions::undirected().with_self_loops(SelfLoops::Keep);
        let base = random_pattern(n, n, ne, 10 + k as u64);
        let (s, d) = (base.row_ids(), base.col_idx().to_vec());
        let p = CsrPattern::from_coo(n, n, &s, &d, opts).unwrap();
        let w: Vec<f64> = random_values(p.nnz(), k as u64).iter().map(|x| x.abs() + 0.1).collect();
        for vals in [None, Some(&w[..])] {
            let (a, _) = dense(&p, vals);
            let deg: Vec<f64> = a.iter().map(|r| r.iter().sum()).collect();
            let sym = sym_norm_values(&p, vals).unwrap();
            let row = row_norm_values(&p, vals).unwrap();
            for i in 0..n {
                for e in p.row_range(i) {
                    let j = p.col_idx()[e] as usize;
                    let want_sym = a[i][j] / (deg[i] * deg[j]).sqrt();
                    let want_row = a[i][j] / deg[i];
                    assert!((sym[e] - want_sym).abs() <= 1e-14 * want_sym.abs().max(1.0));
                    assert!((row[e] - want_row).abs() <= 1e-14 * want_row.abs().max(1.0));
                }
            }
            // Every non-empty row of the row-normalised matrix sums to 1.
            for i in 0..n {
                if !p.row_range(i).is_empty() {
                    let s: f64 = row[p.row_range(i)].iter().sum();
                    assert!((s - 1.0).abs() < 1e-12);
                }
            }
        }
        assert_eq!(p.in_degrees(), p.out_degrees(), "a symmetric pattern has equal in- and out-degrees");
    }
}

#[test]
fn normalisation_handles_isolated_nodes_and_rejects_bad_degrees() {
    // Node 1 has an in-edge but no out-edge: its degree is 0, the coefficient must be 0, not NaN.
    let p = CsrPattern::from_parts(3, 3, vec![0, 1, 1, 1], vec![1]).unwrap();
    let s: Vec<f32> = sym_norm_values(&p, None).unwrap();
    assert_eq!(s, vec![0.0]);
    let e = sym_norm_values(&p, Some(&[-1.0f64])).unwrap_err();
    assert!(matches!(e, Error::Numerical { .. }) && e.to_string().contains("row 0"), "{e}");
    let e = row_norm_values(&p, Some(&[1.0f64, 2.0])).unwrap_err();
    assert!(matches!(e, Error::Shape { .. }), "{e}");
    let rect = random_pattern(3, 4, 5, 0);
    assert!(matches!(sym_norm_values::<f64>(&rect, None), Err(Error::Shape { .. })));
}

#[test]
fn spgemm_matches_dense_products() {
    for (k, (nr, nc, ne)) in cases().into_iter().enumerate() {
        let a = random_pattern(nr, nc, ne, 20 + k as u64);
        let b = random_pattern(nc, 11, ne.min(80), 40 + k as u64);
        let av = random_values(a.nnz(), 1);
        let bv = random_values(b.nnz(), 2);
        for with_values in [false, true] {
            let (avo, bvo) = if with_values { (Some(&av[..]), Some(&bv[..])) } else { (None, None) };
            let (c, cv) = spgemm(&a, avo, &b, bvo).unwrap();
            let (da, ma) = dense(&a, avo);
            let (db, mb) = dense(&b, bvo);
            let (dc, mc) = dense(&c, Some(&cv));
            for i in 0..nr {
                for j in 0..11 {
                    let mut want = 0.0;
                    let mut stored = false;
                    let mut abs = 0.0;
                    for l in 0..nc {
                        want += da[i][l] * db[l][j];
                        abs += (da[i][l] * db[l][j]).abs();
                        stored |= ma[i][l] && mb[l][j];
                    }
                    assert_eq!(mc[i][j], stored, "pattern of C at ({i}, {j})");
                    assert!((dc[i][j] - want).abs() <= (nc as f64 + 2.0) * f64::EPSILON * abs);
                }
            }
        }
    }
    // A^T A through the transpose.
    let a = random_pattern(40, 30, 150, 3);
    let t = a.transpose();
    let (ata, v) = spgemm::<f64>(&t.pattern, None, &a, None).unwrap();
    for (u, w) in [(0usize, 1usize), (5, 5), (29, 2)] {
        let common = (0..40).filter(|&i| a.contains(i, u) && a.contains(i, w)).count();
        let stored = ata.row_range(u).zip(ata.row(u)).find(|(_, &c)| c as usize == w);
        assert_eq!(stored.map_or(0.0, |(e, _)| v[e]), common as f64);
    }
    let e = spgemm::<f64>(&a, None, &a, None).unwrap_err();
    assert!(matches!(e, Error::Shape { .. }) && e.to_string().contains("inner dims"), "{e}");
}

#[test]
fn common_neighbours_match_brute_force() {
    let p = random_pattern(200, 200, 3000, 9);
    let us: Vec<Idx> = (0..2000).map(|k| (k * 7 % 200) as Idx).collect();
    let vs: Vec<Idx> = (0..2000).map(|k| (k * 13 % 200) as Idx).collect();
    let counts = p.common_neighbour_counts(&us, &vs).unwrap();
    for k in 0..us.len() {
        let (u, v) = (us[k] as usize, vs[k] as usize);
        let want: Vec<Idx> =
            (0..200).filter(|&j| p.contains(u, j) && p.contains(v, j)).map(|j| j as Idx).collect();
        assert_eq!(p.common_neighbours(u, v).unwrap(), want);
        assert_eq!(p.common_neighbour_count(u, v).unwrap(), want.len());
        assert_eq!(counts[k] as usize, want.len());
    }
    // The galloping path (one row much shorter).
    let long: Vec<Idx> = (0..1000).map(|x| 2 * x).collect();
    assert_eq!(weft_ops::sparse::intersect_count(&[4, 5, 1998, 2000], &long), 2);
    let e = p.common_neighbours(0, 200).unwrap_err();
    assert!(matches!(e, Error::Index { .. }) && e.to_string().contains("row 200"), "{e}");
    let e = p.common_neighbour_counts(&[0, 1], &[0]).unwrap_err();
    assert!(matches!(e, Error::Shape { .. }));
}

#[test]
fn from_coo_weighted_sums_duplicates_against_dense() {
    let mut r = Philox::new(8);
    let n = 25;
    let src: Vec<Idx> = (0..300).map(|_| r.below(n) as Idx).collect();
    let dst: Vec<Idx> = (0..300).map(|_| r.below(n) as Idx).collect();
    let w = random_values(300, 3);
    for symmetric in [false, true] {
        for loops in [SelfLoops::Keep, SelfLoops::Add, SelfLoops::Remove] {
            let opts = CooOptions { symmetric, self_loops: loops };
            let (p, v) = CsrPattern::from_coo_weighted(25, 25, &src, &dst, &w, opts).unwrap();
            assert_eq!(p, CsrPattern::from_coo(25, 25, &src, &dst, opts).unwrap(), "same pattern");
            let mut want = vec![vec![0.0; 25]; 25];
            for k in 0..300 {
                let (s, d) = (src[k] as usize, dst[k] as usize);
                if loops == SelfLoops::Remove && s == d {
                    continue;
                }
                want[s][d] += w[k];
                if symmetric && s != d {
                    want[d][s] += w[k];
                }
            }
            if loops == SelfLoops::Add {
                for (i, row) in want.iter_mut().enumerate() {
                    if !src.iter().zip(&dst).any(|(&s, &d)| s as usize == i && d as usize == i) {
                        row[i] = 1.0;
                    }
                }
            }
            let (got, _) = dense(&p, Some(&v));
            for i in 0..25 {
                for j in 0..25 {
                    // At most 300 terms summed: error <= 300 eps * sum |w| <= 300 * 300 eps.
                    assert!((got[i][j] - want[i][j]).abs() <= 1e-10, "({i}, {j}) {symmetric} {loops:?}");
                }
            }
        }
    }
    let e =
        CsrPattern::from_coo_weighted(3, 3, &[0], &[1], &[1.0f32, 2.0], CooOptions::default()).unwrap_err();
    assert!(matches!(e, Error::Shape { .. }) && e.to_string().contains("values 2"), "{e}");
}

#[test]
#[allow(clippy::needless_range_loop)] // dense reference: index loops are the clearest form
fn spgemm_square_parallel_path_matches_dense() {
    // ~4000 entries x ~13 per row of B: above the parallel threshold.
    let a = random_pattern(300, 300, 4000, 77);
    let v = random_values(a.nnz(), 78);
    let (c, cv) = spgemm(&a, Some(&v), &a, Some(&v)).unwrap();
    let (da, _) = dense(&a, Some(&v));
    let (dc, mc) = dense(&c, Some(&cv));
    for i in 0..300 {
        for j in 0..300 {
            let (mut want, mut abs, mut paths) = (0.0, 0.0, false);
            for l in 0..300 {
                want += da[i][l] * da[l][j];
                abs += (da[i][l] * da[l][j]).abs();
                paths |= a.contains(i, l) && a.contains(l, j);
            }
            assert_eq!(mc[i][j], paths);
            assert!((dc[i][j] - want).abs() <= 302.0 * f64::EPSILON * abs);
        }
    }
}

#[test]
fn dense_round_trip() {
    let mut r = Philox::new(21);
    for (nr, nc) in [(0usize, 3usize), (1, 1), (13, 40)] {
        // About 10% non-zeros.
        let d: Vec<f64> = (0..nr * nc).map(|_| if r.uniform() < 0.1 { r.normal() } else { 0.0 }).collect();
        let (p, v) = CsrPattern::from_dense(nr, nc, &d).unwrap();
        assert_eq!(p.nnz(), d.iter().filter(|&&x| x != 0.0).count());
        assert_eq!(p.to_dense(Some(&v)).unwrap(), d);
        let ones: Vec<f64> = p.to_dense(None).unwrap();
        assert!(ones.iter().zip(&d).all(|(&o, &x)| o == if x != 0.0 { 1.0 } else { 0.0 }));
    }
    let e = CsrPattern::from_dense(2, 3, &[1.0f32; 5]).unwrap_err();
    assert!(matches!(e, Error::Shape { .. }) && e.to_string().contains("[2, 3]"), "{e}");
}
