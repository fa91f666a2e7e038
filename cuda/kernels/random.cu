// random.cu: Philox 4x32-10 uniforms, normals and dropout masks, bit-identical in their random
// words to weft_ops::rng (element i uses block offset + i / 4, word i % 4).
//
// One thread per Philox block (4 elements), grid-stride.
#include "common.cuh"
#include "math.cuh"

struct Philox4 {
    u32 v[4];
};

/// One Philox 4x32-10 block (as weft_ops::rng::philox4x32_10).
__device__ __forceinline__ Philox4 philox4x32_10(u32 c0, u32 c1, u32 c2, u32 c3, u32 k0, u32 k1) {
    for (int round = 0; round < 10; ++round) {
        if (round > 0) {
            k0 += 0x9E3779B9u;
            k1 += 0xBB67AE85u;
        }
        const u32 hi0 = __umulhi(0xD2511F53u, c0), lo0 = 0xD2511F53u * c0;
        const u32 hi1 = __umulhi(0xCD9E8D57u, c2), lo1 = 0xCD9E8D57u * c2;
        const u32 n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
        c0 = n0;
        c1 = lo1;
        c2 = n2;
        c3 = lo0;
    }
    Philox4 r;
    r.v[0] = c0;
    r.v[1] = c1;
    r.v[2] = c2;
    r.v[3] = c3;
    return r;
}

/// The words of block `b` (relative to `offset`) of stream `stream` under key (k0, k1).
__device__ __forceinline__ Philox4 philox_block(u32 k0, u32 k1, unsigned long long stream, unsigned long long offset,
                                                unsigned long long b) {
    const unsigned long long c = offset + b;
    return philox4x32_10((u32)c, (u32)(c >> 32), (u32)stream, (u32)(stream >> 32), k0, k1);
}

/// Uniform in (0, 1): 23 bits for float, 32 bits for double (as weft_ops::rng::unit_f32/f64).
__device__ __forceinline__ float unit_of(u32 x, float) { return ((float)(x >> 9) + 0.5f) * (1.0f / 8388608.0f); }
__device__ __forceinline__ double unit_of(u32 x, double) { return ((double)x + 0.5) * (1.0 / 4294967296.0); }
__device__ __forceinline__ double unit_f64(u32 x) { return ((double)x + 0.5) * (1.0 / 4294967296.0); }

template <class T>
__device__ __forceinline__ void uniform_impl(T* out, i64 n, u32 k0, u32 k1, unsigned long long stream,
                                             unsigned long long offset, T lo, T hi) {
    GRID_STRIDE_LOOP(b, (n + 3) / 4) {
        Philox4 w = philox_block(k0, k1, stream, offset, (unsigned long long)b);
        for (int q = 0; q < 4 && 4 * b + q < n; ++q) out[4 * b + q] = lo + (hi - lo) * unit_of(w.v[q], T(0));
    }
}

template <class T>
__device__ __forceinline__ void normal_impl(T* out, i64 n, u32 k0, u32 k1, unsigned long long stream,
                                            unsigned long long offset, T mean, T sd) {
    GRID_STRIDE_LOOP(b, (n + 3) / 4) {
        Philox4 w = philox_block(k0, k1, stream, offset, (unsigned long long)b);
        for (int h = 0; h < 2; ++h) {
            // Box-Muller in double, as weft_ops::rng::box_muller.
            const double r = sqrt(-2.0 * log(unit_f64(w.v[2 * h])));
            const double th = 6.283185307179586 * unit_f64(w.v[2 * h + 1]);
            const double z[2] = {r * cos(th), r * sin(th)};
            for (int q = 0; q < 2; ++q) {
                const i64 i = 4 * b + 2 * h + q;
                if (i < n) out[i] = mean + sd * T(z[q]);
            }
        }
    }
}

template <class T>
__device__ __forceinline__ void dropout_impl(T* out, i64 n, u32 k0, u32 k1, unsigned long long stream,
                                             unsigned long long offset, double keep) {
    const T scale = T(1.0 / keep);
    GRID_STRIDE_LOOP(b, (n + 3) / 4) {
        Philox4 w = philox_block(k0, k1, stream, offset, (unsigned long long)b);
        for (int q = 0; q < 4 && 4 * b + q < n; ++q) out[4 * b + q] = (double)unit_of(w.v[q], T(0)) < keep ? scale : T(0);
    }
}

#define RANDOM_INST(S, T)                                                                                \
    extern "C" __global__ void uniform_##S(T* out, i64 n, u32 k0, u32 k1, unsigned long long stream,       \
                                           unsigned long long offset, T lo, T hi) {                        \
        uniform_impl<T>(out, n, k0, k1, stream, offset, lo, hi);                                         \
    }                                                                                                    \
    WEFT_REGISTER(uniform_##S)                                                                           \
    extern "C" __global__ void normal_##S(T* out, i64 n, u32 k0, u32 k1, unsigned long long stream,        \
                                          unsigned long long offset, T mean, T sd) {                       \
        normal_impl<T>(out, n, k0, k1, stream, offset, mean, sd);                                        \
    }                                                                                                    \
    WEFT_REGISTER(normal_##S)                                                                            \
    extern "C" __global__ void dropout_##S(T* out, i64 n, u32 k0, u32 k1, unsigned long long stream,       \
                                           unsigned long long offset, double keep) {                       \
        dropout_impl<T>(out, n, k0, k1, stream, offset, keep);                                           \
    }                                                                                                    \
    WEFT_REGISTER(dropout_##S)
RANDOM_INST(f32, float)
RANDOM_INST(f64, double)
