// math.cuh: the math functions kernels use, overloaded for float and double, so templated
// kernels call one name (`wexp(x)`) and get expf or exp. Same spelling under nvcc and under the
// emulated device (where the C library provides them).
#pragma once
#include "common.cuh"

#define WEFT_MATH1(NAME, FF, FD)                                           \
    __device__ __forceinline__ float NAME(float x) { return FF(x); }      \
    __device__ __forceinline__ double NAME(double x) { return FD(x); }
WEFT_MATH1(wexp, expf, exp)
WEFT_MATH1(wexpm1, expm1f, expm1)
WEFT_MATH1(wlog, logf, log)
WEFT_MATH1(wlog1p, log1pf, log1p)
WEFT_MATH1(wtanh, tanhf, tanh)
WEFT_MATH1(wsqrt, sqrtf, sqrt)
WEFT_MATH1(wabs, fabsf, fabs)
WEFT_MATH1(wsin, sinf, sin)
WEFT_MATH1(wcos, cosf, cos)
#undef WEFT_MATH1

__device__ __forceinline__ float wpow(float x, float y) { return powf(x, y); }
__device__ __forceinline__ double wpow(double x, double y) { return pow(x, y); }

/// Larger of two values, NaN-propagating (as torch.maximum and the CPU backend).
template <class T>
__device__ __forceinline__ T wmax(T a, T b) {
    return (a != a || a > b) ? a : b;
}
/// Smaller of two values, NaN-propagating (as torch.minimum and the CPU backend).
template <class T>
__device__ __forceinline__ T wmin(T a, T b) {
    return (a != a || a < b) ? a : b;
}
/// True for a finite value (not NaN, not infinite).
template <class T>
__device__ __forceinline__ bool wfinite(T x) {
    return x - x == T(0);
}
