//! The driver interface [`CudaBackend`](crate::CudaBackend) is written against.
//!
//! "One backend, two devices": everything above this trait (grid and block sizes, argument
//! marshalling, buffer management) is shared; below it sit the real device
//! ([`crate::driver::RealDevice`], feature `cuda`: cust + cuBLAS) and the emulated device
//! ([`crate::emulated::EmulatedDevice`], feature `emulated`: the same kernels compiled for the
//! host). A test can also wrap a device to plant faults (see `tests/faults.rs`).

use crate::strided::StridedArg;
use std::ffi::c_void;
use weft_ops::{DType, Result};

/// An address in device memory (0 for an empty allocation).
pub type DevicePtr = u64;

/// Grid and block dimensions and dynamic shared memory of one kernel launch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LaunchConfig {
    /// Blocks in x, y, z.
    pub grid: [u32; 3],
    /// Threads per block in x, y, z.
    pub block: [u32; 3],
    /// Bytes of dynamic shared memory per block.
    pub shared_bytes: u32,
}

impl LaunchConfig {
    /// A one-dimensional launch of `grid` blocks of `block` threads.
    pub fn linear(grid: u32, block: u32, shared_bytes: u32) -> Self {
        LaunchConfig { grid: [grid, 1, 1], block: [block, 1, 1], shared_bytes }
    }
}

/// One kernel parameter, passed by value as the kernel declares it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Arg {
    /// A device pointer (`T*`).
    Ptr(DevicePtr),
    /// `long long`.
    I64(i64),
    /// `unsigned long long`.
    U64(u64),
    /// `unsigned int`.
    U32(u32),
    /// `int`.
    I32(i32),
    /// `float`.
    F32(f32),
    /// `double`.
    F64(f64),
    /// A strided view (`Strided` in kernels/common.cuh).
    Strided(StridedArg),
}

impl Arg {
    /// A scalar of the element type `T` (`float` or `double` in the kernel).
    pub fn scalar<T: weft_ops::Element>(v: T) -> Arg {
        match T::DTYPE {
            DType::F32 => Arg::F32(v.f64() as f32),
            DType::F64 => Arg::F64(v.f64()),
        }
    }

    /// Pointer to the value, as `cuLaunchKernel`'s `kernelParams` wants it. Valid while
    /// `self` is neither moved nor dropped.
    pub fn as_param(&mut self) -> *mut c_void {
        match self {
            Arg::Ptr(p) => p as *mut u64 as *mut c_void,
            Arg::I64(v) => v as *mut i64 as *mut c_void,
            Arg::U64(v) => v as *mut u64 as *mut c_void,
            Arg::U32(v) => v as *mut u32 as *mut c_void,
            Arg::I32(v) => v as *mut i32 as *mut c_void,
            Arg::F32(v) => v as *mut f32 as *mut c_void,
            Arg::F64(v) => v as *mut f64 as *mut c_void,
            Arg::Strided(v) => v as *mut StridedArg as *mut c_void,
        }
    }
}

/// A column-major (cuBLAS convention) strided-batched GEMM: for every batch `i`,
/// `C_i = op(A_i) · op(B_i)` with `op(X) = Xᵀ` when the `trans_` flag is set; `C_i` is
/// `m × n`, `op(A_i)` is `m × k`, `op(B_i)` is `k × n`; alpha 1, beta 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GemmCall {
    /// Element type.
    pub dtype: DType,
    /// Transpose A.
    pub trans_a: bool,
    /// Transpose B.
    pub trans_b: bool,
    /// Rows of C.
    pub m: i32,
    /// Columns of C.
    pub n: i32,
    /// Inner dimension.
    pub k: i32,
    /// A, its leading dimension and batch stride (elements).
    pub a: DevicePtr,
    /// Leading dimension of A.
    pub lda: i32,
    /// Batch stride of A.
    pub stride_a: i64,
    /// B.
    pub b: DevicePtr,
    /// Leading dimension of B.
    pub ldb: i32,
    /// Batch stride of B.
    pub stride_b: i64,
    /// C (written).
    pub c: DevicePtr,
    /// Leading dimension of C.
    pub ldc: i32,
    /// Batch stride of C.
    pub stride_c: i64,
    /// Number of products.
    pub batch: i32,
}

/// A CUDA device as the backend sees it: memory, copies, kernel launches and GEMM.
///
/// Errors are `weft_ops::Error::Cuda` carrying the CUDA error name (out-of-memory included).
/// Methods taking device pointers are `unsafe`: the caller guarantees the pointers come from
/// [`DeviceApi::alloc`] of this device, are live, and the ranges fit their allocations.
pub trait DeviceApi: Send + Sync + 'static {
    /// Human-readable name ("NVIDIA H100 (cuda:0)", "emulated CUDA device").
    fn name(&self) -> String;
    /// The device ordinal.
    fn ordinal(&self) -> usize;
    /// Allocates `bytes > 0` bytes of device memory (contents unspecified).
    fn alloc(&self, bytes: usize) -> Result<DevicePtr>;
    /// Frees an allocation.
    ///
    /// # Safety
    /// `ptr` came from `alloc(bytes)` on this device and is not used afterwards.
    unsafe fn free(&self, ptr: DevicePtr, bytes: usize);
    /// Copies host bytes to device memory.
    ///
    /// # Safety
    /// `dst..dst + src.len()` lies in a live allocation of this device.
    unsafe fn copy_htod(&self, dst: DevicePtr, src: &[u8]) -> Result<()>;
    /// Copies device memory to host bytes.
    ///
    /// # Safety
    /// `src..src + dst.len()` lies in a live allocation of this device.
    unsafe fn copy_dtoh(&self, dst: &mut [u8], src: DevicePtr) -> Result<()>;
    /// Copies `bytes` bytes between device allocations.
    ///
    /// # Safety
    /// Both ranges lie in live allocations of this device and do not overlap.
    unsafe fn copy_dtod(&self, dst: DevicePtr, src: DevicePtr, bytes: usize) -> Result<()>;
    /// Launches the kernel named `kernel` (an `extern "C"` name of `kernels/*.cu`).
    ///
    /// # Safety
    /// `args` match the kernel's parameters in number, order and type, and every pointer and
    /// extent in them describes live device memory the kernel may access.
    unsafe fn launch(&self, kernel: &str, cfg: LaunchConfig, args: &mut [Arg]) -> Result<()>;
    /// Runs a (batched) GEMM.
    ///
    /// # Safety
    /// The matrices described by `g` lie in live allocations of this device.
    unsafe fn gemm(&self, g: &GemmCall) -> Result<()>;
    /// Waits for all work queued on the device.
    fn synchronize(&self) -> Result<()>;
}
