//! Dense linear algebra: (batched) matmul through the device's GEMM (cuBLAS on the real
//! device), Cholesky and triangular solve through one-block kernels.

use super::{check_view, grid_for, kernel_name, CudaBackend, BLOCK, MAX_GRID};
use crate::api::{Arg, GemmCall, LaunchConfig};
use crate::buffer::CudaBuf;
use crate::strided::StridedArg;
use weft_ops::{Element, Error, Layout, Result};

/// How cuBLAS sees one row-major matrix view of `rows × cols`: stored row-major with leading
/// dimension `ld` (`col_major == false`), or column-major.
#[derive(Debug, Clone, Copy)]
struct MatView {
    col_major: bool,
    ld: usize,
}

/// The cuBLAS view of a matrix with row stride `sr` and column stride `sc`, when it has one.
fn mat_view(rows: usize, cols: usize, sr: usize, sc: usize) -> Option<MatView> {
    if (sc == 1 || cols == 1) && sr >= cols.max(1) {
        Some(MatView { col_major: false, ld: sr.max(1) })
    } else if (sr == 1 || rows == 1) && sc >= rows.max(1) {
        Some(MatView { col_major: true, ld: sc.max(1) })
    } else {
        None
    }
}

/// The batch stride of a view whose batch dims (all but the last two) collapse to one stride.
fn batch_stride(l: &Layout) -> Option<usize> {
    let r = l.rank();
    let batch = Layout::from_parts(l.shape()[..r - 2].into(), l.strides()[..r - 2].into(), 0);
    let s = StridedArg::new("matmul", &batch).ok()?;
    match s.rank {
        0 => Some(0),
        1 => Some(s.strides[0] as usize),
        _ => None,
    }
}

fn to_i32(op: &'static str, what: &str, v: usize) -> Result<i32> {
    i32::try_from(v).map_err(|_| Error::invalid(op, format!("{what} = {v} exceeds cuBLAS's 32-bit sizes")))
}

impl CudaBackend {
    /// The operand as (buffer, layout) usable by cuBLAS: itself, or a contiguous copy.
    fn gemm_operand<T: Element>(
        &self,
        x: &CudaBuf<T>,
        l: &Layout,
    ) -> Result<(Option<CudaBuf<T>>, Layout, MatView, usize)> {
        let r = l.rank();
        let (rows, cols) = (l.shape()[r - 2], l.shape()[r - 1]);
        let (sr, sc) = (l.strides()[r - 2], l.strides()[r - 1]);
        if let (Some(v), Some(bs)) = (mat_view(rows, cols, sr, sc), batch_stride(l)) {
            return Ok((None, l.clone(), v, bs));
        }
        let c = self.copy_contiguous_impl(x, l)?;
        let lc = Layout::contiguous(l.shape());
        let v = MatView { col_major: false, ld: cols.max(1) };
        let bs = if r > 2 { rows * cols } else { 0 };
        Ok((Some(c), lc, v, bs))
    }

    pub(crate) fn matmul_impl<T: Element>(
        &self,
        a: &CudaBuf<T>,
        la: &Layout,
        b: &CudaBuf<T>,
        lb: &Layout,
    ) -> Result<CudaBuf<T>> {
        let (ra, rb) = (la.rank(), lb.rank());
        if ra < 2
            || ra != rb
            || la.shape()[..ra - 2] != lb.shape()[..rb - 2]
            || la.shape()[ra - 1] != lb.shape()[rb - 2]
        {
            return Err(Error::shape(
                "matmul",
                format!("lhs {:?} and rhs {:?} do not multiply", la.shape(), lb.shape()),
            ));
        }
        check_view("matmul", "lhs", la, a.len())?;
        check_view("matmul", "rhs", lb, b.len())?;
        let (m, k, n) = (la.shape()[ra - 2], la.shape()[ra - 1], lb.shape()[rb - 1]);
        let batch: usize = la.shape()[..ra - 2].iter().product();
        let mut out_shape = la.shape().to_vec();
        out_shape[ra - 1] = n;
        let total = batch * m * n;
        if total == 0 {
            return self.alloc::<T>(0);
        }
        if k == 0 {
            return self.fill_impl(total, T::zero());
        }
        let out = self.alloc::<T>(total)?;
        let (ca, la2, va, sa) = self.gemm_operand(a, la)?;
        let (cb, lb2, vb, sb) = self.gemm_operand(b, lb)?;
        let pa = ca.as_ref().unwrap_or(a).device_ptr() + (la2.offset() * std::mem::size_of::<T>()) as u64;
        let pb = cb.as_ref().unwrap_or(b).device_ptr() + (lb2.offset() * std::mem::size_of::<T>()) as u64;
        // Row-major C = A·B is column-major Cᵀ = Bᵀ·Aᵀ: a row-major operand read column-major
        // is already transposed (no op), a column-major one needs op = T.
        let g = GemmCall {
            dtype: T::DTYPE,
            trans_a: vb.col_major,
            trans_b: va.col_major,
            m: to_i32("matmul", "n", n)?,
            n: to_i32("matmul", "m", m)?,
            k: to_i32("matmul", "k", k)?,
            a: pb,
            lda: to_i32("matmul", "ld(rhs)", vb.ld)?,
            stride_a: sb as i64,
            b: pa,
            ldb: to_i32("matmul", "ld(lhs)", va.ld)?,
            stride_b: sa as i64,
            c: out.device_ptr(),
            ldc: to_i32("matmul", "n", n)?,
            stride_c: (m * n) as i64,
            batch: to_i32("matmul", "batch", batch)?,
        };
        // SAFETY: the operand views are inside their buffers (check_view, or fresh contiguous
        // copies), the leading dimensions and batch strides come from those views, and `out`
        // holds batch * m * n elements.
        unsafe { self.api.gemm(&g)? };
        Ok(out)
    }

    pub(crate) fn cholesky_impl<T: Element>(&self, a: &CudaBuf<T>, la: &Layout) -> Result<CudaBuf<T>> {
        if la.rank() != 2 || la.shape()[0] != la.shape()[1] {
            return Err(Error::shape("cholesky", format!("expected a square matrix, got {:?}", la.shape())));
        }
        check_view("cholesky", "a", la, a.len())?;
        let n = la.shape()[0];
        let out = self.copy_contiguous_impl(a, la)?;
        if n == 0 {
            return Ok(out);
        }
        let bad = self.idx_upload_impl(&[u32::MAX])?;
        let bad_value = self.alloc::<T>(1)?;
        let mut args = [
            Arg::Ptr(out.device_ptr()),
            Arg::I64(n as i64),
            Arg::Ptr(bad.device_ptr()),
            Arg::Ptr(bad_value.device_ptr()),
        ];
        // SAFETY: cholesky_T(T* a, i64 n, u32* bad_pivot, T* bad_value): `out` is n × n, the
        // other two hold one element each.
        unsafe { self.launch(&kernel_name::<T>("cholesky"), LaunchConfig::linear(1, 256, 0), &mut args)? };
        let pivot = self.idx_to_vec_impl(&bad)?[0];
        if pivot != u32::MAX {
            let value = self.to_vec_impl(&bad_value, &Layout::contiguous(&[1]))?[0];
            return Err(Error::NotPositiveDefinite {
                op: "cholesky",
                pivot: pivot as usize,
                value: value.f64(),
            });
        }
        Ok(out)
    }

    pub(crate) fn triangular_solve_impl<T: Element>(
        &self,
        a: &CudaBuf<T>,
        la: &Layout,
        b: &CudaBuf<T>,
        lb: &Layout,
        lower: bool,
        transpose: bool,
    ) -> Result<CudaBuf<T>> {
        if la.rank() != 2
            || la.shape()[0] != la.shape()[1]
            || lb.rank() != 2
            || lb.shape()[0] != la.shape()[0]
        {
            return Err(Error::shape(
                "triangular_solve",
                format!("A {:?} must be square [n, n] and B {:?} must be [n, k]", la.shape(), lb.shape()),
            ));
        }
        check_view("triangular_solve", "a", la, a.len())?;
        check_view("triangular_solve", "b", lb, b.len())?;
        let (n, k) = (lb.shape()[0], lb.shape()[1]);
        let ac = self.copy_contiguous_impl(a, la)?;
        let x = self.copy_contiguous_impl(b, lb)?;
        if n == 0 || k == 0 {
            return Ok(x);
        }
        let forward = lower != transpose;
        let bad = self.idx_upload_impl(&[u32::MAX])?;
        let mut check = [
            Arg::Ptr(ac.device_ptr()),
            Arg::I64(n as i64),
            Arg::Ptr(bad.device_ptr()),
            Arg::I32(forward as i32),
        ];
        // SAFETY: diag_check_T(const T* a, i64 n, u32* bad, int forward) reads the diagonal of
        // the n × n `ac` and writes the one element of `bad`.
        unsafe { self.launch(&kernel_name::<T>("diag_check"), grid_for(n, BLOCK), &mut check)? };
        let rank = self.idx_to_vec_impl(&bad)?[0] as usize;
        if rank != u32::MAX as usize {
            let i = if forward { rank } else { n - 1 - rank };
            let d = self
                .to_vec_impl(&ac, &Layout::from_parts([1usize][..].into(), [1usize][..].into(), i * n + i))?
                [0];
            return Err(Error::numerical(
                "triangular_solve",
                format!("diagonal entry {i} of the triangular matrix is {d} (singular)"),
            ));
        }
        let mut args = [
            Arg::Ptr(ac.device_ptr()),
            Arg::I64(n as i64),
            Arg::Ptr(x.device_ptr()),
            Arg::I64(k as i64),
            Arg::I32(lower as i32),
            Arg::I32(transpose as i32),
        ];
        let cfg = LaunchConfig::linear(k.div_ceil(128).clamp(1, MAX_GRID as usize) as u32, 128, 0);
        // SAFETY: trsm_T(const T* a, i64 n, T* x, i64 k, int lower, int trans): `ac` is n × n,
        // `x` is n × k, both contiguous.
        unsafe { self.launch(&kernel_name::<T>("trsm"), cfg, &mut args)? };
        Ok(x)
    }
}
