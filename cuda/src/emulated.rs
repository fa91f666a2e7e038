//! The emulated CUDA device (feature `emulated`): the kernels of `kernels/*.cu` compiled with
//! the host C++ compiler against `emu/cuda_emu.h`, run block by block on the calling thread,
//! each CUDA thread a fiber (see `emu/cuda_emu.cpp`). GEMM is a reference loop.
//!
//! Device memory is host memory with 4 KiB red zones on both sides of every allocation.
//! Fresh allocations and red zones are filled with 0xFF bytes (NaN in f32 and f64), so a kernel
//! reading memory nobody wrote computes NaN; after every launch the red zones of the buffers
//! the kernel was given are checked, and a write outside them fails the launch with
//! `CUDA_ERROR_ILLEGAL_ADDRESS`.

use crate::api::{Arg, DeviceApi, DevicePtr, GemmCall, LaunchConfig};
use std::alloc::{alloc, dealloc, Layout as AllocLayout};
use std::collections::{BTreeSet, HashMap};
use std::ffi::{c_char, c_int, c_uint, c_void, CString};
use std::sync::Mutex;
use weft_ops::{DType, Error, Result};

/// Bytes of red zone on each side of an allocation.
const RED: usize = 4096;
/// The poison byte of fresh memory and red zones.
const POISON: u8 = 0xFF;

extern "C" {
    fn weft_emu_launch(
        name: *const c_char,
        grid: *const c_uint,
        block: *const c_uint,
        shared_bytes: c_uint,
        args: *mut *mut c_void,
        reverse: c_int,
        err: *mut c_char,
        err_len: usize,
    ) -> c_int;
    fn weft_emu_kernel_count() -> usize;
    fn weft_emu_kernel_name(i: usize) -> *const c_char;
}

/// Names of every kernel compiled into the emulated device, sorted.
pub fn registered_kernels() -> Vec<String> {
    // SAFETY: both functions only read the registry, which is complete once static
    // initialisation (before main) is done; a returned name is a NUL-terminated string that
    // stays alive in the registry's name table.
    unsafe {
        let mut v: Vec<String> = (0..weft_emu_kernel_count())
            .filter_map(|i| {
                let p = weft_emu_kernel_name(i);
                (!p.is_null()).then(|| std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned())
            })
            .collect();
        v.sort();
        v
    }
}

/// The order in which the emulated device runs the threads of a block up to each barrier.
///
/// A race (a read not separated by a barrier from the write it needs) shows when the reader
/// runs before the writer: `Forward` exposes threads reading what higher-numbered threads
/// write, `Reverse` the opposite. CI runs the parity suite under both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    /// Ascending thread order.
    Forward,
    /// Descending thread order.
    Reverse,
}

impl Schedule {
    /// `Reverse` when the environment variable `WEFT_EMU_ORDER` is `reverse`, else `Forward`.
    pub fn from_env() -> Self {
        match std::env::var("WEFT_EMU_ORDER") {
            Ok(v) if v == "reverse" => Schedule::Reverse,
            _ => Schedule::Forward,
        }
    }
}

/// The emulated CUDA device (ordinal 0).
pub struct EmulatedDevice {
    schedule: Schedule,
    /// Live allocations: user pointer -> size in bytes.
    live: Mutex<HashMap<u64, usize>>,
    /// Bytes currently allocated and the limit (out-of-memory beyond it).
    used: Mutex<usize>,
    limit: usize,
    /// Names of the kernels launched so far (for coverage checks).
    launched: Mutex<BTreeSet<String>>,
}

impl Default for EmulatedDevice {
    fn default() -> Self {
        Self::new()
    }
}

impl EmulatedDevice {
    /// An emulated device with 8 GiB of "device memory" (allocations beyond fail with
    /// `CUDA_ERROR_OUT_OF_MEMORY`), scheduled as [`Schedule::from_env`] says.
    pub fn new() -> Self {
        Self::with_memory_limit(8 << 30)
    }

    /// An emulated device whose allocations fail past `limit` bytes in total.
    pub fn with_memory_limit(limit: usize) -> Self {
        EmulatedDevice {
            schedule: Schedule::from_env(),
            live: Mutex::new(HashMap::new()),
            used: Mutex::new(0),
            limit,
            launched: Mutex::new(BTreeSet::new()),
        }
    }

    /// The same device with threads scheduled in `schedule` order.
    pub fn with_schedule(mut self, schedule: Schedule) -> Self {
        self.schedule = schedule;
        self
    }

    /// The kernels this device has launched successfully, sorted.
    pub fn launched_kernels(&self) -> Vec<String> {
        self.launched.lock().map(|s| s.iter().cloned().collect()).unwrap_or_default()
    }

    fn alloc_layout(bytes: usize) -> Option<AllocLayout> {
        AllocLayout::from_size_align(bytes.checked_add(2 * RED)?, RED).ok()
    }

    /// Checks the red zones of the allocation starting at `ptr`, if it is one.
    fn check_redzones(&self, kernel: &str, ptr: u64) -> Result<()> {
        let Some(&bytes) = self.live.lock().map_err(|_| poisoned())?.get(&ptr) else {
            return Ok(());
        };
        // SAFETY: `ptr` is a live allocation of `bytes` bytes with RED bytes of red zone on
        // each side (see `alloc`).
        let (before, after) = unsafe {
            (
                std::slice::from_raw_parts((ptr as usize - RED) as *const u8, RED),
                std::slice::from_raw_parts((ptr as usize + bytes) as *const u8, RED),
            )
        };
        let bad_before = before.iter().rposition(|&b| b != POISON);
        let bad_after = after.iter().position(|&b| b != POISON);
        if bad_before.is_some() || bad_after.is_some() {
            let at = match (bad_before, bad_after) {
                (Some(i), _) => format!("{} bytes before its start", RED - i),
                (None, Some(i)) => format!("byte {} past its end", i),
                (None, None) => unreachable!("one of them is Some here"),
            };
            return Err(Error::Cuda {
                op: "launch",
                msg: format!(
                    "CUDA_ERROR_ILLEGAL_ADDRESS (emulated device): kernel {kernel} wrote outside a buffer of {bytes} bytes ({at})"
                ),
            });
        }
        Ok(())
    }
}

fn poisoned() -> Error {
    Error::Cuda { op: "emulated device", msg: "internal lock poisoned by an earlier panic".into() }
}

impl DeviceApi for EmulatedDevice {
    fn name(&self) -> String {
        "emulated CUDA device".into()
    }

    fn ordinal(&self) -> usize {
        0
    }

    fn alloc(&self, bytes: usize) -> Result<DevicePtr> {
        let oom = || Error::Cuda {
            op: "alloc",
            msg: format!("CUDA_ERROR_OUT_OF_MEMORY: cannot allocate {bytes} bytes on the emulated device"),
        };
        {
            let mut used = self.used.lock().map_err(|_| poisoned())?;
            if bytes > self.limit.saturating_sub(*used) {
                return Err(oom());
            }
            *used += bytes;
        }
        let layout = Self::alloc_layout(bytes).ok_or_else(oom)?;
        // SAFETY: the layout has a non-zero size (at least 2 * RED bytes).
        let base = unsafe { alloc(layout) };
        if base.is_null() {
            *self.used.lock().map_err(|_| poisoned())? -= bytes;
            return Err(oom());
        }
        // SAFETY: `base` points to layout.size() writable bytes.
        unsafe { std::ptr::write_bytes(base, POISON, layout.size()) };
        let ptr = base as u64 + RED as u64;
        self.live.lock().map_err(|_| poisoned())?.insert(ptr, bytes);
        Ok(ptr)
    }

    unsafe fn free(&self, ptr: DevicePtr, bytes: usize) {
        if let Ok(mut live) = self.live.lock() {
            live.remove(&ptr);
        }
        if let Ok(mut used) = self.used.lock() {
            *used -= bytes;
        }
        let layout = Self::alloc_layout(bytes).expect("this layout was valid when allocated");
        // SAFETY: (caller) ptr came from `alloc(bytes)`, whose base is RED bytes before it.
        unsafe { dealloc((ptr as usize - RED) as *mut u8, layout) };
    }

    unsafe fn copy_htod(&self, dst: DevicePtr, src: &[u8]) -> Result<()> {
        // SAFETY: (caller) dst..dst + src.len() lies in a live allocation (host memory here).
        unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), dst as usize as *mut u8, src.len()) };
        Ok(())
    }

    unsafe fn copy_dtoh(&self, dst: &mut [u8], src: DevicePtr) -> Result<()> {
        // SAFETY: (caller) src..src + dst.len() lies in a live allocation (host memory here).
        unsafe { std::ptr::copy_nonoverlapping(src as usize as *const u8, dst.as_mut_ptr(), dst.len()) };
        Ok(())
    }

    unsafe fn copy_dtod(&self, dst: DevicePtr, src: DevicePtr, bytes: usize) -> Result<()> {
        // SAFETY: (caller) both ranges lie in live allocations and do not overlap.
        unsafe { std::ptr::copy_nonoverlapping(src as usize as *const u8, dst as usize as *mut u8, bytes) };
        Ok(())
    }

    unsafe fn launch(&self, kernel: &str, cfg: LaunchConfig, args: &mut [Arg]) -> Result<()> {
        let name =
            CString::new(kernel).map_err(|_| Error::invalid("launch", format!("kernel name {kernel:?}")))?;
        let mut params: Vec<*mut c_void> = args.iter_mut().map(Arg::as_param).collect();
        let mut err = vec![0u8; 512];
        // SAFETY: (caller) the parameters match the kernel's signature and describe live
        // memory; `params` points into `args`, which outlives the call; `err` is writable.
        let rc = unsafe {
            weft_emu_launch(
                name.as_ptr(),
                cfg.grid.as_ptr(),
                cfg.block.as_ptr(),
                cfg.shared_bytes,
                params.as_mut_ptr(),
                (self.schedule == Schedule::Reverse) as c_int,
                err.as_mut_ptr() as *mut c_char,
                err.len(),
            )
        };
        if rc != 0 {
            let end = err.iter().position(|&b| b == 0).unwrap_or(err.len());
            let what = match rc {
                1 => "CUDA_ERROR_NOT_FOUND",
                2 => "CUDA_ERROR_INVALID_VALUE",
                _ => "CUDA_ERROR_LAUNCH_FAILED",
            };
            return Err(Error::Cuda {
                op: "launch",
                msg: format!("{what}: {}", String::from_utf8_lossy(&err[..end])),
            });
        }
        for a in args.iter() {
            if let Arg::Ptr(p) = a {
                self.check_redzones(kernel, *p)?;
            }
        }
        if let Ok(mut l) = self.launched.lock() {
            l.insert(kernel.to_string());
        }
        Ok(())
    }

    unsafe fn gemm(&self, g: &GemmCall) -> Result<()> {
        if g.m < 0 || g.n < 0 || g.k < 0 || g.batch < 0 {
            return Err(Error::Cuda { op: "gemm", msg: format!("CUBLAS_STATUS_INVALID_VALUE: {g:?}") });
        }
        // SAFETY: (caller) the matrices lie in live allocations (host memory here).
        unsafe {
            match g.dtype {
                DType::F32 => reference_gemm::<f32>(g),
                DType::F64 => reference_gemm::<f64>(g),
            }
        }
        Ok(())
    }

    fn synchronize(&self) -> Result<()> {
        Ok(())
    }
}

/// Column-major reference GEMM with cuBLAS semantics (alpha 1, beta 0), accumulating in `T`.
///
/// # Safety
/// The matrices described by `g` lie in live host memory.
unsafe fn reference_gemm<T: num_like::Num>(g: &GemmCall) {
    let (m, n, k) = (g.m as usize, g.n as usize, g.k as usize);
    for bi in 0..g.batch as usize {
        let a = (g.a as usize as *const T).wrapping_offset(bi as isize * g.stride_a as isize);
        let b = (g.b as usize as *const T).wrapping_offset(bi as isize * g.stride_b as isize);
        let c = (g.c as usize as *mut T).wrapping_offset(bi as isize * g.stride_c as isize);
        for j in 0..n {
            for i in 0..m {
                let mut acc = T::ZERO;
                for p in 0..k {
                    let ai = if g.trans_a { p + i * g.lda as usize } else { i + p * g.lda as usize };
                    let bj = if g.trans_b { j + p * g.ldb as usize } else { p + j * g.ldb as usize };
                    // SAFETY: (caller) indices within the described matrices.
                    acc = acc + unsafe { *a.add(ai) * *b.add(bj) };
                }
                // SAFETY: (caller) C is m × n with leading dimension ldc.
                unsafe { *c.add(i + j * g.ldc as usize) = acc };
            }
        }
    }
}

mod num_like {
    /// The arithmetic the reference GEMM needs.
    pub trait Num: Copy + std::ops::Add<Output = Self> + std::ops::Mul<Output = Self> {
        const ZERO: Self;
    }
    impl Num for f32 {
        const ZERO: Self = 0.0;
    }
    impl Num for f64 {
        const ZERO: Self = 0.0;
    }
}
