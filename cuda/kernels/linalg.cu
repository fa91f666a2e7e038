// linalg.cu: Cholesky factorisation and triangular solves (GEMM goes to cuBLAS).
//
// Both are simple one-block kernels meant for the small to medium matrices of GPs (n up to a
// few thousand): correct, but they use one block of the GPU (Cholesky) or one thread per
// right-hand-side column (solve). See README.md, "Performance limits".
#include "common.cuh"
#include "math.cuh"

/// In-place lower Cholesky of the contiguous n x n matrix `a` (one block, right-looking).
/// On a non-positive or non-finite pivot, writes its index to `*bad_pivot` and its value to
/// `*bad_value` and stops; `*bad_pivot` is left as set by the host (u32 max) on success.
/// The strict upper triangle is zeroed.
template <class T>
__device__ __forceinline__ void cholesky_impl(T* a, i64 n, u32* bad_pivot, T* bad_value) {
    __shared__ int failed;
    for (i64 k = 0; k < n; ++k) {
        if (threadIdx.x == 0) {
            T d = a[k * n + k];
            failed = !(d > T(0)) || !wfinite(d);
            if (failed) {
                *bad_pivot = (u32)k;
                *bad_value = d;
            } else {
                a[k * n + k] = wsqrt(d);
            }
        }
        __syncthreads();
        if (failed) return;  // uniform: every thread read `failed` after the barrier
        const T p = a[k * n + k];
        for (i64 i = k + 1 + threadIdx.x; i < n; i += blockDim.x) a[i * n + k] /= p;
        __syncthreads();
        const i64 m = n - k - 1;
        for (i64 t = threadIdx.x; t < m * m; t += blockDim.x) {
            i64 i = k + 1 + t / m, j = k + 1 + t % m;
            if (j <= i) a[i * n + j] -= a[i * n + k] * a[j * n + k];
        }
        __syncthreads();
    }
    for (i64 t = threadIdx.x; t < n * n; t += blockDim.x) {
        if (t % n > t / n) a[t] = T(0);
    }
}

/// Solves op(A) X = B in place of `x` (= B on entry, contiguous n x k); `a` contiguous n x n,
/// lower or upper triangular (only that triangle is read), op(A) = A^T when `trans`.
/// One thread per column of X.
template <class T>
__device__ __forceinline__ void trsm_impl(const T* __restrict__ a, i64 n, T* x, i64 k, int lower, int trans) {
    const bool forward = (lower != 0) != (trans != 0);  // op(A) is lower triangular
    GRID_STRIDE_LOOP(c, k) {
        for (i64 s = 0; s < n; ++s) {
            i64 i = forward ? s : n - 1 - s;
            T acc = x[i * k + c];
            i64 j0 = forward ? 0 : i + 1, j1 = forward ? i : n;
            for (i64 j = j0; j < j1; ++j) {
                T aij = trans ? a[j * n + i] : a[i * n + j];
                acc -= aij * x[j * k + c];
            }
            x[i * k + c] = acc / a[i * n + i];
        }
    }
}

/// Finds the first singular diagonal entry (zero or not finite) of the n x n matrix `a`, in the
/// order a solve visits them (ascending when `forward`, else descending): `*bad` ends as the
/// smallest visit rank of a singular entry (left at u32 max by the host when there is none).
template <class T>
__device__ __forceinline__ void diag_check_impl(const T* __restrict__ a, i64 n, u32* bad, int forward) {
    GRID_STRIDE_LOOP(i, n) {
        T d = a[i * n + i];
        if (d == T(0) || !wfinite(d)) atomicMin(bad, (u32)(forward ? i : n - 1 - i));
    }
}

#define LINALG_INST(S, T)                                                                               \
    extern "C" __global__ void cholesky_##S(T* a, i64 n, u32* bad_pivot, T* bad_value) {                \
        cholesky_impl<T>(a, n, bad_pivot, bad_value);                                                   \
    }                                                                                                   \
    WEFT_REGISTER(cholesky_##S)                                                                         \
    extern "C" __global__ void trsm_##S(const T* a, i64 n, T* x, i64 k, int lower, int trans) {          \
        trsm_impl<T>(a, n, x, k, lower, trans);                                                         \
    }                                                                                                   \
    WEFT_REGISTER(trsm_##S)                                                                             \
    extern "C" __global__ void diag_check_##S(const T* a, i64 n, u32* bad, int forward) {               \
        diag_check_impl<T>(a, n, bad, forward);                                                         \
    }                                                                                                   \
    WEFT_REGISTER(diag_check_##S)
LINALG_INST(f32, float)
LINALG_INST(f64, double)
