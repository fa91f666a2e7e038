//! Running a fused optimiser update ([`weft_ops::Backend::sgd_update`],
//! [`weft_ops::Backend::adam_update`]) on the device that holds a parameter: its value, its
//! gradient and its state must all live there (else `Error::DeviceMismatch` naming the
//! devices), and the value and state are updated in place.

use crate::storage::{check_same_devices, device_mismatch, Storage};
use crate::tensor::Tensor;
use crate::Float;
use weft_ops::optim_step::{AdamStep, SgdStep};
use weft_ops::{Backend, CpuBackend, Device, Error, Layout, Result};

/// One parameter's fused update and its hyper-parameters.
pub(crate) enum FusedUpdate {
    /// SGD; the state is the momentum buffer when the step has momentum, else empty.
    Sgd(SgdStep),
    /// Adam / AdamW; the state is the first and second moment estimates.
    Adam(AdamStep),
}

impl FusedUpdate {
    /// Updates the parameter buffer `p` and its state buffers from the gradient view
    /// `(g, lg)` with backend `b`.
    fn run<T: Float, B: Backend>(
        &self,
        b: &B,
        p: &mut B::Buf<T>,
        g: &B::Buf<T>,
        lg: &Layout,
        state: &mut [&mut B::Buf<T>],
    ) -> Result<()> {
        match (self, state) {
            (FusedUpdate::Sgd(h), state) => b.sgd_update(p, g, lg, state.first_mut().map(|m| &mut **m), h),
            (FusedUpdate::Adam(h), [m, v]) => b.adam_update(p, g, lg, m, v, h),
            (FusedUpdate::Adam(_), state) => {
                Err(Error::invalid("Adam", format!("{} moment buffers, expected 2", state.len())))
            }
        }
    }
}

/// A new state buffer of `n` zeros on `device`.
pub(crate) fn zeros_on<T: Float>(device: Device, n: usize) -> Result<Storage<T>> {
    crate::dispatch::on_new_device!(device, |b| b.zeros::<T>(n))
}

/// Runs `u` on the device of the parameter storage `p` (whole, contiguous, not shared), with
/// gradient `g` and the parameter's `state`; `op` names the optimiser in errors.
pub(crate) fn apply<T: Float>(
    op: &'static str,
    u: &FusedUpdate,
    p: &mut Storage<T>,
    g: &Tensor<T>,
    state: &mut [Storage<T>],
) -> Result<()> {
    let devices: Vec<Device> =
        [p.device(), g.device()].into_iter().chain(state.iter().map(Storage::device)).collect();
    check_same_devices(op, &devices)?;
    match (p, &*g.storage) {
        (Storage::Cpu(p), Storage::Cpu(gb)) => {
            let mut bufs = state
                .iter_mut()
                .map(|s| match s {
                    Storage::Cpu(v) => Ok(v),
                    Storage::Cuda(_) => Err(device_mismatch(op, &devices)),
                })
                .collect::<Result<Vec<_>>>()?;
            u.run(&CpuBackend, p, gb, &g.layout, &mut bufs)
        }
        #[cfg(any(feature = "cuda", feature = "cuda-emulated"))]
        (Storage::Cuda(p), Storage::Cuda(gb)) => {
            let b = p.backend().clone();
            let mut bufs = state
                .iter_mut()
                .map(|s| match s {
                    Storage::Cuda(c) => Ok(c.buf_mut()),
                    Storage::Cpu(_) => Err(device_mismatch(op, &devices)),
                })
                .collect::<Result<Vec<_>>>()?;
            u.run(&b, p.buf_mut(), gb.buf(), &g.layout, &mut bufs)
        }
        #[cfg(not(any(feature = "cuda", feature = "cuda-emulated")))]
        (Storage::Cuda(p), _) => p.unreachable(),
        _ => Err(device_mismatch(op, &devices)),
    }
}
