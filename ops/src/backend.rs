//! The [`Backend`] trait: every primitive weft computes with.
//!
//! `CpuBackend` and `CudaBackend` implement all of it, so an op cannot exist on one device
//! only. The trait is deliberately low level: operands are `(buffer, layout)` pairs, shapes
//! have already been checked and broadcast by the caller (`weft-autograd`), and every output
//! is a fresh contiguous buffer — except the fused optimiser updates (`sgd_update`,
//! `adam_update`), which rewrite a parameter and its state in place. Index data travels in its
//! own buffer type of [`Idx`].

use crate::device::Device;
use crate::element::{Element, Idx};
use crate::error::Result;
use crate::layout::Layout;
use crate::rng::PhiloxState;

/// Elementwise unary operations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum UnaryOp {
    Neg,
    Exp,
    Log,
    Tanh,
    Sigmoid,
    Relu,
    /// GELU, tanh approximation (as `torch.nn.GELU(approximate="tanh")`).
    Gelu,
    Sqrt,
    Abs,
    Square,
    Recip,
    Sin,
    Cos,
    /// `log(1 + exp(x))`, computed stably.
    Softplus,
    /// `log(1 + x)`.
    Log1p,
    /// `1` where `x > 0`, else `0`.
    Step,
    /// Sign: -1, 0 or 1.
    Sign,
    /// `x^p`.
    Powf(f64),
    /// `x` where `x > 0`, else `slope * x`.
    LeakyRelu(f64),
    /// `x` where `x > 0`, else `exp(x) - 1` (scaled by alpha).
    Elu(f64),
}

/// Elementwise binary operations (operands broadcast by the caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Max,
    Min,
    Pow,
}

/// Comparisons; the result is 1 where true and 0 where false, in the element type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// Reductions along one axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReduceOp {
    Sum,
    Mean,
    Max,
    Min,
    /// `log(sum(exp(x)))`, computed stably.
    LogSumExp,
}

/// How the stored entries of a sparse row (or the rows of a segment) are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregation {
    /// Sum of the (value-scaled) neighbour rows.
    Sum,
    /// Sum divided by the number of stored entries (empty rows give 0).
    Mean,
    /// Elementwise maximum, with the argmax kept for the backward pass (empty rows give 0).
    Max,
}

/// Optional per-edge values of a sparse operand: the buffer, its layout (`[nnz]` or
/// `[nnz, heads]`) and the number of heads (1 for `[nnz]`).
pub type EdgeVals<'a, B> = Option<(&'a B, &'a Layout, usize)>;

/// Every primitive of weft, on one device.
///
/// Conventions:
/// - an operand is a buffer plus a [`Layout`] (any strides, offset, broadcast stride 0);
/// - outputs are new contiguous buffers, row-major;
/// - shapes are checked by the caller; a backend may assume they fit but must never read out
///   of bounds (the CPU backend uses checked indexing where it cannot prove bounds).
pub trait Backend: Send + Sync + 'static {
    /// A buffer of elements on this device.
    type Buf<T: Element>: Send + Sync;
    /// A buffer of indices on this device.
    type IdxBuf: Send + Sync;
    /// A CSR sparsity pattern (row pointers and sorted column ids, no values) on this device.
    type Csr: Send + Sync;

    /// The device this backend computes on.
    fn device(&self) -> Device;

    // ---------------------------------------------------------------- memory
    /// A buffer of `n` zeros.
    fn zeros<T: Element>(&self, n: usize) -> Result<Self::Buf<T>>;
    /// A buffer of `n` copies of `value`.
    fn fill<T: Element>(&self, n: usize, value: T) -> Result<Self::Buf<T>>;
    /// Copies host data to the device.
    #[allow(clippy::wrong_self_convention)]
    fn from_slice<T: Element>(&self, data: &[T]) -> Result<Self::Buf<T>>;
    /// Reads the view `l` of `x` back to the host, row-major.
    fn to_vec<T: Element>(&self, x: &Self::Buf<T>, l: &Layout) -> Result<Vec<T>>;
    /// Copies the view `l` of `x` into a new contiguous buffer.
    fn copy_contiguous<T: Element>(&self, x: &Self::Buf<T>, l: &Layout) -> Result<Self::Buf<T>>;
    /// Copies host indices to the device.
    fn idx_from_slice(&self, data: &[Idx]) -> Result<Self::IdxBuf>;
    /// Reads indices back to the host.
    fn idx_to_vec(&self, x: &Self::IdxBuf) -> Result<Vec<Idx>>;

    // ----------------------------------------------------------- elementwise
    /// `op(x)` elementwise.
    fn unary<T: Element>(&self, op: UnaryOp, x: &Self::Buf<T>, l: &Layout) -> Result<Self::Buf<T>>;
    /// `op(a, b)` elementwise; `la` and `lb` have the same shape (broadcast strides allowed).
    fn binary<T: Element>(
        &self,
        op: BinaryOp,
        a: &Self::Buf<T>,
        la: &Layout,
        b: &Self::Buf<T>,
        lb: &Layout,
    ) -> Result<Self::Buf<T>>;
    /// `a op b` as 1/0 elementwise; same-shape layouts as in [`Backend::binary`].
    fn compare<T: Element>(
        &self,
        op: CmpOp,
        a: &Self::Buf<T>,
        la: &Layout,
        b: &Self::Buf<T>,
        lb: &Layout,
    ) -> Result<Self::Buf<T>>;
    /// `cond != 0 ? a : b` elementwise; the three layouts have the same shape.
    #[allow(clippy::too_many_arguments)]
    fn select<T: Element>(
        &self,
        cond: &Self::Buf<T>,
        lc: &Layout,
        a: &Self::Buf<T>,
        la: &Layout,
        b: &Self::Buf<T>,
        lb: &Layout,
    ) -> Result<Self::Buf<T>>;
    /// `x * mul + add` elementwise.
    fn affine<T: Element>(&self, x: &Self::Buf<T>, l: &Layout, mul: T, add: T) -> Result<Self::Buf<T>>;

    // ------------------------------------------------------------ reductions
    /// Reduces `axis` away: the output has the shape of `l` without `axis`.
    fn reduce<T: Element>(
        &self,
        op: ReduceOp,
        x: &Self::Buf<T>,
        l: &Layout,
        axis: usize,
    ) -> Result<Self::Buf<T>>;
    /// Index of the (first) maximum along `axis`; output shape as in [`Backend::reduce`].
    fn argmax<T: Element>(&self, x: &Self::Buf<T>, l: &Layout, axis: usize) -> Result<Self::IdxBuf>;
    /// Softmax (or log-softmax when `log`) along `axis`, fused and numerically stable.
    fn softmax<T: Element>(
        &self,
        x: &Self::Buf<T>,
        l: &Layout,
        axis: usize,
        log: bool,
    ) -> Result<Self::Buf<T>>;

    // ---------------------------------------------------------------- linalg
    /// Batched matrix product: `la` is `[..., m, k]`, `lb` is `[..., k, n]` with equal batch
    /// dims (broadcast strides allowed); the output is `[..., m, n]`.
    fn matmul<T: Element>(
        &self,
        a: &Self::Buf<T>,
        la: &Layout,
        b: &Self::Buf<T>,
        lb: &Layout,
    ) -> Result<Self::Buf<T>>;
    /// Lower Cholesky factor of the symmetric positive-definite `[n, n]` matrix `a`;
    /// `Error::NotPositiveDefinite` names the failing pivot.
    fn cholesky<T: Element>(&self, a: &Self::Buf<T>, la: &Layout) -> Result<Self::Buf<T>>;
    /// Solves `op(A) X = B` for `X`, with `A` `[n, n]` triangular (`lower` or upper; only
    /// that triangle is read), `op(A) = Aᵀ` when `transpose`, and `B` `[n, k]`.
    #[allow(clippy::too_many_arguments)]
    fn triangular_solve<T: Element>(
        &self,
        a: &Self::Buf<T>,
        la: &Layout,
        b: &Self::Buf<T>,
        lb: &Layout,
        lower: bool,
        transpose: bool,
    ) -> Result<Self::Buf<T>>;

    // -------------------------------------------------------------- indexing
    /// Gathers the slices `idx[i]` of `axis`: the output has `axis` of length `idx.len()`.
    /// Indices are validated by the caller (all `< l.shape()[axis]`).
    fn index_select<T: Element>(
        &self,
        x: &Self::Buf<T>,
        l: &Layout,
        axis: usize,
        idx: &Self::IdxBuf,
        n_idx: usize,
    ) -> Result<Self::Buf<T>>;
    /// Scatter-add: a copy of `dst` (contiguous, shape `dst_shape`) with slice `i` of `src`
    /// along `axis` added into slice `idx[i]`. `src` has `axis` of length `n_idx`.
    #[allow(clippy::too_many_arguments)]
    fn index_add<T: Element>(
        &self,
        dst: &Self::Buf<T>,
        dst_shape: &[usize],
        axis: usize,
        idx: &Self::IdxBuf,
        n_idx: usize,
        src: &Self::Buf<T>,
        ls: &Layout,
    ) -> Result<Self::Buf<T>>;
    /// Concatenates views along `axis` (all other dims equal).
    fn concat<T: Element>(&self, parts: &[(&Self::Buf<T>, &Layout)], axis: usize) -> Result<Self::Buf<T>>;

    // ---------------------------------------------------------------- random
    /// `n` uniforms in `(lo, hi)` from Philox; element `i` uses block `i / 4`, word `i % 4`.
    fn uniform<T: Element>(&self, n: usize, st: PhiloxState, lo: T, hi: T) -> Result<Self::Buf<T>>;
    /// `n` normals `mean + std * z`; elements `4b..4b+4` come from Box-Muller on block `b`
    /// (words 0,1 give elements 0,1 and words 2,3 give elements 2,3).
    fn normal<T: Element>(&self, n: usize, st: PhiloxState, mean: T, std: T) -> Result<Self::Buf<T>>;
    /// Dropout mask: `1 / keep` with probability `keep`, else 0 (uniform of element `i` < keep).
    fn dropout_mask<T: Element>(&self, n: usize, st: PhiloxState, keep: f64) -> Result<Self::Buf<T>>;

    // ---------------------------------------------------------------- sparse
    // Sparse operands are a device pattern ([`Backend::Csr`], `n_rows x n_cols`, `nnz` stored
    // entries) plus optional per-edge values ([`EdgeVals`]: `[nnz]` or `[nnz, heads]`; head `h`
    // scales dense columns `h*F/H..(h+1)*F/H`). Dense operands are `(buffer, layout)` pairs of
    // rank 2, checked by the caller. No kernel materialises an `[nnz, F]` message tensor.

    /// Uploads a validated host pattern to this device.
    fn csr_upload(&self, p: &crate::sparse::Csr) -> Result<Self::Csr>;
    /// SpMM: `out[i, :] = agg over stored (i, j) = e of vals[e] * x[j, :]` with `x`
    /// `[n_cols, width]`; the output is `[n_rows, width]`. For [`Aggregation::Max`] also returns
    /// the argmax (`[n_rows, width]`, the stored-entry id per element, `Idx::MAX` for empty rows).
    #[allow(clippy::too_many_arguments, clippy::type_complexity)]
    fn spmm<T: Element>(
        &self,
        a: &Self::Csr,
        vals: EdgeVals<'_, Self::Buf<T>>,
        x: &Self::Buf<T>,
        lx: &Layout,
        agg: Aggregation,
    ) -> Result<(Self::Buf<T>, Option<Self::IdxBuf>)>;
    /// Gradients of a max-SpMM through its argmax: `(grad_x [n_cols, width], grad_vals
    /// [nnz, heads])`, each computed only when asked for (`need_x`, `need_vals`).
    #[allow(clippy::too_many_arguments, clippy::type_complexity)]
    fn spmm_max_backward<T: Element>(
        &self,
        a: &Self::Csr,
        vals: EdgeVals<'_, Self::Buf<T>>,
        x: &Self::Buf<T>,
        lx: &Layout,
        argmax: &Self::IdxBuf,
        g: &Self::Buf<T>,
        lg: &Layout,
        need_x: bool,
        need_vals: bool,
    ) -> Result<(Option<Self::Buf<T>>, Option<Self::Buf<T>>)>;
    /// SDDMM: `out[e, h] = dot(x[i, head h columns], y[j, head h columns])` for every stored
    /// `e = (i, j)`; `x` is `[n_rows, F]`, `y` is `[n_cols, F]`, `F % heads == 0`; the output is
    /// `[nnz, heads]`.
    #[allow(clippy::too_many_arguments)]
    fn sddmm_dot<T: Element>(
        &self,
        a: &Self::Csr,
        x: &Self::Buf<T>,
        lx: &Layout,
        y: &Self::Buf<T>,
        ly: &Layout,
        heads: usize,
    ) -> Result<Self::Buf<T>>;
    /// Additive SDDMM (GAT logits): `out[e, h] = s[i, h] + t[j, h]`; `s` `[n_rows, heads]`,
    /// `t` `[n_cols, heads]`; the output is `[nnz, heads]`.
    #[allow(clippy::too_many_arguments)]
    fn sddmm_add<T: Element>(
        &self,
        a: &Self::Csr,
        s: &Self::Buf<T>,
        ls: &Layout,
        t: &Self::Buf<T>,
        lt: &Layout,
        heads: usize,
    ) -> Result<Self::Buf<T>>;
    /// Softmax over each row's stored entries, per head, numerically stable: `scores` and the
    /// output are `[nnz, heads]`. A row of NaN or all `-inf` scores is an `Error::Numerical`.
    fn edge_softmax<T: Element>(
        &self,
        a: &Self::Csr,
        scores: &Self::Buf<T>,
        l: &Layout,
        heads: usize,
    ) -> Result<Self::Buf<T>>;
    /// Gradient of [`Backend::edge_softmax`] from its output `y` (`[nnz, heads]`) and the
    /// incoming gradient `dy`: `y * (dy - sum over the row of y * dy)`.
    #[allow(clippy::too_many_arguments)]
    fn edge_softmax_backward<T: Element>(
        &self,
        a: &Self::Csr,
        y: &Self::Buf<T>,
        ly: &Layout,
        dy: &Self::Buf<T>,
        ldy: &Layout,
        heads: usize,
    ) -> Result<Self::Buf<T>>;
    /// Segment reduction of the rows of `x` (`[m, width]`): segment `s` is rows
    /// `offsets[s]..offsets[s + 1]` (`n_seg + 1` validated offsets); the output is
    /// `[n_seg, width]`, with the argmax row per element for [`Aggregation::Max`].
    #[allow(clippy::type_complexity)]
    fn segment_reduce<T: Element>(
        &self,
        offsets: &Self::IdxBuf,
        n_seg: usize,
        x: &Self::Buf<T>,
        lx: &Layout,
        agg: Aggregation,
    ) -> Result<(Self::Buf<T>, Option<Self::IdxBuf>)>;
    /// Gradient of a max segment reduction: `grad_x [m, width]` with `g[s, f]` added at row
    /// `argmax[s, f]`.
    #[allow(clippy::too_many_arguments)]
    fn segment_max_backward<T: Element>(
        &self,
        offsets: &Self::IdxBuf,
        n_seg: usize,
        m: usize,
        argmax: &Self::IdxBuf,
        g: &Self::Buf<T>,
        lg: &Layout,
    ) -> Result<Self::Buf<T>>;

    // ------------------------------------------------------------ optimisers
    // Fused in-place updates of one parameter, with the per-element formula of
    // [`crate::optim_step`]. `p` is the parameter's whole buffer (contiguous, `n` elements);
    // the gradient is any view `lg` of `g` with `n` elements, read in row-major order; each
    // state buffer is contiguous with `n` elements and belongs to this parameter alone. Wrong
    // lengths are an `Error::Shape`, bad hyper-parameters an `Error::Invalid`.

    /// One SGD step ([`SgdStep`](crate::optim_step::SgdStep)) in place: updates `p` and, when
    /// the step has momentum, the momentum buffer (which must then be given; on the first step
    /// its contents are ignored and overwritten). A buffer given for a step without momentum is
    /// left untouched.
    fn sgd_update<T: Element>(
        &self,
        p: &mut Self::Buf<T>,
        g: &Self::Buf<T>,
        lg: &Layout,
        momentum: Option<&mut Self::Buf<T>>,
        h: &crate::optim_step::SgdStep,
    ) -> Result<()>;
    /// One Adam / AdamW step ([`AdamStep`](crate::optim_step::AdamStep)) in place: updates `p`
    /// and its first and second moment estimates `m` and `v` (zeros before the first step).
    #[allow(clippy::too_many_arguments)]
    fn adam_update<T: Element>(
        &self,
        p: &mut Self::Buf<T>,
        g: &Self::Buf<T>,
        lg: &Layout,
        m: &mut Self::Buf<T>,
        v: &mut Self::Buf<T>,
        h: &crate::optim_step::AdamStep,
    ) -> Result<()>;
}
