// sparse.cu: graph primitives on a CSR matrix (row_ptr, col_idx as u32): SpMM with a warp per
// row, SDDMM (per-head dot products, and the additive form) with a warp per row, edge softmax
// and segment reductions, and the backward passes of the max aggregations (scatters through
// the argmax). The host validates the CSR structure (weft_ops::sparse::CsrPattern) and segment
// offsets before upload, so every column id and range is in bounds.
#include "common.cuh"
#include "math.cuh"

/// out[i, f] = sum over the entries e of row i of v(e, f) * x[col[e], f]; v(e, f) is 1 without
/// values, else vals[e * heads + f / (width / heads)]. MEAN divides by the row's entry count
/// (empty rows give 0). One warp per row, lanes across the columns f.
template <class T, bool MEAN>
__device__ __forceinline__ void spmm_impl(const u32* __restrict__ row_ptr, const u32* __restrict__ col,
                                          const T* __restrict__ vals, i64 heads, const T* __restrict__ x, i64 width,
                                          T* __restrict__ out, i64 n_rows) {
    const unsigned lane = threadIdx.x & 31u;
    const i64 warps_per_block = blockDim.x >> 5;
    const i64 per_head = width / heads;
    for (i64 i = (i64)blockIdx.x * warps_per_block + (threadIdx.x >> 5); i < n_rows;
         i += (i64)gridDim.x * warps_per_block) {
        const i64 e0 = row_ptr[i], e1 = row_ptr[i + 1];
        for (i64 f = lane; f < width; f += 32) {
            T acc = T(0);
            const i64 h = f / per_head;
            for (i64 e = e0; e < e1; ++e) {
                const T v = vals ? vals[e * heads + h] : T(1);
                acc += v * x[(i64)col[e] * width + f];
            }
            if (MEAN && e1 > e0) acc = acc / T(e1 - e0);
            out[i * width + f] = acc;
        }
    }
}

/// out[e, h] = dot(a[i, h*f..(h+1)*f], b[col[e], h*f..(h+1)*f]) with f = width / heads, for
/// every entry e = (i, col[e]). One warp per row; lanes split the dot product.
template <class T>
__device__ __forceinline__ void sddmm_dot_impl(const u32* __restrict__ row_ptr, const u32* __restrict__ col,
                                               const T* __restrict__ a, const T* __restrict__ b, i64 width, i64 heads,
                                               T* __restrict__ out, i64 n_rows) {
    const unsigned lane = threadIdx.x & 31u;
    const i64 warps_per_block = blockDim.x >> 5;
    const i64 per_head = width / heads;
    for (i64 i = (i64)blockIdx.x * warps_per_block + (threadIdx.x >> 5); i < n_rows;
         i += (i64)gridDim.x * warps_per_block) {
        for (i64 e = row_ptr[i]; e < (i64)row_ptr[i + 1]; ++e) {
            const i64 j = col[e];
            for (i64 h = 0; h < heads; ++h) {
                T acc = T(0);
                for (i64 f = h * per_head + lane; f < (h + 1) * per_head; f += 32) acc += a[i * width + f] * b[j * width + f];
                acc = warp_allreduce(acc, SumOp<T>());
                if (lane == 0) out[e * heads + h] = acc;
            }
        }
    }
}

/// Softmax over the entries of each row, per head: x and out are [nnz, heads]. One thread per
/// (row, head). A row whose scores contain NaN or are all -inf sets *bad to the smallest
/// row * heads + head concerned (the host leaves it at u32 max otherwise).
template <class T>
__device__ __forceinline__ void edge_softmax_impl(const u32* __restrict__ row_ptr, const T* __restrict__ x, i64 heads,
                                                  T* __restrict__ out, i64 n_rows, u32* bad) {
    GRID_STRIDE_LOOP(t, n_rows * heads) {
        const i64 i = t / heads, h = t % heads;
        const i64 e0 = row_ptr[i], e1 = row_ptr[i + 1];
        if (e0 == e1) continue;
        T m = -weft_inf<T>();
        bool nan = false;
        for (i64 e = e0; e < e1; ++e) {
            const T v = x[e * heads + h];
            nan = nan || v != v;
            m = v > m ? v : m;
        }
        T s = T(0);
        for (i64 e = e0; e < e1; ++e) {
            const T y = wexp(x[e * heads + h] - m);
            out[e * heads + h] = y;
            s += y;
        }
        if (nan || !(wfinite(s) && s > T(0))) {
            atomicMin(bad, (u32)t);
            continue;
        }
        const T inv = T(1) / s;
        for (i64 e = e0; e < e1; ++e) out[e * heads + h] *= inv;
    }
}

/// out[s, f] = sum (MEAN: mean) of x[r, f] over the rows r in offsets[s]..offsets[s+1]; empty
/// segments give 0. One thread per (segment, column).
template <class T, bool MEAN>
__device__ __forceinline__ void segment_impl(const u32* __restrict__ offsets, const T* __restrict__ x, i64 width,
                                             T* __restrict__ out, i64 n_seg) {
    GRID_STRIDE_LOOP(t, n_seg * width) {
        const i64 s = t / width, f = t % width;
        const i64 r0 = offsets[s], r1 = offsets[s + 1];
        T acc = T(0);
        for (i64 r = r0; r < r1; ++r) acc += x[r * width + f];
        if (MEAN && r1 > r0) acc = acc / T(r1 - r0);
        out[t] = acc;
    }
}

/// out[i, f] = max over the entries e of row i of v(e, f) * x[col[e], f] and argmax[i, f] = the
/// entry e attaining it (first on ties); empty rows give 0 and 0xffffffff (NO_EDGE). One warp
/// per row, lanes across the columns.
template <class T>
__device__ __forceinline__ void spmm_max_impl(const u32* __restrict__ row_ptr, const u32* __restrict__ col,
                                              const T* __restrict__ vals, i64 heads, const T* __restrict__ x, i64 width,
                                              T* __restrict__ out, u32* __restrict__ argmax, i64 n_rows) {
    const unsigned lane = threadIdx.x & 31u;
    const i64 warps_per_block = blockDim.x >> 5;
    const i64 per_head = width / heads;
    for (i64 i = (i64)blockIdx.x * warps_per_block + (threadIdx.x >> 5); i < n_rows;
         i += (i64)gridDim.x * warps_per_block) {
        const i64 e0 = row_ptr[i], e1 = row_ptr[i + 1];
        for (i64 f = lane; f < width; f += 32) {
            const i64 h = f / per_head;
            T best = T(0);
            u32 arg = 0xffffffffu;
            for (i64 e = e0; e < e1; ++e) {
                const T v = (vals ? vals[e * heads + h] : T(1)) * x[(i64)col[e] * width + f];
                if (e == e0 || v > best) {
                    best = v;
                    arg = (u32)e;
                }
            }
            out[i * width + f] = best;
            argmax[i * width + f] = arg;
        }
    }
}

/// out[s, f] = max of x[r, f] over the rows r of segment s and argmax[s, f] = that row (first
/// on ties); empty segments give 0 and 0xffffffff. One thread per (segment, column).
template <class T>
__device__ __forceinline__ void segment_max_impl(const u32* __restrict__ offsets, const T* __restrict__ x, i64 width,
                                                 T* __restrict__ out, u32* __restrict__ argmax, i64 n_seg) {
    GRID_STRIDE_LOOP(t, n_seg * width) {
        const i64 s = t / width, f = t % width;
        const i64 r0 = offsets[s], r1 = offsets[s + 1];
        T best = T(0);
        u32 arg = 0xffffffffu;
        for (i64 r = r0; r < r1; ++r) {
            const T v = x[r * width + f];
            if (r == r0 || v > best) {
                best = v;
                arg = (u32)r;
            }
        }
        out[t] = best;
        argmax[t] = arg;
    }
}

/// dx[e, h] = y[e, h] * (dy[e, h] - sum over the row's entries e' of y[e', h] * dy[e', h]).
/// One thread per (row, head).
template <class T>
__device__ __forceinline__ void edge_softmax_backward_impl(const u32* __restrict__ row_ptr, const T* __restrict__ y,
                                                           const T* __restrict__ dy, i64 heads, T* __restrict__ dx,
                                                           i64 n_rows) {
    GRID_STRIDE_LOOP(t, n_rows * heads) {
        const i64 i = t / heads, h = t % heads;
        const i64 e0 = row_ptr[i], e1 = row_ptr[i + 1];
        T s = T(0);
        for (i64 e = e0; e < e1; ++e) s += y[e * heads + h] * dy[e * heads + h];
        for (i64 e = e0; e < e1; ++e) dx[e * heads + h] = y[e * heads + h] * (dy[e * heads + h] - s);
    }
}

/// out[e, h] = s[i, h] + t[col[e], h] for every entry e of row i (GAT's attention logits): s is
/// [n_rows, heads], t [n_cols, heads], out [nnz, heads]. One warp per row, lanes across the row's
/// (entry, head) pairs, so the writes to out are contiguous.
template <class T>
__device__ __forceinline__ void sddmm_add_impl(const u32* __restrict__ row_ptr, const u32* __restrict__ col,
                                               const T* __restrict__ s, const T* __restrict__ t, i64 heads,
                                               T* __restrict__ out, i64 n_rows) {
    const unsigned lane = threadIdx.x & 31u;
    const i64 warps_per_block = blockDim.x >> 5;
    for (i64 i = (i64)blockIdx.x * warps_per_block + (threadIdx.x >> 5); i < n_rows;
         i += (i64)gridDim.x * warps_per_block) {
        const i64 e0 = row_ptr[i], n = ((i64)row_ptr[i + 1] - e0) * heads;
        for (i64 k = lane; k < n; k += 32) {
            const i64 e = e0 + k / heads, h = k % heads;
            out[e0 * heads + k] = s[i * heads + h] + t[(i64)col[e] * heads + h];
        }
    }
}

/// Backward of spmm_max through its argmax: for every output element (i, f) whose argmax entry
/// e is not 0xffffffff (NO_EDGE: an empty row), with column j = col[e] and head
/// h = f / (width / heads): grad_x[j, f] += g[i, f] * v(e, h) and grad_vals[e, h] += g[i, f] *
/// x[j, f], atomically (several rows share a column, several columns a head). Either gradient
/// may be null (not asked for); vals null means all ones. An argmax that is not an entry of row
/// i sets *bad to the smallest such position i * width + f and the element is skipped. One
/// thread per output element.
template <class T>
__device__ __forceinline__ void spmm_max_backward_impl(const u32* __restrict__ row_ptr, const u32* __restrict__ col,
                                                       const T* __restrict__ vals, i64 heads, const T* __restrict__ x,
                                                       i64 width, const u32* __restrict__ argmax,
                                                       const T* __restrict__ g, T* grad_x, T* grad_vals, i64 n_rows,
                                                       u32* bad) {
    const i64 per_head = width / heads;
    GRID_STRIDE_LOOP(t, n_rows * width) {
        const u32 a = argmax[t];
        if (a == 0xffffffffu) continue;
        const i64 i = t / width, f = t % width, e = a;
        if (e < (i64)row_ptr[i] || e >= (i64)row_ptr[i + 1]) {
            atomicMin(bad, (u32)t);
            continue;
        }
        const i64 j = col[e], h = f / per_head;
        const T gt = g[t];
        if (grad_x) atomicAdd(&grad_x[j * width + f], gt * (vals ? vals[e * heads + h] : T(1)));
        if (grad_vals) atomicAdd(&grad_vals[e * heads + h], gt * x[j * width + f]);
    }
}

/// Backward of segment_max through its argmax: grad_x[argmax[s, f], f] = g[s, f] for every
/// element (s, f) of a non-empty segment (argmax 0xffffffff marks an empty one); grad_x is
/// zeroed by the host. Segments are disjoint, so every element writes its own place: no
/// atomics. An argmax outside segment s sets *bad to the smallest such position s * width + f
/// and the element is skipped. One thread per (segment, column).
template <class T>
__device__ __forceinline__ void segment_max_backward_impl(const u32* __restrict__ offsets,
                                                          const u32* __restrict__ argmax, const T* __restrict__ g,
                                                          i64 width, T* __restrict__ grad_x, i64 n_seg, u32* bad) {
    GRID_STRIDE_LOOP(t, n_seg * width) {
        const u32 r = argmax[t];
        if (r == 0xffffffffu) continue;
        const i64 s = t / width, f = t % width;
        if (r < offsets[s] || r >= offsets[s + 1]) {
            atomicMin(bad, (u32)t);
            continue;
        }
        grad_x[(i64)r * width + f] = g[t];
    }
}

#define SPARSE_INST(S, T)                                                                                        \
    extern "C" __global__ void spmm_sum_##S(const u32* row_ptr, const u32* col, const T* vals, i64 heads,          \
                                            const T* x, i64 width, T* out, i64 n_rows) {                         \
        spmm_impl<T, false>(row_ptr, col, vals, heads, x, width, out, n_rows);                                   \
    }                                                                                                            \
    WEFT_REGISTER(spmm_sum_##S)                                                                                  \
    extern "C" __global__ void spmm_mean_##S(const u32* row_ptr, const u32* col, const T* vals, i64 heads,         \
                                             const T* x, i64 width, T* out, i64 n_rows) {                        \
        spmm_impl<T, true>(row_ptr, col, vals, heads, x, width, out, n_rows);                                    \
    }                                                                                                            \
    WEFT_REGISTER(spmm_mean_##S)                                                                                 \
    extern "C" __global__ void sddmm_dot_##S(const u32* row_ptr, const u32* col, const T* a, const T* b,          \
                                             i64 width, i64 heads, T* out, i64 n_rows) {                         \
        sddmm_dot_impl<T>(row_ptr, col, a, b, width, heads, out, n_rows);                                        \
    }                                                                                                            \
    WEFT_REGISTER(sddmm_dot_##S)                                                                                 \
    extern "C" __global__ void edge_softmax_##S(const u32* row_ptr, const T* x, i64 heads, T* out, i64 n_rows,    \
                                                u32* bad) {                                                      \
        edge_softmax_impl<T>(row_ptr, x, heads, out, n_rows, bad);                                               \
    }                                                                                                            \
    WEFT_REGISTER(edge_softmax_##S)                                                                              \
    extern "C" __global__ void segment_sum_##S(const u32* offsets, const T* x, i64 width, T* out, i64 n_seg) {    \
        segment_impl<T, false>(offsets, x, width, out, n_seg);                                                   \
    }                                                                                                            \
    WEFT_REGISTER(segment_sum_##S)                                                                               \
    extern "C" __global__ void segment_mean_##S(const u32* offsets, const T* x, i64 width, T* out, i64 n_seg) {   \
        segment_impl<T, true>(offsets, x, width, out, n_seg);                                                    \
    }                                                                                                            \
    WEFT_REGISTER(segment_mean_##S)                                                                              \
    extern "C" __global__ void spmm_max_##S(const u32* row_ptr, const u32* col, const T* vals, i64 heads,          \
                                            const T* x, i64 width, T* out, u32* argmax, i64 n_rows) {            \
        spmm_max_impl<T>(row_ptr, col, vals, heads, x, width, out, argmax, n_rows);                              \
    }                                                                                                            \
    WEFT_REGISTER(spmm_max_##S)                                                                                  \
    extern "C" __global__ void segment_max_##S(const u32* offsets, const T* x, i64 width, T* out, u32* argmax,    \
                                               i64 n_seg) {                                                      \
        segment_max_impl<T>(offsets, x, width, out, argmax, n_seg);                                              \
    }                                                                                                            \
    WEFT_REGISTER(segment_max_##S)                                                                               \
    extern "C" __global__ void edge_softmax_backward_##S(const u32* row_ptr, const T* y, const T* dy, i64 heads,  \
                                                         T* dx, i64 n_rows) {                                    \
        edge_softmax_backward_impl<T>(row_ptr, y, dy, heads, dx, n_rows);                                        \
    }                                                                                                            \
    WEFT_REGISTER(edge_softmax_backward_##S)                                                                     \
    extern "C" __global__ void sddmm_add_##S(const u32* row_ptr, const u32* col, const T* s, const T* t, i64 heads, \
                                             T* out, i64 n_rows) {                                               \
        sddmm_add_impl<T>(row_ptr, col, s, t, heads, out, n_rows);                                               \
    }                                                                                                            \
    WEFT_REGISTER(sddmm_add_##S)                                                                                 \
    extern "C" __global__ void spmm_max_backward_##S(const u32* row_ptr, const u32* col, const T* vals, i64 heads, \
                                                     const T* x, i64 width, const u32* argmax, const T* g,       \
                                                     T* grad_x, T* grad_vals, i64 n_rows, u32* bad) {            \
        spmm_max_backward_impl<T>(row_ptr, col, vals, heads, x, width, argmax, g, grad_x, grad_vals, n_rows, bad); \
    }                                                                                                            \
    WEFT_REGISTER(spmm_max_backward_##S)                                                                         \
    extern "C" __global__ void segment_max_backward_##S(const u32* offsets, const u32* argmax, const T* g,       \
                                                        i64 width, T* grad_x, i64 n_seg, u32* bad) {             \
        segment_max_backward_impl<T>(offsets, argmax, g, width, grad_x, n_seg, bad);                             \
    }                                                                                                            \
    WEFT_REGISTER(segment_max_backward_##S)
SPARSE_INST(f32, float)
SPARSE_INST(f64, double)
