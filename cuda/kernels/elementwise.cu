// elementwise.cu: unary maps, binary ops, comparisons, select and affine over strided views.
//
// Inputs are strided views (`Strided`, broadcast stride 0 allowed), outputs contiguous.
// Every kernel is a grid-stride loop over the output elements.
#include "common.cuh"
#include "math.cuh"

// ------------------------------------------------------------------------ unary operators
// `p` is the op's parameter (exponent, slope, alpha); ignored by the others.
#define UNARY_OP(NAME, EXPR)                                                       \
    struct Unary_##NAME {                                                          \
        template <class T>                                                         \
        __device__ __forceinline__ T operator()(T x, T p) const {                 \
            (void)p;                                                               \
            return EXPR;                                                           \
        }                                                                          \
    };
UNARY_OP(neg, -x)
UNARY_OP(exp, wexp(x))
UNARY_OP(log, wlog(x))
UNARY_OP(tanh, wtanh(x))
UNARY_OP(sigmoid, x >= T(0) ? T(1) / (T(1) + wexp(-x)) : wexp(x) / (T(1) + wexp(x)))
UNARY_OP(relu, x > T(0) ? x : T(0))
UNARY_OP(gelu, T(0.5) * x * (T(1) + wtanh(T(0.7978845608028654) * (x + T(0.044715) * x * x * x))))
UNARY_OP(sqrt, wsqrt(x))
UNARY_OP(abs, wabs(x))
UNARY_OP(square, x * x)
UNARY_OP(recip, T(1) / x)
UNARY_OP(sin, wsin(x))
UNARY_OP(cos, wcos(x))
UNARY_OP(softplus, x > T(0) ? x + wlog1p(wexp(-x)) : wlog1p(wexp(x)))
UNARY_OP(log1p, wlog1p(x))
UNARY_OP(step, x > T(0) ? T(1) : T(0))
UNARY_OP(sign, x > T(0) ? T(1) : (x < T(0) ? T(-1) : T(0)))
UNARY_OP(powf, wpow(x, p))
UNARY_OP(leaky_relu, x > T(0) ? x : p * x)
UNARY_OP(elu, x > T(0) ? x : p * wexpm1(x))
#undef UNARY_OP

template <class T, class Op>
__device__ __forceinline__ void unary_impl(const T* __restrict__ x, const Strided& lx, T* __restrict__ out, i64 n, T p) {
    Op op;
    GRID_STRIDE_LOOP(i, n) { out[i] = op(x[strided_offset(lx, i)], p); }
}

#define UNARY_INST(NAME, S, T)                                                               \
    extern "C" __global__ void unary_##NAME##_##S(const T* x, Strided lx, T* out, i64 n, T p) { \
        unary_impl<T, Unary_##NAME>(x, lx, out, n, p);                                       \
    }                                                                                        \
    WEFT_REGISTER(unary_##NAME##_##S)
#define UNARY_ALL(S, T)                                                               \
    UNARY_INST(neg, S, T) UNARY_INST(exp, S, T) UNARY_INST(log, S, T)                 \
    UNARY_INST(tanh, S, T) UNARY_INST(sigmoid, S, T) UNARY_INST(relu, S, T)           \
    UNARY_INST(gelu, S, T) UNARY_INST(sqrt, S, T) UNARY_INST(abs, S, T)               \
    UNARY_INST(square, S, T) UNARY_INST(recip, S, T) UNARY_INST(sin, S, T)            \
    UNARY_INST(cos, S, T) UNARY_INST(softplus, S, T) UNARY_INST(log1p, S, T)          \
    UNARY_INST(step, S, T) UNARY_INST(sign, S, T) UNARY_INST(powf, S, T)              \
    UNARY_INST(leaky_relu, S, T) UNARY_INST(elu, S, T)
UNARY_ALL(f32, float)
UNARY_ALL(f64, double)

// ----------------------------------------------------------------------- binary operators
#define BINARY_OP(NAME, EXPR)                                          \
    struct Binary_##NAME {                                             \
        template <class T>                                             \
        __device__ __forceinline__ T operator()(T a, T b) const {     \
            return EXPR;                                               \
        }                                                              \
    };
BINARY_OP(add, a + b)
BINARY_OP(sub, a - b)
BINARY_OP(mul, a * b)
BINARY_OP(div, a / b)
BINARY_OP(max, wmax(a, b))
BINARY_OP(min, wmin(a, b))
BINARY_OP(pow, wpow(a, b))
// comparisons: 1 where true, 0 where false
BINARY_OP(eq, a == b ? T(1) : T(0))
BINARY_OP(ne, a != b ? T(1) : T(0))
BINARY_OP(lt, a < b ? T(1) : T(0))
BINARY_OP(le, a <= b ? T(1) : T(0))
BINARY_OP(gt, a > b ? T(1) : T(0))
BINARY_OP(ge, a >= b ? T(1) : T(0))
#undef BINARY_OP

template <class T, class Op>
__device__ __forceinline__ void binary_impl(const T* __restrict__ a, const Strided& la, const T* __restrict__ b,
                                            const Strided& lb, T* __restrict__ out, i64 n) {
    Op op;
    GRID_STRIDE_LOOP(i, n) { out[i] = op(a[strided_offset(la, i)], b[strided_offset(lb, i)]); }
}

#define BINARY_INST(PREFIX, NAME, S, T)                                                         \
    extern "C" __global__ void PREFIX##_##NAME##_##S(const T* a, Strided la, const T* b, Strided lb, \
                                                     T* out, i64 n) {                            \
        binary_impl<T, Binary_##NAME>(a, la, b, lb, out, n);                                    \
    }                                                                                           \
    WEFT_REGISTER(PREFIX##_##NAME##_##S)
#define BINARY_ALL(S, T)                                                                         \
    BINARY_INST(binary, add, S, T) BINARY_INST(binary, sub, S, T) BINARY_INST(binary, mul, S, T) \
    BINARY_INST(binary, div, S, T) BINARY_INST(binary, max, S, T) BINARY_INST(binary, min, S, T) \
    BINARY_INST(binary, pow, S, T)                                                               \
    BINARY_INST(compare, eq, S, T) BINARY_INST(compare, ne, S, T) BINARY_INST(compare, lt, S, T) \
    BINARY_INST(compare, le, S, T) BINARY_INST(compare, gt, S, T) BINARY_INST(compare, ge, S, T)
BINARY_ALL(f32, float)
BINARY_ALL(f64, double)

// ------------------------------------------------------------------------ select, affine
/// out[i] = cond[i] != 0 ? a[i] : b[i].
template <class T>
__device__ __forceinline__ void select_impl(const T* __restrict__ c, const Strided& lc, const T* __restrict__ a,
                                            const Strided& la, const T* __restrict__ b, const Strided& lb,
                                            T* __restrict__ out, i64 n) {
    GRID_STRIDE_LOOP(i, n) {
        out[i] = c[strided_offset(lc, i)] != T(0) ? a[strided_offset(la, i)] : b[strided_offset(lb, i)];
    }
}

/// out[i] = x[i] * mul + add.
template <class T>
__device__ __forceinline__ void affine_impl(const T* __restrict__ x, const Strided& lx, T* __restrict__ out, i64 n,
                                            T mul, T add) {
    GRID_STRIDE_LOOP(i, n) { out[i] = x[strided_offset(lx, i)] * mul + add; }
}

#define SELECT_AFFINE_INST(S, T)                                                                  \
    extern "C" __global__ void select_##S(const T* c, Strided lc, const T* a, Strided la, const T* b, \
                                          Strided lb, T* out, i64 n) {                            \
        select_impl<T>(c, lc, a, la, b, lb, out, n);                                              \
    }                                                                                             \
    WEFT_REGISTER(select_##S)                                                                     \
    extern "C" __global__ void affine_##S(const T* x, Strided lx, T* out, i64 n, T mul, T add) {  \
        affine_impl<T>(x, lx, out, n, mul, add);                                                  \
    }                                                                                             \
    WEFT_REGISTER(affine_##S)
SELECT_AFFINE_INST(f32, float)
SELECT_AFFINE_INST(f64, double)
