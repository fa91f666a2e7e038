// cuda_emu.h: the CUDA execution model for kernels compiled with the host C++ compiler.
//
// weft's kernels in cuda/kernels/*.cu are written once. Under nvcc they are CUDA C++; under the
// host compiler (feature `emulated` of weft-cuda) they include this header instead, which
// provides:
//   - threadIdx / blockIdx / blockDim / gridDim;
//   - per-block dynamic shared memory (poisoned with 0xFF bytes, i.e. NaN, at every block start);
//   - __syncthreads() as a real barrier over the block's threads;
//   - warp shuffles and votes with lockstep semantics over 32 lanes;
//   - atomics and the math intrinsics the kernels use.
//
// Every CUDA thread of a block is a fiber with its own stack. The scheduler (cuda_emu.cpp) runs
// the fibers of a block one after another, each until it reaches a barrier (block or warp) or
// exits, then releases the barrier and goes round again: a deterministic interleaving in which a
// read that is not separated by a barrier from the write it needs sees stale or poisoned data.
// Blocks run one after another. Threads never run in parallel on two OS threads, so atomics
// are plain read-modify-writes.
#pragma once

#include <cfloat>
#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __noinline__
#define __launch_bounds__(...)
#define __restrict__ __restrict
#define __align__(n) alignas(n)
// Static shared arrays: one instance per OS thread, which is one block in flight (blocks of a
// launch run one after another on the launching thread). Not poisoned: prefer WEFT_DYN_SMEM.
#define __shared__ static thread_local

struct uint3 {
    unsigned x, y, z;
};
struct dim3 {
    unsigned x, y, z;
    constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};

namespace weft_emu {

struct Fiber;
struct Block;
extern thread_local Fiber* tls_fiber;
extern thread_local Block* tls_block;

const uint3& thread_idx();
const uint3& block_idx();
const dim3& block_dim();
const dim3& grid_dim();
unsigned lane_id();

/// Barrier over all threads of the block.
void syncthreads();
/// Barrier over the lanes of the calling warp named in `mask`.
void syncwarp(unsigned mask);
/// Lockstep exchange: every lane of the warp in `mask` deposits `v`, then reads the value
/// deposited by lane `src` of the same warp.
uint64_t warp_exchange(unsigned mask, uint64_t v, unsigned src);
/// Lockstep vote: bit i is lane i's predicate.
unsigned warp_ballot(unsigned mask, int pred);
/// The block's dynamic shared memory (the launch's shared-memory size).
unsigned char* dynamic_smem();
/// Aborts the launch with a message (the launch returns an error).
[[noreturn]] void fault(const char* msg);

using Trampoline = void (*)(void**);
/// Registers an `extern "C"` kernel under its name (one static instance per kernel).
struct Registrar {
    Registrar(const char* name, Trampoline t);
};

template <class... A, std::size_t... I>
void invoke_impl(void (*f)(A...), void** args, std::index_sequence<I...>) {
    f(*static_cast<std::remove_cv_t<std::remove_reference_t<A>>*>(args[I])...);
}
/// Calls kernel `f` with its parameters read from `args` (as cuLaunchKernel's kernelParams).
template <class... A>
void invoke(void (*f)(A...), void** args) {
    invoke_impl(f, args, std::index_sequence_for<A...>{});
}

template <class T>
uint64_t to_bits(T v) {
    static_assert(sizeof(T) <= 8, "shuffle of a type wider than 8 bytes");
    uint64_t b = 0;
    std::memcpy(&b, &v, sizeof(T));
    return b;
}
template <class T>
T from_bits(uint64_t b) {
    T v;
    std::memcpy(&v, &b, sizeof(T));
    return v;
}

}  // namespace weft_emu

#define threadIdx (::weft_emu::thread_idx())
#define blockIdx (::weft_emu::block_idx())
#define blockDim (::weft_emu::block_dim())
#define gridDim (::weft_emu::grid_dim())
static constexpr int warpSize = 32;

inline void __syncthreads() { ::weft_emu::syncthreads(); }
inline void __syncwarp(unsigned mask = 0xffffffffu) { ::weft_emu::syncwarp(mask); }
inline void __trap() { ::weft_emu::fault("__trap() called"); }

// ----------------------------------------------------------------- warp shuffles and votes
template <class T>
T __shfl_sync(unsigned mask, T v, int src, int width = 32) {
    unsigned lane = ::weft_emu::lane_id();
    unsigned s = (lane / width) * width + ((unsigned)src % (unsigned)width);
    return ::weft_emu::from_bits<T>(::weft_emu::warp_exchange(mask, ::weft_emu::to_bits(v), s));
}
template <class T>
T __shfl_down_sync(unsigned mask, T v, unsigned delta, int width = 32) {
    unsigned lane = ::weft_emu::lane_id();
    unsigned s = (lane % width) + delta < (unsigned)width ? lane + delta : lane;
    return ::weft_emu::from_bits<T>(::weft_emu::warp_exchange(mask, ::weft_emu::to_bits(v), s));
}
template <class T>
T __shfl_up_sync(unsigned mask, T v, unsigned delta, int width = 32) {
    unsigned lane = ::weft_emu::lane_id();
    unsigned s = (lane % width) >= delta ? lane - delta : lane;
    return ::weft_emu::from_bits<T>(::weft_emu::warp_exchange(mask, ::weft_emu::to_bits(v), s));
}
template <class T>
T __shfl_xor_sync(unsigned mask, T v, int lane_mask, int width = 32) {
    unsigned lane = ::weft_emu::lane_id();
    unsigned s = lane ^ (unsigned)lane_mask;
    if (s / width != lane / width) s = lane;
    return ::weft_emu::from_bits<T>(::weft_emu::warp_exchange(mask, ::weft_emu::to_bits(v), s));
}
inline unsigned __ballot_sync(unsigned mask, int pred) { return ::weft_emu::warp_ballot(mask, pred); }
inline int __any_sync(unsigned mask, int pred) { return ::weft_emu::warp_ballot(mask, pred) != 0; }
inline int __all_sync(unsigned mask, int pred) {
    return (::weft_emu::warp_ballot(mask, pred) & mask) == (::weft_emu::warp_ballot(mask, 1) & mask);
}

// ------------------------------------------------------------------------------- atomics
// Threads of the emulated device never run in parallel, so a read-modify-write is atomic.
template <class T>
T atomicAdd(T* p, T v) {
    T old = *p;
    *p = old + v;
    return old;
}
template <class T>
T atomicMax(T* p, T v) {
    T old = *p;
    *p = old < v ? v : old;
    return old;
}
template <class T>
T atomicMin(T* p, T v) {
    T old = *p;
    *p = v < old ? v : old;
    return old;
}
template <class T>
T atomicExch(T* p, T v) {
    T old = *p;
    *p = v;
    return old;
}
template <class T>
T atomicCAS(T* p, T cmp, T v) {
    T old = *p;
    if (old == cmp) *p = v;
    return old;
}

// -------------------------------------------------------------------- integer intrinsics
inline unsigned __umulhi(unsigned a, unsigned b) {
    return (unsigned)(((unsigned long long)a * (unsigned long long)b) >> 32);
}
inline int __popc(unsigned x) { return __builtin_popcount(x); }
inline int __ffs(unsigned x) { return __builtin_ffs((int)x); }
inline int __clz(unsigned x) { return x == 0 ? 32 : __builtin_clz(x); }
inline float __int_as_float(int x) { return ::weft_emu::from_bits<float>((uint32_t)x); }
inline int __float_as_int(float x) { return (int)(uint32_t)::weft_emu::to_bits(x); }
inline double __longlong_as_double(long long x) { return ::weft_emu::from_bits<double>((uint64_t)x); }
inline long long __double_as_longlong(double x) { return (long long)::weft_emu::to_bits(x); }
