//! # weft-cuda
//!
//! The CUDA backend of weft: [`CudaBackend`] implements `weft_ops::Backend` once, against a
//! small driver interface ([`api::DeviceApi`]) with two implementations:
//! - the real device (feature `cuda`): cust 0.3.2 (a context per device, set current in every
//!   thread, a stream, modules loaded once from the PTX that `build.rs` compiles with nvcc)
//!   and cuBLAS for GEMM;
//! - the emulated device (feature `emulated`, for tests and CI): the same `kernels/*.cu`
//!   compiled with the host C++ compiler against `emu/cuda_emu.h`, which models threads,
//!   blocks, shared memory, barriers, warps and atomics; GEMM is a reference loop.
//!
//! Without either feature the crate compiles no CUDA and [`CudaBackend::new`] returns
//! `Error::CudaNotCompiled`.
//!
//! Modules:
//! - [`api`]: the driver interface, launch configurations, kernel arguments, GEMM calls;
//! - [`buffer`]: device buffers [`CudaBuf`] and [`CudaIdxBuf`];
//! - [`strided`]: strided views as kernel arguments;
//! - [`backend`]: [`CudaBackend`] and the launch code of every primitive;
//! - `driver` (feature `cuda`): the real device;
//! - `emulated` (feature `emulated`): the emulated device.

pub mod api;
pub mod backend;
pub mod buffer;
#[cfg(feature = "cuda")]
pub mod driver;
#[cfg(feature = "emulated")]
pub mod emulated;
pub mod strided;

pub use backend::CudaBackend;
pub use backend::{CudaCsr, CudaSegments};
pub use buffer::{CudaBuf, CudaIdxBuf};
