// planted.cu: deliberately broken copies of weft kernels, compiled only into the emulated
// device (build.rs, feature `emulated`) and launched only by tests/faults.rs, which checks that
// the parity comparison catches each fault. Each differs from its original in one place,
// marked FAULT.
#include "../../kernels/common.cuh"

/// affine_f32 with an off-by-one loop bound: writes one element past the output.
extern "C" __global__ void fault_affine_off_by_one_f32(const float* x, Strided lx, float* out, i64 n, float mul,
                                                       float add) {
    for (i64 i = (i64)blockIdx.x * blockDim.x + threadIdx.x; i <= n;  // FAULT: `<=` instead of `<`
         i += (i64)gridDim.x * blockDim.x) {
        out[i] = x[strided_offset(lx, i < n ? i : n - 1)] * mul + add;
    }
}
WEFT_REGISTER(fault_affine_off_by_one_f32)

/// block_allreduce without the barrier between writing the warp partials and reading them.
template <class T, class Op>
__device__ __forceinline__ T block_allreduce_missing_sync(T v, T* smem, Op op) {
    v = warp_allreduce(v, op);
    const unsigned lane = threadIdx.x & 31u, warp = threadIdx.x >> 5, nwarps = blockDim.x >> 5;
    __syncthreads();
    if (lane == 0) smem[warp] = v;
    // FAULT: missing __syncthreads() here
    T r = lane < nwarps ? smem[lane] : Op::identity();
    return warp_allreduce(r, op);
}

/// reduce_sum_f32 built on the faulty block reduction.
extern "C" __global__ void fault_reduce_sum_missing_sync_f32(const float* x, Strided lx, float* out, i64 rows,
                                                             i64 len) {
    WEFT_DYN_SMEM(float, smem);
    for (i64 r = blockIdx.x; r < rows; r += gridDim.x) {
        float acc = 0.0f;
        for (i64 j = threadIdx.x; j < len; j += blockDim.x) acc += x[strided_offset(lx, r * len + j)];
        float v = block_allreduce_missing_sync(acc, smem, SumOp<float>());
        if (threadIdx.x == 0) out[r] = v;
    }
}
WEFT_REGISTER(fault_reduce_sum_missing_sync_f32)

/// A barrier inside divergent code: only the first half of the block reaches it.
extern "C" __global__ void fault_divergent_barrier(float* out) {
    if (threadIdx.x < blockDim.x / 2) {
        __syncthreads();  // FAULT: not reached by every thread of the block
    }
    out[threadIdx.x] = 1.0f;
}
WEFT_REGISTER(fault_divergent_barrier)

/// A full-mask shuffle in a block of 48 threads: the second warp has only 16 lanes.
extern "C" __global__ void fault_shuffle_partial_warp(float* out) {
    float v = (float)threadIdx.x;
    v += __shfl_down_sync(0xffffffffu, v, 1);  // FAULT: lanes 16..31 of warp 1 do not exist
    out[threadIdx.x] = v;
}
WEFT_REGISTER(fault_shuffle_partial_warp)
