// reduce.cu: reductions along one axis, argmax, softmax and log-softmax.
//
// The host permutes the reduced axis to the end, so the input is a strided view of `rows` rows
// of `len` elements (row r, element j is view element r * len + j). One block per row (grid-
// stride over rows): each thread folds a strided slice of the row, then warp shuffles and one
// round through shared memory combine the block. blockDim.x is a multiple of 32; the launch
// gives at least 32 * (sizeof(T) + 4) bytes of dynamic shared memory.
#include "common.cuh"
#include "math.cuh"

/// Folds row `r` with `op`, starting from `Op::identity()`.
template <class T, class Op>
__device__ __forceinline__ T row_fold(const T* __restrict__ x, const Strided& lx, i64 r, i64 len, Op op) {
    T acc = Op::identity();
    for (i64 j = threadIdx.x; j < len; j += blockDim.x) acc = op(acc, x[strided_offset(lx, r * len + j)]);
    return acc;
}

/// Max of row `r` and the sum of exp(x - max) over the row (max replaced by 0 when it is not
/// finite, as the CPU backend); every thread of the block gets both.
template <class T>
__device__ __forceinline__ void row_max_sumexp(const T* __restrict__ x, const Strided& lx, i64 r, i64 len, T* smem,
                                               T* max_out, T* shift_out, T* sum_out) {
    T m = block_allreduce(row_fold(x, lx, r, len, MaxOp<T>()), smem, MaxOp<T>());
    T shift = wfinite(m) ? m : T(0);
    T s = T(0);
    for (i64 j = threadIdx.x; j < len; j += blockDim.x) s += wexp(x[strided_offset(lx, r * len + j)] - shift);
    *max_out = m;
    *shift_out = shift;
    *sum_out = block_allreduce(s, smem, SumOp<T>());
}

/// kind: 0 sum, 1 mean, 2 max, 3 min, 4 logsumexp.
template <class T, int KIND>
__device__ __forceinline__ void reduce_impl(const T* __restrict__ x, Strided lx, T* __restrict__ out, i64 rows, i64 len) {
    WEFT_DYN_SMEM(T, smem);
    for (i64 r = blockIdx.x; r < rows; r += gridDim.x) {
        T v;
        if (KIND == 0 || KIND == 1) {
            v = block_allreduce(row_fold(x, lx, r, len, SumOp<T>()), smem, SumOp<T>());
            if (KIND == 1) v = v / T(len);
        } else if (KIND == 2) {
            v = block_allreduce(row_fold(x, lx, r, len, MaxOp<T>()), smem, MaxOp<T>());
        } else if (KIND == 3) {
            v = block_allreduce(row_fold(x, lx, r, len, MinOp<T>()), smem, MinOp<T>());
        } else {
            T m, shift, sum;
            row_max_sumexp(x, lx, r, len, smem, &m, &shift, &sum);
            v = wfinite(m) ? m + wlog(sum) : m;  // all -inf, some +inf, or NaN: the max
        }
        if (threadIdx.x == 0) out[r] = v;
    }
}

/// Does candidate (v, i) beat (best, bi)? NaN counts as maximal; ties keep the smaller index;
/// index 0xffffffff marks "no candidate".
template <class T>
__device__ __forceinline__ bool argmax_better(T v, u32 i, T best, u32 bi) {
    if (i == 0xffffffffu) return false;
    if (bi == 0xffffffffu) return true;
    const bool vn = v != v, bn = best != best;
    if (vn != bn) return vn;
    if (vn || v == best) return i < bi;
    return v > best;
}

/// Index of the first maximum of each row, NaN counting as maximal (0 for an empty row).
template <class T>
__device__ __forceinline__ void argmax_impl(const T* __restrict__ x, Strided lx, u32* __restrict__ out, i64 rows, i64 len) {
    WEFT_DYN_SMEM(T, sval);
    u32* sidx = reinterpret_cast<u32*>(sval + 32);
    const unsigned lane = threadIdx.x & 31u, warp = threadIdx.x >> 5, nwarps = blockDim.x >> 5;
    for (i64 r = blockIdx.x; r < rows; r += gridDim.x) {
        T best = -weft_inf<T>();
        u32 bi = 0xffffffffu;
        for (i64 j = threadIdx.x; j < len; j += blockDim.x) {
            T v = x[strided_offset(lx, r * len + j)];
            if (argmax_better(v, (u32)j, best, bi)) {
                best = v;
                bi = (u32)j;
            }
        }
        // Combine (value, index): larger value wins, equal values keep the smaller index.
        for (int pass = 0; pass < 2; ++pass) {
            for (int o = 16; o > 0; o >>= 1) {
                T ov = __shfl_xor_sync(0xffffffffu, best, o);
                u32 oi = __shfl_xor_sync(0xffffffffu, bi, o);
                if (argmax_better(ov, oi, best, bi)) {
                    best = ov;
                    bi = oi;
                }
            }
            if (pass == 1) break;
            __syncthreads();
            if (lane == 0) {
                sval[warp] = best;
                sidx[warp] = bi;
            }
            __syncthreads();
            best = lane < nwarps ? sval[lane] : -weft_inf<T>();
            bi = lane < nwarps ? sidx[lane] : 0xffffffffu;
        }
        if (threadIdx.x == 0) out[r] = bi == 0xffffffffu ? 0u : bi;
    }
}

/// Softmax (or log-softmax when LOG) of each row; element (r, j) goes to
/// out[strided_offset(lo, r * len + j)] (the contiguous output seen with the axis moved last).
template <class T, bool LOG>
__device__ __forceinline__ void softmax_impl(const T* __restrict__ x, Strided lx, T* __restrict__ out, Strided lo,
                                             i64 rows, i64 len) {
    WEFT_DYN_SMEM(T, smem);
    for (i64 r = blockIdx.x; r < rows; r += gridDim.x) {
        T m, shift, sum;
        row_max_sumexp(x, lx, r, len, smem, &m, &shift, &sum);
        const T lse = wlog(sum), inv = T(1) / sum;
        for (i64 j = threadIdx.x; j < len; j += blockDim.x) {
            T v = x[strided_offset(lx, r * len + j)];
            out[strided_offset(lo, r * len + j)] = LOG ? v - shift - lse : wexp(v - shift) * inv;
        }
    }
}

#define REDUCE_INST(NAME, KIND, S, T)                                                                \
    extern "C" __global__ void reduce_##NAME##_##S(const T* x, Strided lx, T* out, i64 rows, i64 len) { \
        reduce_impl<T, KIND>(x, lx, out, rows, len);                                                  \
    }                                                                                                 \
    WEFT_REGISTER(reduce_##NAME##_##S)
#define REDUCE_ALL(S, T)                                                                         \
    REDUCE_INST(sum, 0, S, T) REDUCE_INST(mean, 1, S, T) REDUCE_INST(max, 2, S, T)               \
    REDUCE_INST(min, 3, S, T) REDUCE_INST(logsumexp, 4, S, T)                                    \
    extern "C" __global__ void argmax_##S(const T* x, Strided lx, u32* out, i64 rows, i64 len) { \
        argmax_impl<T>(x, lx, out, rows, len);                                                   \
    }                                                                                            \
    WEFT_REGISTER(argmax_##S)                                                                    \
    extern "C" __global__ void softmax_##S(const T* x, Strided lx, T* out, Strided lo, i64 rows, i64 len) { \
        softmax_impl<T, false>(x, lx, out, lo, rows, len);                                           \
    }                                                                                            \
    WEFT_REGISTER(softmax_##S)                                                                   \
    extern "C" __global__ void log_softmax_##S(const T* x, Strided lx, T* out, Strided lo, i64 rows, i64 len) { \
        softmax_impl<T, true>(x, lx, out, lo, rows, len);                                            \
    }                                                                                            \
    WEFT_REGISTER(log_softmax_##S)
REDUCE_ALL(f32, float)
REDUCE_ALL(f64, double)
