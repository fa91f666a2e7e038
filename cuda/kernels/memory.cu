// memory.cu: fill and strided copy.
#include "common.cuh"

/// out[i] = value for i in 0..n.
template <class T>
__device__ __forceinline__ void fill_impl(T* out, i64 n, T value) {
    GRID_STRIDE_LOOP(i, n) { out[i] = value; }
}

/// out[i] = x[view element i]: the view `lx` of `x` copied into a contiguous buffer.
template <class T>
__device__ __forceinline__ void copy_strided_impl(const T* __restrict__ x, Strided lx, T* __restrict__ out, i64 n) {
    GRID_STRIDE_LOOP(i, n) { out[i] = x[strided_offset(lx, i)]; }
}

#define MEMORY_INST(S, T)                                                                     \
    extern "C" __global__ void fill_##S(T* out, i64 n, T value) { fill_impl<T>(out, n, value); } \
    WEFT_REGISTER(fill_##S)                                                                   \
    extern "C" __global__ void copy_strided_##S(const T* x, Strided lx, T* out, i64 n) {         \
        copy_strided_impl<T>(x, lx, out, n);                                                  \
    }                                                                                         \
    WEFT_REGISTER(copy_strided_##S)

MEMORY_INST(f32, float)
MEMORY_INST(f64, double)
