//! Random tensors from Philox: uniform, normal, dropout masks (the same numbers as the CPU
//! backend for the same `PhiloxState`).

use super::{grid_for, kernel_name, CudaBackend, BLOCK};
use crate::api::Arg;
use crate::buffer::CudaBuf;
use weft_ops::rng::PhiloxState;
use weft_ops::{Element, Result};

impl CudaBackend {
    /// Launches `base_T(T* out, i64 n, u32 k0, u32 k1, u64 stream, u64 offset, extra...)`.
    pub(crate) fn random_impl<T: Element>(
        &self,
        base: &str,
        n: usize,
        st: PhiloxState,
        extra: &[Arg],
    ) -> Result<CudaBuf<T>> {
        let out = self.alloc::<T>(n)?;
        if n > 0 {
            let mut args = vec![
                Arg::Ptr(out.device_ptr()),
                Arg::I64(n as i64),
                Arg::U32(st.key[0]),
                Arg::U32(st.key[1]),
                Arg::U64(st.stream),
                Arg::U64(st.offset),
            ];
            args.extend_from_slice(extra);
            // SAFETY: the random kernels write out[0..n]; `out` holds n elements; `extra` are
            // the scalars of the kernel's tail (T lo, T hi / T mean, T std / double keep).
            unsafe { self.launch(&kernel_name::<T>(base), grid_for(n.div_ceil(4), BLOCK), &mut args)? };
        }
        Ok(out)
    }
}
