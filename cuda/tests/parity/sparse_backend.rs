//! The sparse group of the `Backend` trait on the device against `CpuBackend`'s trait methods:
//! strided dense operands and edge values, heads 1 and > 1, an empty row and an empty segment,
//! every `need_x` / `need_vals` combination of the max-SpMM gradient, and bad argmaxes.

use super::random_pattern;
use crate::support::*;
use weft_cuda::{CudaBackend, CudaBuf, CudaCsr};
use weft_ops::backend::Aggregation;
use weft_ops::rng::Philox;
use weft_ops::sparse::Csr;
use weft_ops::{Backend, CpuBackend, Element, Error, Layout};

/// A host buffer and a strided view of `shape` into it: the transpose of a `[cols, rows]`
/// buffer for a matrix, so that no kernel sees a contiguous operand.
fn transposed<T: Element>(
    g: &mut Philox,
    rows: usize,
    cols: usize,
) -> std::result::Result<(Vec<T>, Layout), String> {
    let l = Layout::contiguous(&[cols, rows]).transpose(0, 1).map_err(|e| e.to_string())?;
    Ok((rand_vec(g, rows * cols, -1.0, 1.0), l))
}

/// `[rows, cols]` narrowed out of a `[rows, cols + 2]` buffer (offset 1, row gaps).
fn narrowed<T: Element>(
    g: &mut Philox,
    rows: usize,
    cols: usize,
) -> std::result::Result<(Vec<T>, Layout), String> {
    let l = Layout::contiguous(&[rows, cols + 2]).narrow(1, 1, cols).map_err(|e| e.to_string())?;
    Ok((rand_vec(g, rows * (cols + 2), -1.0, 1.0), l))
}

fn both_some<T: Element>(
    dev: &CudaBackend,
    what: &str,
    got: Option<CudaBuf<T>>,
    want: Option<Vec<T>>,
) -> Check {
    match (got, want) {
        (None, None) => Ok(()),
        (Some(got), Some(want)) => compare(what, &download(dev, &got, want.len())?, &want, tol::<T>(true)),
        (got, want) => Err(format!("{what}: device gives {}, CPU {}", got.is_some(), want.is_some())),
    }
}

/// The test pattern on both backends.
struct Graph<'a> {
    dev: &'a CudaBackend,
    csr: &'a Csr,
    dcsr: &'a CudaCsr,
}

/// spmm (sum, mean, max) and the max gradient, for one width / heads / values choice.
fn spmm_and_max_backward<T: Element>(
    gr: &Graph,
    g: &mut Philox,
    width: usize,
    heads: usize,
    with_vals: bool,
) -> Check {
    let Graph { dev, csr, dcsr } = *gr;
    let (nr, nc, nnz) = (csr.n_rows(), csr.n_cols(), csr.nnz());
    let what = format!("width {width} heads {heads} values {with_vals}");
    let (x, lx) = transposed::<T>(g, nc, width)?;
    let (v, lv) = narrowed::<T>(g, nnz, heads)?;
    let (dx, dv) = (upload(dev, &x)?.0, upload(dev, &v)?.0);
    let (cvals, dvals) =
        if with_vals { (Some((&v, &lv, heads)), Some((&dv, &lv, heads))) } else { (None, None) };
    for agg in [Aggregation::Sum, Aggregation::Mean, Aggregation::Max] {
        let (want, want_arg) = ok("cpu spmm", CpuBackend.spmm(csr, cvals, &x, &lx, agg))?;
        let (got, arg) = ok("spmm", Backend::spmm(dev, dcsr, dvals, &dx, &lx, agg))?;
        compare(
            &format!("trait spmm {agg:?} {what}"),
            &download(dev, &got, want.len())?,
            &want,
            tol::<T>(true),
        )?;
        let (Some(wa), Some(ga)) = (want_arg, arg) else { continue };
        if ok("argmax", dev.idx_to_vec(&ga))? != wa {
            return Err(format!("trait spmm max {what}: argmax differs"));
        }
        if !wa.contains(&u32::MAX) {
            return Err(format!("trait spmm max {what}: the empty row has no NO_EDGE argmax"));
        }
        let (gout, lg) = transposed::<T>(g, nr, width)?;
        let dg = upload(dev, &gout)?.0;
        for (need_x, need_vals) in [(true, true), (true, false), (false, true), (false, false)] {
            let (wx, wv) = ok(
                "cpu spmm_max_backward",
                CpuBackend.spmm_max_backward(csr, cvals, &x, &lx, &wa, &gout, &lg, need_x, need_vals),
            )?;
            let (gx, gv) = ok(
                "spmm_max_backward",
                Backend::spmm_max_backward(dev, dcsr, dvals, &dx, &lx, &ga, &dg, &lg, need_x, need_vals),
            )?;
            let case = format!("{what} need_x {need_x} need_vals {need_vals}");
            both_some(dev, &format!("trait spmm_max_backward grad_x {case}"), gx, wx)?;
            both_some(dev, &format!("trait spmm_max_backward grad_vals {case}"), gv, wv)?;
        }
        // An argmax naming an entry of another row is an index error on both backends.
        let row = (0..nr).find(|&i| csr.row_ptr()[i + 1] > csr.row_ptr()[i]).unwrap_or(0);
        let other = (0..nnz as u32).find(|&e| e < csr.row_ptr()[row] || e >= csr.row_ptr()[row + 1]);
        if let Some(e) = other {
            let mut bad = wa.clone();
            bad[row * width] = e;
            let dbad = ok("upload", dev.idx_from_slice(&bad))?;
            let cpu = CpuBackend.spmm_max_backward(csr, cvals, &x, &lx, &bad, &gout, &lg, true, true);
            let got = Backend::spmm_max_backward(dev, dcsr, dvals, &dx, &lx, &dbad, &dg, &lg, true, true);
            match (cpu, got) {
                (Err(Error::Index { .. }), Err(Error::Index { msg, .. }))
                    if msg.contains(&format!("argmax {e} at ({row}, 0)")) => {}
                (c, d) => {
                    return Err(format!(
                        "a bad argmax: CPU gives {:?}, device {:?}",
                        c.map(|_| ()),
                        d.map(|_| ())
                    ))
                }
            }
        }
    }
    Ok(())
}

/// SDDMM (dot and add) and edge softmax with its gradient, for one width / heads choice.
fn sddmm_and_softmax<T: Element>(gr: &Graph, g: &mut Philox, width: usize, heads: usize) -> Check {
    let Graph { dev, csr, dcsr } = *gr;
    let (nr, nc, nnz) = (csr.n_rows(), csr.n_cols(), csr.nnz());
    let what = format!("width {width} heads {heads}");
    let (a, la) = narrowed::<T>(g, nr, width)?;
    let (x, lx) = transposed::<T>(g, nc, width)?;
    let (da, dx) = (upload(dev, &a)?.0, upload(dev, &x)?.0);
    let want = ok("cpu sddmm", CpuBackend.sddmm_dot(csr, &a, &la, &x, &lx, heads))?;
    let got = ok("sddmm", Backend::sddmm_dot(dev, dcsr, &da, &la, &dx, &lx, heads))?;
    compare(&format!("trait sddmm_dot {what}"), &download(dev, &got, want.len())?, &want, tol::<T>(true))?;
    let (s, ls) = transposed::<T>(g, nr, heads)?;
    let (t, lt) = narrowed::<T>(g, nc, heads)?;
    let (ds, dt) = (upload(dev, &s)?.0, upload(dev, &t)?.0);
    let want = ok("cpu sddmm_add", CpuBackend.sddmm_add(csr, &s, &ls, &t, &lt, heads))?;
    let got = ok("sddmm_add", Backend::sddmm_add(dev, dcsr, &ds, &ls, &dt, &lt, heads))?;
    compare(&format!("trait sddmm_add {what}"), &download(dev, &got, want.len())?, &want, tol::<T>(false))?;
    let (v, lv) = narrowed::<T>(g, nnz, heads)?;
    let dv = upload(dev, &v)?.0;
    let want = ok("cpu edge_softmax", CpuBackend.edge_softmax(csr, &v, &lv, heads))?;
    let got = ok("edge_softmax", Backend::edge_softmax(dev, dcsr, &dv, &lv, heads))?;
    compare(&format!("trait edge_softmax {what}"), &download(dev, &got, want.len())?, &want, tol::<T>(true))?;
    let dy: Vec<T> = rand_vec(g, want.len(), -1.0, 1.0);
    let ddy = upload(dev, &dy)?.0;
    let ly = Layout::contiguous(&[nnz, heads]);
    let want =
        ok("cpu edge_softmax_backward", CpuBackend.edge_softmax_backward(csr, &want, &ly, &dy, &ly, heads))?;
    let got =
        ok("edge_softmax_backward", Backend::edge_softmax_backward(dev, dcsr, &got, &ly, &ddy, &ly, heads))?;
    compare(
        &format!("trait edge_softmax_backward {what}"),
        &download(dev, &got, want.len())?,
        &want,
        tol::<T>(true),
    )
}

/// Segment sums, means and maxima (with an empty segment) and the max gradient.
fn segments<T: Element>(dev: &CudaBackend, g: &mut Philox, width: usize) -> Check {
    let offsets: Vec<u32> = vec![0, 3, 3, 10, 37];
    let (n_seg, m) = (offsets.len() - 1, 37);
    let doff = ok("upload", dev.idx_from_slice(&offsets))?;
    let (a, la) = transposed::<T>(g, m, width)?;
    let da = upload(dev, &a)?.0;
    for agg in [Aggregation::Sum, Aggregation::Mean, Aggregation::Max] {
        let (want, wa) = ok("cpu segment_reduce", CpuBackend.segment_reduce(&offsets, n_seg, &a, &la, agg))?;
        let (got, ga) = ok("segment_reduce", Backend::segment_reduce(dev, &doff, n_seg, &da, &la, agg))?;
        let what = format!("trait segment_reduce {agg:?} width {width}");
        compare(&what, &download(dev, &got, want.len())?, &want, tol::<T>(true))?;
        let (Some(wa), Some(ga)) = (wa, ga) else { continue };
        if ok("argmax", dev.idx_to_vec(&ga))? != wa {
            return Err(format!("{what}: argmax differs"));
        }
        let (gout, lg) = narrowed::<T>(g, n_seg, width)?;
        let dg = upload(dev, &gout)?.0;
        let want = ok(
            "cpu segment_max_backward",
            CpuBackend.segment_max_backward(&offsets, n_seg, m, &wa, &gout, &lg),
        )?;
        let got =
            ok("segment_max_backward", Backend::segment_max_backward(dev, &doff, n_seg, m, &ga, &dg, &lg))?;
        compare(
            &format!("trait segment_max_backward width {width}"),
            &download(dev, &got, want.len())?,
            &want,
            0.0,
        )?;
        // Row 0 is in segment 0, not segment 2: an index error on both backends.
        let mut bad = wa.clone();
        bad[2 * width] = 0;
        let dbad = ok("upload", dev.idx_from_slice(&bad))?;
        let cpu = CpuBackend.segment_max_backward(&offsets, n_seg, m, &bad, &gout, &lg);
        let got = Backend::segment_max_backward(dev, &doff, n_seg, m, &dbad, &dg, &lg);
        match (cpu, got) {
            (Err(Error::Index { .. }), Err(Error::Index { msg, .. }))
                if msg.contains("argmax 0 at (2, 0)") => {}
            (c, d) => {
                return Err(format!(
                    "a bad segment argmax: CPU {:?}, device {:?}",
                    c.map(|_| ()),
                    d.map(|_| ())
                ))
            }
        }
    }
    // offsets that end before the last row of grad_x are refused
    let (zeros, lz) = (upload(dev, &vec![T::zero(); n_seg * 2])?.0, Layout::contiguous(&[n_seg, 2]));
    let argmax = ok("upload", dev.idx_from_slice(&vec![u32::MAX; n_seg * 2]))?;
    if Backend::segment_max_backward(dev, &doff, n_seg, m + 1, &argmax, &zeros, &lz).is_ok() {
        return Err("segment offsets ending before the last row must be refused".into());
    }
    Ok(())
}

/// The whole sparse group of the trait.
pub fn sparse_trait<T: Element>(dev: &CudaBackend) -> Check {
    let mut g = Philox::new(21);
    let p = random_pattern(&mut g, 37, 29, 0.15);
    if p.row_ptr()[3] != p.row_ptr()[4] {
        return Err("the test pattern must have an empty row".into());
    }
    let csr = Csr::new(p);
    let dcsr = ok("csr_upload", Backend::csr_upload(dev, &csr))?;
    let gr = Graph { dev, csr: &csr, dcsr: &dcsr };
    for (width, heads) in [(12, 3), (7, 1), (40, 4)] {
        for with_vals in [false, true] {
            spmm_and_max_backward::<T>(&gr, &mut g, width, heads, with_vals)?;
        }
        sddmm_and_softmax::<T>(&gr, &mut g, width, heads)?;
        segments::<T>(dev, &mut g, width)?;
    }
    Ok(())
}
