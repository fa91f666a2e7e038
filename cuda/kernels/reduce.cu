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

/// log(sum(exp(row))) of row `r`, stable; every thread of the block gets it.
template <class T>
__device__ __forceinline__ T row_logsumexp(const T* __restrict__ x, const Strided& lx, i64 r, i64 len, T* smem, T* m_out) {
    T m = block_allreduce(row_fold(x, lx, r, len, MaxOp<T>()), smem, MaxOp<T>());
    *m_out = m;
    if (m == -weft_inf<T>() || m == weft_inf<T>()) return m;
    T s = T(0);
    for (i64 j = threadIdx.x; j < len; j += blockDim.x) s += wexp(x[strided_offset(lx, r * len + j)] - m);
    s = block_allreduce(s, smem, SumOp<T>());
    return m + wlog(s);
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
            T m;
            v = row_logsumexp(x, lx, r, len, smem, &m);
        }
        if (threadIdx.x == 0) out[r] = v;
    }
}

/// Index of the first maximum of each row (0 for an empty row).
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
            if (bi == 0xffffffffu || v > best) {
                best = v;
                bi = (u32)j;
            }
        }
        // Combine (value, index): larger value wins, equal values keep the smaller index.
        for (int pass = 0; pass < 2; ++pass) {
            for (int o = 16; o > 0; o >>= 1) {
                T ov = __shfl_xor_sync(0xffffffffu, best, o);
                u32 oi = __shfl_xor_sync(0xffffffffu, bi, o);
                if (oi != 0xffffffffu && (bi == 0xffffffffu || ov > best || (ov == best && oi < bi))) {
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
        T m;
        T lse = row_logsumexp(x, lx, r, len, smem, &m);
        for (i64 j = threadIdx.x; j < len; j += blockDim.x) {
            T v = x[strided_offset(lx, r * len + j)];
            out[strided_offset(lo, r * len + j)] = LOG ? v - lse : wexp(v - lse);
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
