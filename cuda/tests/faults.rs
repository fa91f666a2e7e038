//! Planted faults (issue 7's target): a deliberately broken kernel or launch must make the
//! parity comparison with CpuBackend fail on the emulated device. Each test first checks that
//! the unbroken path passes, then plants one fault through [`FaultyDevice`], a `DeviceApi`
//! wrapper that redirects one kernel to a broken copy (tests/faults/planted.cu) or swaps two
//! arguments of one launch, and asserts the comparison fails.

#![cfg(feature = "emulated")]

mod support;

use std::sync::Arc;
use support::*;
use weft_cuda::api::{Arg, DeviceApi, DevicePtr, GemmCall, LaunchConfig};
use weft_cuda::emulated::{EmulatedDevice, Schedule};
use weft_cuda::{CudaBackend, CudaBuf};
use weft_ops::backend::{BinaryOp, ReduceOp};
use weft_ops::rng::Philox;
use weft_ops::{Backend, CpuBackend, Layout, Result};

/// One planted fault.
#[derive(Clone)]
enum Fault {
    /// Launch kernel `.1` whenever kernel `.0` is asked for.
    Redirect(&'static str, &'static str),
    /// Swap arguments `.1` and `.2` (and `.3`, `.4` when different) of every launch of `.0`.
    SwapArgs(&'static str, usize, usize, usize, usize),
}

/// The emulated device with one fault planted.
struct FaultyDevice {
    inner: EmulatedDevice,
    fault: Fault,
}

impl DeviceApi for FaultyDevice {
    fn name(&self) -> String {
        format!("{} with a planted fault", self.inner.name())
    }
    fn ordinal(&self) -> usize {
        0
    }
    fn alloc(&self, bytes: usize) -> Result<DevicePtr> {
        self.inner.alloc(bytes)
    }
    unsafe fn free(&self, ptr: DevicePtr, bytes: usize) {
        // SAFETY: forwarded contract.
        unsafe { self.inner.free(ptr, bytes) }
    }
    unsafe fn copy_htod(&self, dst: DevicePtr, src: &[u8]) -> Result<()> {
        // SAFETY: forwarded contract.
        unsafe { self.inner.copy_htod(dst, src) }
    }
    unsafe fn copy_dtoh(&self, dst: &mut [u8], src: DevicePtr) -> Result<()> {
        // SAFETY: forwarded contract.
        unsafe { self.inner.copy_dtoh(dst, src) }
    }
    unsafe fn copy_dtod(&self, dst: DevicePtr, src: DevicePtr, bytes: usize) -> Result<()> {
        // SAFETY: forwarded contract.
        unsafe { self.inner.copy_dtod(dst, src, bytes) }
    }
    unsafe fn launch(&self, kernel: &str, cfg: LaunchConfig, args: &mut [Arg]) -> Result<()> {
        let mut args = args.to_vec();
        let name = match self.fault {
            Fault::Redirect(from, to) if from == kernel => to,
            Fault::SwapArgs(k, a, b, c, d) if k == kernel => {
                args.swap(a, b);
                args.swap(c, d);
                kernel
            }
            _ => kernel,
        };
        // SAFETY: this is the point of the test: the planted fault may break the contract, and
        // the emulated device's red zones and poisoned memory turn that into an error or wrong
        // values instead of corrupting the test process (the faults here stay within them).
        unsafe { self.inner.launch(name, cfg, &mut args) }
    }
    unsafe fn gemm(&self, g: &GemmCall) -> Result<()> {
        // SAFETY: forwarded contract.
        unsafe { self.inner.gemm(g) }
    }
    fn synchronize(&self) -> Result<()> {
        self.inner.synchronize()
    }
}

fn faulty(fault: Fault) -> CudaBackend {
    faulty_with(fault, Schedule::from_env())
}

fn faulty_with(fault: Fault, schedule: Schedule) -> CudaBackend {
    CudaBackend::from_api(Arc::new(FaultyDevice {
        inner: EmulatedDevice::new().with_schedule(schedule),
        fault,
    }))
}

fn clean() -> CudaBackend {
    CudaBackend::emulated().expect("feature emulated is on")
}

/// Runs `op` on the device and on the CPU and compares (an error counts as a mismatch).
fn parity(
    dev: &CudaBackend,
    op: impl Fn(&CudaBackend, &CudaBuf<f32>) -> weft_ops::Result<CudaBuf<f32>>,
    cpu: impl Fn(&Vec<f32>) -> weft_ops::Result<Vec<f32>>,
    data: &[f32],
) -> Check {
    let (d, c) = upload(dev, data)?;
    let want = cpu(&c).map_err(|e| e.to_string())?;
    let got = op(dev, &d).map_err(|e| format!("device error: {e}"))?;
    compare("planted", &download(dev, &got, want.len())?, &want, 1e-4)
}

#[test]
fn off_by_one_bound_is_caught() {
    let data: Vec<f32> = rand_vec(&mut Philox::new(1), 1000, -1.0, 1.0);
    let l = Layout::contiguous(&[1000]);
    let op = |d: &CudaBackend, x: &CudaBuf<f32>| d.affine(x, &l, 2.0, 1.0);
    let cpu = |x: &Vec<f32>| CpuBackend.affine(x, &l, 2.0, 1.0);
    parity(&clean(), op, cpu, &data).expect("the unbroken kernel matches the CPU");
    let err = parity(&faulty(Fault::Redirect("affine_f32", "fault_affine_off_by_one_f32")), op, cpu, &data)
        .expect_err("an off-by-one bound must be caught");
    assert!(err.contains("ILLEGAL_ADDRESS"), "caught by the red zone: {err}");
}

#[test]
fn missing_syncthreads_in_a_reduction_is_caught() {
    // rows of 1000: 256 threads, 8 warps, so the block-level step matters
    let data: Vec<f32> = rand_vec(&mut Philox::new(2), 4 * 1000, -1.0, 1.0);
    let l = Layout::contiguous(&[4, 1000]);
    let op = |d: &CudaBackend, x: &CudaBuf<f32>| d.reduce(ReduceOp::Sum, x, &l, 1);
    let cpu = |x: &Vec<f32>| CpuBackend.reduce(ReduceOp::Sum, x, &l, 1);
    let fault = Fault::Redirect("reduce_sum_f32", "fault_reduce_sum_missing_sync_f32");
    for schedule in [Schedule::Forward, Schedule::Reverse] {
        let dev = CudaBackend::from_api(Arc::new(EmulatedDevice::new().with_schedule(schedule)));
        parity(&dev, op, cpu, &data).expect("the unbroken kernel matches the CPU in either order");
    }
    // Forward order runs warp 0 (whose lane 0 writes the result) before warps 1..7 have
    // written their partials: it reads poisoned shared memory (NaN).
    let err = parity(&faulty_with(fault.clone(), Schedule::Forward), op, cpu, &data)
        .expect_err("a missing barrier must be caught");
    assert!(err.contains("planted: element"), "caught as wrong values: {err}");
    // (Reverse order runs warp 0 last, after every partial is written, and hides this
    // particular race: which is why CI runs the parity suite in both orders.)
}

#[test]
fn swapped_operands_at_a_launch_are_caught() {
    // binary_sub_f32(a, la, b, lb, out, n): swap (a, b) and (la, lb)
    let data: Vec<f32> = rand_vec(&mut Philox::new(3), 2 * 300, -1.0, 1.0);
    let (la, lb) =
        (Layout::contiguous(&[300]), Layout::from_parts([300usize][..].into(), [1usize][..].into(), 300));
    let op = |d: &CudaBackend, x: &CudaBuf<f32>| d.binary(BinaryOp::Sub, x, &la, x, &lb);
    let cpu = |x: &Vec<f32>| CpuBackend.binary(BinaryOp::Sub, x, &la, x, &lb);
    parity(&clean(), op, cpu, &data).expect("the unbroken launch matches the CPU");
    let err = parity(&faulty(Fault::SwapArgs("binary_sub_f32", 0, 2, 1, 3)), op, cpu, &data)
        .expect_err("swapped operands must be caught");
    assert!(err.contains("planted: element"), "caught as wrong values: {err}");
}

#[test]
fn swapped_sizes_at_a_launch_are_caught() {
    // reduce_max_f32(x, lx, out, rows, len): swap rows and len (10 rows of 12 become 12 rows
    // of 10: the two extra outputs land in the red zone)
    let data: Vec<f32> = rand_vec(&mut Philox::new(4), 10 * 12, -1.0, 1.0);
    let l = Layout::contiguous(&[10, 12]);
    let op = |d: &CudaBackend, x: &CudaBuf<f32>| d.reduce(ReduceOp::Max, x, &l, 1);
    let cpu = |x: &Vec<f32>| CpuBackend.reduce(ReduceOp::Max, x, &l, 1);
    parity(&clean(), op, cpu, &data).expect("the unbroken launch matches the CPU");
    let err = parity(&faulty(Fault::SwapArgs("reduce_max_f32", 3, 4, 3, 3)), op, cpu, &data)
        .expect_err("swapped sizes must be caught");
    assert!(err.contains("ILLEGAL_ADDRESS") || err.contains("planted: element"), "{err}");
}

#[test]
fn emulator_rejects_divergent_barriers_and_partial_warp_shuffles() {
    let dev = clean();
    let out = dev.zeros::<f32>(64).unwrap();
    for (kernel, block, what) in
        [("fault_divergent_barrier", 64, "divergent barrier"), ("fault_shuffle_partial_warp", 48, "mask")]
    {
        let mut args = [Arg::Ptr(out.device_ptr())];
        // SAFETY: both kernels take one float* and write out[threadIdx.x] for a block of at
        // most 64 threads; `out` holds 64 floats.
        let e = unsafe { dev.api().launch(kernel, LaunchConfig::linear(1, block, 0), &mut args) }
            .expect_err("the emulator must refuse this kernel");
        assert!(
            e.to_string().contains("CUDA_ERROR_LAUNCH_FAILED") && e.to_string().contains(what),
            "{kernel}: {e}"
        );
    }
}

#[test]
fn emulated_launch_errors_are_errors() {
    let dev = clean();
    let out = dev.zeros::<f32>(4).unwrap();
    let mut args = [Arg::Ptr(out.device_ptr()), Arg::I64(4), Arg::F32(1.0)];
    // SAFETY: a launch the emulator must refuse before running anything (no such kernel, and a
    // block of 2048 threads).
    unsafe {
        let e = dev.api().launch("no_such_kernel", LaunchConfig::linear(1, 32, 0), &mut args).unwrap_err();
        assert!(e.to_string().contains("CUDA_ERROR_NOT_FOUND"), "{e}");
        let e = dev.api().launch("fill_f32", LaunchConfig::linear(1, 2048, 0), &mut args).unwrap_err();
        assert!(e.to_string().contains("CUDA_ERROR_INVALID_VALUE"), "{e}");
    }
}
