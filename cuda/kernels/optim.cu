// optim.cu: fused, in-place optimiser updates of one parameter (SGD with momentum, dampening,
// Nesterov and weight decay; Adam and AdamW), one thread per element, grid-stride. The
// arithmetic is that of weft_ops::optim_step (SgdScalars::update, AdamScalars::update),
// operation for operation. The parameter and its state are contiguous [n]; the gradient is a
// strided view of n elements.
#include "common.cuh"
#include "math.cuh"

/// d = g (+ wd * p); with momentum (buf != null): buf = d on the first step, else
/// momentum * buf + keep * d, and d = d + momentum * buf (Nesterov) or buf; then p -= lr * d.
template <class T>
__device__ __forceinline__ void sgd_update_impl(T* __restrict__ p, const T* __restrict__ g, const Strided& lg,
                                                T* __restrict__ buf, i64 n, T lr, T momentum, T keep, T wd,
                                                int decay, int nesterov, int first) {
    GRID_STRIDE_LOOP(i, n) {
        const T pi = p[i];
        const T gi = g[strided_offset(lg, i)];
        T d = decay ? gi + wd * pi : gi;
        if (buf) {
            const T b = first ? d : momentum * buf[i] + keep * d;
            buf[i] = b;
            d = nesterov ? d + momentum * b : b;
        }
        p[i] = pi - lr * d;
    }
}

/// d = g (+ wd * p, coupled), or p *= shrink (decoupled, AdamW); m = b1 m + (1 - b1) d,
/// v = b2 v + (1 - b2) d d, p -= step_size * m / (sqrt(v) * inv_sqrt_c2 + eps).
template <class T>
__device__ __forceinline__ void adam_update_impl(T* __restrict__ p, const T* __restrict__ g, const Strided& lg,
                                                 T* __restrict__ m, T* __restrict__ v, i64 n, T b1, T ob1, T b2,
                                                 T ob2, T eps, T wd, T shrink, T step_size, T inv_sqrt_c2, int decay,
                                                 int decoupled) {
    GRID_STRIDE_LOOP(i, n) {
        T pi = p[i];
        const T gi = g[strided_offset(lg, i)];
        T d = gi;
        if (decay) {
            if (decoupled) {
                pi = pi * shrink;
            } else {
                d = gi + wd * pi;
            }
        }
        const T mi = b1 * m[i] + ob1 * d;
        const T vi = b2 * v[i] + ob2 * d * d;
        m[i] = mi;
        v[i] = vi;
        p[i] = pi - step_size * mi / (wsqrt(vi) * inv_sqrt_c2 + eps);
    }
}

#define OPTIM_INST(S, T)                                                                                        \
    extern "C" __global__ void sgd_update_##S(T* p, const T* g, Strided lg, T* buf, i64 n, T lr, T momentum,     \
                                              T keep, T wd, int decay, int nesterov, int first) {                \
        sgd_update_impl<T>(p, g, lg, buf, n, lr, momentum, keep, wd, decay, nesterov, first);                   \
    }                                                                                                           \
    WEFT_REGISTER(sgd_update_##S)                                                                               \
    extern "C" __global__ void adam_update_##S(T* p, const T* g, Strided lg, T* m, T* v, i64 n, T b1, T ob1,     \
                                               T b2, T ob2, T eps, T wd, T shrink, T step_size, T inv_sqrt_c2,   \
                                               int decay, int decoupled) {                                       \
        adam_update_impl<T>(p, g, lg, m, v, n, b1, ob1, b2, ob2, eps, wd, shrink, step_size, inv_sqrt_c2, decay, \
                            decoupled);                                                                         \
    }                                                                                                           \
    WEFT_REGISTER(adam_update_##S)
OPTIM_INST(f32, float)
OPTIM_INST(f64, double)
