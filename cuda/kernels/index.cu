// index.cu: index_select (gather slices of an axis), index_add (scatter-add with atomics) and
// the per-part copy of concat.
//
// Shapes are split around the indexed axis into (outer, len, inner): view element t of a
// tensor of shape [outer, len, inner] is (o, j, r) with t = (o * len + j) * inner + r.
#include "common.cuh"

/// out[o, i, r] = x[o, idx[i], r]; `out` is contiguous [outer, n_idx, inner].
template <class T>
__device__ __forceinline__ void index_select_impl(const T* __restrict__ x, const Strided& lx, const u32* __restrict__ idx,
                                                  T* __restrict__ out, i64 outer, i64 len, i64 inner, i64 n_idx) {
    GRID_STRIDE_LOOP(t, outer * n_idx * inner) {
        i64 r = t % inner, q = t / inner;
        i64 i = q % n_idx, o = q / n_idx;
        out[t] = x[strided_offset(lx, (o * len + (i64)idx[i]) * inner + r)];
    }
}

/// out[o, idx[i], r] += src[o, i, r] (atomically); `out` is contiguous [outer, dst_len, inner].
template <class T>
__device__ __forceinline__ void index_add_impl(T* out, const u32* __restrict__ idx, const T* __restrict__ src,
                                               const Strided& ls, i64 outer, i64 dst_len, i64 inner, i64 n_idx) {
    GRID_STRIDE_LOOP(t, outer * n_idx * inner) {
        i64 r = t % inner, q = t / inner;
        i64 i = q % n_idx, o = q / n_idx;
        atomicAdd(&out[(o * dst_len + (i64)idx[i]) * inner + r], src[strided_offset(ls, t)]);
    }
}

/// Copies the view x, of shape [outer, part_len, inner], into out[:, start..start+part_len, :]
/// where `out` is contiguous [outer, total_len, inner].
template <class T>
__device__ __forceinline__ void concat_part_impl(const T* __restrict__ x, const Strided& lx, T* __restrict__ out,
                                                 i64 outer, i64 part_len, i64 inner, i64 total_len, i64 start) {
    GRID_STRIDE_LOOP(t, outer * part_len * inner) {
        i64 r = t % inner, q = t / inner;
        i64 j = q % part_len, o = q / part_len;
        out[(o * total_len + start + j) * inner + r] = x[strided_offset(lx, t)];
    }
}

/// `*bad` ends as the smallest position p with idx[p] >= bound (left at u32 max by the host
/// when every index is in range).
extern "C" __global__ void check_indices(const u32* __restrict__ idx, i64 n, i64 bound, u32* bad) {
    GRID_STRIDE_LOOP(p, n) {
        if ((i64)idx[p] >= bound) atomicMin(bad, (u32)p);
    }
}
WEFT_REGISTER(check_indices)

#define INDEX_INST(S, T)                                                                                     \
    extern "C" __global__ void index_select_##S(const T* x, Strided lx, const u32* idx, T* out, i64 outer,     \
                                                i64 len, i64 inner, i64 n_idx) {                             \
        index_select_impl<T>(x, lx, idx, out, outer, len, inner, n_idx);                                     \
    }                                                                                                        \
    WEFT_REGISTER(index_select_##S)                                                                          \
    extern "C" __global__ void index_add_##S(T* out, const u32* idx, const T* src, Strided ls, i64 outer,      \
                                             i64 dst_len, i64 inner, i64 n_idx) {                            \
        index_add_impl<T>(out, idx, src, ls, outer, dst_len, inner, n_idx);                                  \
    }                                                                                                        \
    WEFT_REGISTER(index_add_##S)                                                                             \
    extern "C" __global__ void concat_part_##S(const T* x, Strided lx, T* out, i64 outer, i64 part_len,        \
                                               i64 inner, i64 total_len, i64 start) {                        \
        concat_part_impl<T>(x, lx, out, outer, part_len, inner, total_len, start);                           \
    }                                                                                                        \
    WEFT_REGISTER(concat_part_##S)
INDEX_INST(f32, float)
INDEX_INST(f64, double)
