//! The real CUDA device (feature `cuda`): cust 0.3.2 for the context, stream and modules, the
//! driver API (through `cust::sys`) for memory and launches, cuBLAS for GEMM.
//!
//! - One primary context per device, made current in every call (the current context is per
//!   thread and tests run on several threads).
//! - One stream per device: launches, copies and stream-ordered allocations (`cuMemAllocAsync`
//!   where the device has memory pools) are queued on it; host copies go through a pinned
//!   staging buffer and wait for the stream, so the host slice may be reused on return.
//! - The PTX modules that `build.rs` compiled are loaded once, when the device is opened;
//!   kernels are looked up by name once and cached.
//! - GEMM: `cublasSgemm_v2` / `cublasDgemm_v2` from cublas-sys, and the strided-batched and
//!   math-mode entry points cublas-sys lacks from our own `extern "C"` block ([`cublas_ext`]),
//!   with status and enum parameters as plain integers and strides as `c_longlong`. The math
//!   mode is `CUBLAS_DEFAULT_MATH` (no TF32), so f32 GEMM keeps f32 accuracy.
//!
//! Every driver or cuBLAS failure becomes `Error::Cuda` with the CUDA error name.

use crate::api::{Arg, DeviceApi, DevicePtr, GemmCall, LaunchConfig};
use cust::context::{Context, CurrentContext};
use cust::device::Device as CuDevice;
use cust::module::Module;
use cust::stream::{Stream, StreamFlags};
use cust::sys as cu;
use std::collections::HashMap;
use std::ffi::c_void;
use std::sync::Mutex;
use weft_ops::{DType, Error, Result};

mod ptx {
    include!(concat!(env!("OUT_DIR"), "/ptx_modules.rs"));
}

/// cuBLAS entry points that cublas-sys 0.1.0 does not declare. Status and enum parameters are
/// plain integers (never Rust enums, so an unexpected value is not undefined behaviour).
pub mod cublas_ext {
    use std::ffi::{c_int, c_longlong};

    /// `cublasOperation_t::CUBLAS_OP_N`.
    pub const OP_N: c_int = 0;
    /// `cublasOperation_t::CUBLAS_OP_T`.
    pub const OP_T: c_int = 1;
    /// `cublasMath_t::CUBLAS_DEFAULT_MATH` (no TF32 tensor-op math).
    pub const DEFAULT_MATH: c_int = 0;

    #[link(name = "cublas")]
    extern "C" {
        /// `cublasSetMathMode(handle, mode)`.
        pub fn cublasSetMathMode(handle: *mut c_void, mode: c_int) -> c_int;
        /// `cublasSgemmStridedBatched`.
        pub fn cublasSgemmStridedBatched(
            handle: *mut c_void,
            transa: c_int,
            transb: c_int,
            m: c_int,
            n: c_int,
            k: c_int,
            alpha: *const f32,
            a: *const f32,
            lda: c_int,
            stride_a: c_longlong,
            b: *const f32,
            ldb: c_int,
            stride_b: c_longlong,
            beta: *const f32,
            c: *mut f32,
            ldc: c_int,
            stride_c: c_longlong,
            batch: c_int,
        ) -> c_int;
        /// `cublasDgemmStridedBatched`.
        pub fn cublasDgemmStridedBatched(
            handle: *mut c_void,
            transa: c_int,
            transb: c_int,
            m: c_int,
            n: c_int,
            k: c_int,
            alpha: *const f64,
            a: *const f64,
            lda: c_int,
            stride_a: c_longlong,
            b: *const f64,
            ldb: c_int,
            stride_b: c_longlong,
            beta: *const f64,
            c: *mut f64,
            ldc: c_int,
            stride_c: c_longlong,
            batch: c_int,
        ) -> c_int;
    }
    use std::ffi::c_void;
}

/// Name of a CUDA driver error code (`cuGetErrorName`, or a table when the driver cannot say).
fn driver_error_name(code: u32) -> String {
    let known = match code {
        1 => Some("CUDA_ERROR_INVALID_VALUE"),
        2 => Some("CUDA_ERROR_OUT_OF_MEMORY"),
        3 => Some("CUDA_ERROR_NOT_INITIALIZED"),
        4 => Some("CUDA_ERROR_DEINITIALIZED"),
        34 => Some("CUDA_ERROR_STUB_LIBRARY"),
        35 => Some("CUDA_ERROR_INSUFFICIENT_DRIVER"),
        100 => Some("CUDA_ERROR_NO_DEVICE"),
        101 => Some("CUDA_ERROR_INVALID_DEVICE"),
        200 => Some("CUDA_ERROR_INVALID_IMAGE"),
        201 => Some("CUDA_ERROR_INVALID_CONTEXT"),
        218 => Some("CUDA_ERROR_INVALID_PTX"),
        222 => Some("CUDA_ERROR_UNSUPPORTED_PTX_VERSION"),
        500 => Some("CUDA_ERROR_NOT_FOUND"),
        700 => Some("CUDA_ERROR_ILLEGAL_ADDRESS"),
        701 => Some("CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES"),
        719 => Some("CUDA_ERROR_LAUNCH_FAILED"),
        _ => None,
    };
    known.map(str::to_string).unwrap_or_else(|| format!("CUDA error {code}"))
}

fn cuda_error(op: &'static str, code: u32, what: &str) -> Error {
    Error::Cuda { op, msg: format!("{}: {what}", driver_error_name(code)) }
}

/// Maps a raw driver result to `Result`.
fn check(op: &'static str, r: cu::CUresult, what: &str) -> Result<()> {
    if r == cu::CUresult::CUDA_SUCCESS {
        Ok(())
    } else {
        Err(cuda_error(op, r as u32, what))
    }
}

/// Maps a cust error to `Result`.
fn check_cust<T>(op: &'static str, r: cust::error::CudaResult<T>, what: &str) -> Result<T> {
    r.map_err(|e| cuda_error(op, e as u32, what))
}

fn cublas_status_name(s: i32) -> &'static str {
    match s {
        1 => "CUBLAS_STATUS_NOT_INITIALIZED",
        3 => "CUBLAS_STATUS_ALLOC_FAILED",
        7 => "CUBLAS_STATUS_INVALID_VALUE",
        8 => "CUBLAS_STATUS_ARCH_MISMATCH",
        11 => "CUBLAS_STATUS_MAPPING_ERROR",
        13 => "CUBLAS_STATUS_EXECUTION_FAILED",
        14 => "CUBLAS_STATUS_INTERNAL_ERROR",
        15 => "CUBLAS_STATUS_NOT_SUPPORTED",
        16 => "CUBLAS_STATUS_LICENSE_ERROR",
        _ => "CUBLAS_STATUS_UNKNOWN",
    }
}

fn check_cublas(op: &'static str, status: i32, what: &str) -> Result<()> {
    if status == 0 {
        Ok(())
    } else {
        Err(Error::Cuda { op, msg: format!("{} ({status}): {what}", cublas_status_name(status)) })
    }
}

/// A pinned host staging buffer (grown on demand).
struct Pinned {
    ptr: *mut c_void,
    cap: usize,
}

/// The cuBLAS handle (used under a lock: a handle must not be used by two threads at once).
struct Cublas {
    handle: cublas_sys::cublasHandle_t,
}

/// Raw driver handles are plain pointers owned by this device; the driver API is thread safe
/// and every use below holds the lock that guards the handle or sets the context first.
struct Handles {
    functions: HashMap<String, usize>,
}

/// A real CUDA device.
pub struct RealDevice {
    ordinal: usize,
    name: String,
    stream: Stream,
    modules: Vec<Module>,
    handles: Mutex<Handles>,
    pinned: Mutex<Pinned>,
    cublas: Mutex<Cublas>,
    async_alloc: bool,
    /// Last: fields drop in order, and the stream and modules must go before the context.
    ctx: Context,
}

// SAFETY: the raw pointers inside (pinned buffer, cuBLAS handle, cached CUfunctions) are only
// used under their mutexes or are immutable driver handles valid for the device's lifetime;
// the CUDA driver API and cuBLAS (one thread at a time per handle) are thread safe.
unsafe impl Send for RealDevice {}
// SAFETY: as above.
unsafe impl Sync for RealDevice {}

impl RealDevice {
    /// Opens device `ordinal`: initialises the driver, retains the primary context, creates a
    /// stream and a cuBLAS handle, loads every PTX module.
    pub fn new(ordinal: usize) -> Result<Self> {
        check_cust("cuda init", cust::init(cust::CudaFlags::empty()), "cuInit")?;
        let count = check_cust("cuda init", CuDevice::num_devices(), "cuDeviceGetCount")?;
        if ordinal >= count as usize {
            return Err(Error::Cuda {
                op: "cuda init",
                msg: format!("CUDA_ERROR_INVALID_DEVICE: device {ordinal} requested, {count} present"),
            });
        }
        let dev = check_cust("cuda init", CuDevice::get_device(ordinal as u32), "cuDeviceGet")?;
        let name = dev.name().unwrap_or_else(|_| "CUDA device".into());
        let mut pools = 0;
        // SAFETY: valid out-pointer and device handle.
        let r = unsafe {
            cu::cuDeviceGetAttribute(
                &mut pools,
                cu::CUdevice_attribute::CU_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED,
                dev.as_raw(),
            )
        };
        let async_alloc = r == cu::CUresult::CUDA_SUCCESS && pools != 0;
        let ctx = check_cust("cuda init", Context::new(dev), "cuDevicePrimaryCtxRetain")?;
        check_cust("cuda init", CurrentContext::set_current(&ctx), "cuCtxSetCurrent")?;
        let stream = check_cust("cuda init", Stream::new(StreamFlags::NON_BLOCKING, None), "cuStreamCreate")?;
        let mut modules = Vec::with_capacity(ptx::PTX_MODULES.len());
        for (module, text) in ptx::PTX_MODULES {
            modules.push(check_cust(
                "cuda init",
                Module::from_ptx(text, &[]),
                &format!("loading PTX module {module}"),
            )?);
        }
        let mut handle: cublas_sys::cublasHandle_t = std::ptr::null_mut();
        // SAFETY: `handle` is a valid out-pointer; the context is current.
        let st = unsafe { cublas_sys::cublasCreate_v2(&mut handle) };
        check_cublas("cuda init", st as i32, "cublasCreate_v2")?;
        // SAFETY: `handle` was just created; our stream outlives it (both owned by self, the
        // handle is destroyed first in Drop); cuBLAS's stream type is the driver's CUstream.
        unsafe {
            let st = cublas_sys::cublasSetStream_v2(handle, stream.as_inner() as cublas_sys::cudaStream_t);
            check_cublas("cuda init", st as i32, "cublasSetStream_v2")?;
            check_cublas(
                "cuda init",
                cublas_ext::cublasSetMathMode(handle as *mut c_void, cublas_ext::DEFAULT_MATH),
                "cublasSetMathMode",
            )?;
        }
        Ok(RealDevice {
            ordinal,
            name,
            ctx,
            stream,
            modules,
            handles: Mutex::new(Handles { functions: HashMap::new() }),
            pinned: Mutex::new(Pinned { ptr: std::ptr::null_mut(), cap: 0 }),
            cublas: Mutex::new(Cublas { handle }),
            async_alloc,
        })
    }

    /// Makes this device's context current on the calling thread.
    fn make_current(&self, op: &'static str) -> Result<()> {
        check_cust(op, CurrentContext::set_current(&self.ctx), "cuCtxSetCurrent")
    }

    fn raw_stream(&self) -> cu::CUstream {
        self.stream.as_inner()
    }

    /// The kernel named `name` (looked up in every module once, then cached).
    fn function(&self, name: &str) -> Result<cu::CUfunction> {
        let mut h = self.handles.lock().map_err(|_| poisoned())?;
        if let Some(&f) = h.functions.get(name) {
            return Ok(f as cu::CUfunction);
        }
        for m in &self.modules {
            if let Ok(f) = m.get_function(name) {
                let raw = f.to_raw();
                h.functions.insert(name.to_string(), raw as usize);
                return Ok(raw);
            }
        }
        Err(Error::Cuda {
            op: "launch",
            msg: format!("CUDA_ERROR_NOT_FOUND: no kernel named {name} in the PTX modules"),
        })
    }

    /// Runs `f` with a pinned staging buffer of at least `bytes` bytes.
    fn with_pinned<R>(&self, bytes: usize, f: impl FnOnce(*mut c_void) -> Result<R>) -> Result<R> {
        let mut p = self.pinned.lock().map_err(|_| poisoned())?;
        if p.cap < bytes {
            if !p.ptr.is_null() {
                // SAFETY: p.ptr came from cuMemAllocHost_v2 and no copy is pending (every use
                // below synchronises the stream before releasing the lock).
                unsafe { cu::cuMemFreeHost(p.ptr) };
                p.ptr = std::ptr::null_mut();
                p.cap = 0;
            }
            let cap = bytes.next_power_of_two().max(1 << 20);
            let mut ptr = std::ptr::null_mut();
            // SAFETY: valid out-pointer; the context is current.
            check(
                "pinned alloc",
                unsafe { cu::cuMemAllocHost_v2(&mut ptr, cap) },
                &format!("{cap} bytes of pinned memory"),
            )?;
            p.ptr = ptr;
            p.cap = cap;
        }
        f(p.ptr)
    }
}

/// The cublas-sys operation enum (an input parameter: any listed variant is valid).
fn sys_op(t: bool) -> cublas_sys::cublasOperation_t {
    if t {
        cublas_sys::cublasOperation_t::CUBLAS_OP_T
    } else {
        cublas_sys::cublasOperation_t::CUBLAS_OP_N
    }
}

/// The operation as the plain integer of our own extern block.
fn ext_op(t: bool) -> std::ffi::c_int {
    if t {
        cublas_ext::OP_T
    } else {
        cublas_ext::OP_N
    }
}

fn poisoned() -> Error {
    Error::Cuda { op: "cuda device", msg: "internal lock poisoned by an earlier panic".into() }
}

impl Drop for RealDevice {
    fn drop(&mut self) {
        let _ = CurrentContext::set_current(&self.ctx);
        let _ = self.stream.synchronize();
        if let Ok(c) = self.cublas.lock() {
            // SAFETY: the handle was created in `new` and is not used after this.
            unsafe { cublas_sys::cublasDestroy_v2(c.handle) };
        }
        if let Ok(p) = self.pinned.lock() {
            if !p.ptr.is_null() {
                // SAFETY: allocated by cuMemAllocHost_v2, the stream is idle.
                unsafe { cu::cuMemFreeHost(p.ptr) };
            }
        }
    }
}

impl DeviceApi for RealDevice {
    fn name(&self) -> String {
        format!("{} (cuda:{})", self.name, self.ordinal)
    }

    fn ordinal(&self) -> usize {
        self.ordinal
    }

    fn alloc(&self, bytes: usize) -> Result<DevicePtr> {
        self.make_current("alloc")?;
        let mut p: cu::CUdeviceptr = 0;
        // SAFETY: valid out-pointer; the context is current.
        let r = unsafe {
            if self.async_alloc {
                cu::cuMemAllocAsync(&mut p, bytes, self.raw_stream())
            } else {
                cu::cuMemAlloc_v2(&mut p, bytes)
            }
        };
        check("alloc", r, &format!("allocating {bytes} bytes on {}", self.name()))?;
        Ok(p)
    }

    unsafe fn free(&self, ptr: DevicePtr, _bytes: usize) {
        if self.make_current("free").is_err() {
            return;
        }
        // SAFETY: (caller) ptr came from `alloc` and is not used afterwards; a stream-ordered
        // free runs after the work queued before it.
        unsafe {
            if self.async_alloc {
                cu::cuMemFreeAsync(ptr, self.raw_stream());
            } else {
                cu::cuMemFree_v2(ptr);
            }
        }
    }

    unsafe fn copy_htod(&self, dst: DevicePtr, src: &[u8]) -> Result<()> {
        self.make_current("copy to device")?;
        self.with_pinned(src.len(), |pinned| {
            // SAFETY: the pinned buffer holds at least src.len() bytes; (caller) dst is a live
            // device range of that size; the stream is synchronised before the buffer is reused.
            unsafe {
                std::ptr::copy_nonoverlapping(src.as_ptr(), pinned as *mut u8, src.len());
                check(
                    "copy to device",
                    cu::cuMemcpyHtoDAsync_v2(dst, pinned, src.len(), self.raw_stream()),
                    "cuMemcpyHtoDAsync",
                )?;
                check("copy to device", cu::cuStreamSynchronize(self.raw_stream()), "cuStreamSynchronize")
            }
        })
    }

    unsafe fn copy_dtoh(&self, dst: &mut [u8], src: DevicePtr) -> Result<()> {
        self.make_current("copy to host")?;
        self.with_pinned(dst.len(), |pinned| {
            // SAFETY: as in copy_htod, in the other direction.
            unsafe {
                check(
                    "copy to host",
                    cu::cuMemcpyDtoHAsync_v2(pinned, src, dst.len(), self.raw_stream()),
                    "cuMemcpyDtoHAsync",
                )?;
                check("copy to host", cu::cuStreamSynchronize(self.raw_stream()), "cuStreamSynchronize")?;
                std::ptr::copy_nonoverlapping(pinned as *const u8, dst.as_mut_ptr(), dst.len());
            }
            Ok(())
        })
    }

    unsafe fn copy_dtod(&self, dst: DevicePtr, src: DevicePtr, bytes: usize) -> Result<()> {
        self.make_current("copy on device")?;
        // SAFETY: (caller) both ranges are live device memory.
        check(
            "copy on device",
            unsafe { cu::cuMemcpyDtoDAsync_v2(dst, src, bytes, self.raw_stream()) },
            "cuMemcpyDtoDAsync",
        )
    }

    unsafe fn launch(&self, kernel: &str, cfg: LaunchConfig, args: &mut [Arg]) -> Result<()> {
        self.make_current("launch")?;
        let f = self.function(kernel)?;
        let mut params: Vec<*mut c_void> = args.iter_mut().map(Arg::as_param).collect();
        // SAFETY: (caller) the parameters match the kernel's signature and describe live
        // device memory; `params` points into `args`, which outlives the call (the driver
        // copies the parameter values at launch).
        let r = unsafe {
            cu::cuLaunchKernel(
                f,
                cfg.grid[0],
                cfg.grid[1],
                cfg.grid[2],
                cfg.block[0],
                cfg.block[1],
                cfg.block[2],
                cfg.shared_bytes,
                self.raw_stream(),
                params.as_mut_ptr(),
                std::ptr::null_mut(),
            )
        };
        check("launch", r, &format!("kernel {kernel} with {cfg:?}"))
    }

    unsafe fn gemm(&self, g: &GemmCall) -> Result<()> {
        self.make_current("gemm")?;
        let c = self.cublas.lock().map_err(|_| poisoned())?;
        let what = format!("{g:?}");
        let h = c.handle;
        // SAFETY: (caller) the matrices described by `g` are live device memory; alpha and
        // beta are host scalars (the handle's default pointer mode).
        let status = unsafe {
            match (g.dtype, g.batch == 1) {
                (DType::F32, true) => {
                    let (one, zero) = (1.0f32, 0.0f32);
                    let (ta, tb) = (sys_op(g.trans_a), sys_op(g.trans_b));
                    let (a, b, cp) = (g.a as *const f32, g.b as *const f32, g.c as *mut f32);
                    cublas_sys::cublasSgemm_v2(
                        h, ta, tb, g.m, g.n, g.k, &one, a, g.lda, b, g.ldb, &zero, cp, g.ldc,
                    ) as i32
                }
                (DType::F64, true) => {
                    let (one, zero) = (1.0f64, 0.0f64);
                    let (ta, tb) = (sys_op(g.trans_a), sys_op(g.trans_b));
                    let (a, b, cp) = (g.a as *const f64, g.b as *const f64, g.c as *mut f64);
                    cublas_sys::cublasDgemm_v2(
                        h, ta, tb, g.m, g.n, g.k, &one, a, g.lda, b, g.ldb, &zero, cp, g.ldc,
                    ) as i32
                }
                (DType::F32, false) => {
                    let (one, zero) = (1.0f32, 0.0f32);
                    cublas_ext::cublasSgemmStridedBatched(
                        h as *mut c_void,
                        ext_op(g.trans_a),
                        ext_op(g.trans_b),
                        g.m,
                        g.n,
                        g.k,
                        &one,
                        g.a as *const f32,
                        g.lda,
                        g.stride_a,
                        g.b as *const f32,
                        g.ldb,
                        g.stride_b,
                        &zero,
                        g.c as *mut f32,
                        g.ldc,
                        g.stride_c,
                        g.batch,
                    )
                }
                (DType::F64, false) => {
                    let (one, zero) = (1.0f64, 0.0f64);
                    cublas_ext::cublasDgemmStridedBatched(
                        h as *mut c_void,
                        ext_op(g.trans_a),
                        ext_op(g.trans_b),
                        g.m,
                        g.n,
                        g.k,
                        &one,
                        g.a as *const f64,
                        g.lda,
                        g.stride_a,
                        g.b as *const f64,
                        g.ldb,
                        g.stride_b,
                        &zero,
                        g.c as *mut f64,
                        g.ldc,
                        g.stride_c,
                        g.batch,
                    )
                }
            }
        };
        check_cublas("gemm", status, &what)
    }

    fn synchronize(&self) -> Result<()> {
        self.make_current("synchronize")?;
        // SAFETY: the stream is live.
        check("synchronize", unsafe { cu::cuStreamSynchronize(self.raw_stream()) }, "cuStreamSynchronize")
    }
}

/// The PTX of every kernel module, as embedded (for tools that assemble or inspect it).
pub fn ptx_modules() -> &'static [(&'static str, &'static str)] {
    ptx::PTX_MODULES
}
