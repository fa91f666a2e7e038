// common.cuh: what every weft kernel file shares.
//
// - portability between nvcc and the emulated device (cuda/emu/cuda_emu.h): WEFT_REGISTER,
//   WEFT_DYN_SMEM;
// - `Strided`, the by-value description of a strided view (mirrors weft_cuda::strided::StridedArg);
// - grid-stride loops and block/warp reductions.
#pragma once

#ifdef __CUDACC__
// Under nvcc a kernel is found by its extern "C" name in the PTX module: nothing to register.
#define WEFT_REGISTER(NAME)
#define WEFT_DYN_SMEM(T, name)                                      \
    extern __shared__ __align__(16) unsigned char weft_smem_raw[]; \
    T* name = reinterpret_cast<T*>(weft_smem_raw)
#else
#include "../emu/cuda_emu.h"
// Under the emulator each kernel registers a trampoline that unpacks its parameters.
#define WEFT_REGISTER(NAME) \
    static ::weft_emu::Registrar weft_emu_reg_##NAME(#NAME, [](void** a) { ::weft_emu::invoke(&NAME, a); });
#define WEFT_DYN_SMEM(T, name) T* name = reinterpret_cast<T*>(::weft_emu::dynamic_smem())
#endif

typedef long long i64;
typedef unsigned int u32;

/// Most dimensions of a strided view a kernel accepts (the host coalesces dimensions first).
#define WEFT_MAX_DIMS 8

/// A strided view passed by value: element `i` (row-major over `shape`) lives at
/// `offset + sum_d idx_d * strides[d]`. Mirrors `StridedArg` in src/strided.rs.
struct Strided {
    i64 shape[WEFT_MAX_DIMS];
    i64 strides[WEFT_MAX_DIMS];
    i64 offset;
    int rank;
    int pad_;
};

/// Buffer offset of the `i`-th element (row-major) of the view `l`.
__device__ __forceinline__ i64 strided_offset(const Strided& l, i64 i) {
    if (l.rank == 1) return l.offset + i * l.strides[0];  // contiguous views after coalescing
    i64 off = l.offset;
    for (int d = l.rank - 1; d >= 0; --d) {
        i64 s = l.shape[d];
        off += (i % s) * l.strides[d];
        i /= s;
    }
    return off;
}

/// Positive infinity of `T`.
template <class T>
__device__ __forceinline__ T weft_inf();
template <>
__device__ __forceinline__ float weft_inf<float>() {
    return __int_as_float(0x7f800000);
}
template <>
__device__ __forceinline__ double weft_inf<double>() {
    return __longlong_as_double(0x7ff0000000000000ll);
}

/// Grid-stride loop over `0..n`.
#define GRID_STRIDE_LOOP(i, n)                                                 \
    for (i64 i = (i64)blockIdx.x * blockDim.x + threadIdx.x; i < (i64)(n); \
         i += (i64)gridDim.x * blockDim.x)

/// Reduction operators: `op(a, b)` and the identity. Max and min propagate NaN (in any
/// combination order), as the CPU backend.
template <class T>
struct SumOp {
    __device__ __forceinline__ T operator()(T a, T b) const { return a + b; }
    __device__ __forceinline__ static T identity() { return T(0); }
};
template <class T>
struct MaxOp {
    __device__ __forceinline__ T operator()(T a, T b) const { return (b > a || b != b) ? b : a; }
    __device__ __forceinline__ static T identity() { return -weft_inf<T>(); }
};
template <class T>
struct MinOp {
    __device__ __forceinline__ T operator()(T a, T b) const { return (b < a || b != b) ? b : a; }
    __device__ __forceinline__ static T identity() { return weft_inf<T>(); }
};

/// All lanes of the warp get `op` over the warp's values (butterfly of xor shuffles).
template <class T, class Op>
__device__ __forceinline__ T warp_allreduce(T v, Op op) {
    for (int o = 16; o > 0; o >>= 1) v = op(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

/// All threads of the block get `op` over the block's values. `blockDim.x` is a multiple of
/// 32 (at most 1024); `smem` holds at least 32 `T`. Every thread of the block must call it.
template <class T, class Op>
__device__ __forceinline__ T block_allreduce(T v, T* smem, Op op) {
    v = warp_allreduce(v, op);
    const unsigned lane = threadIdx.x & 31u, warp = threadIdx.x >> 5, nwarps = blockDim.x >> 5;
    __syncthreads();  // an earlier call's readers are done with smem
    if (lane == 0) smem[warp] = v;
    __syncthreads();  // every warp's partial is in smem
    T r = lane < nwarps ? smem[lane] : Op::identity();
    return warp_allreduce(r, op);
}
