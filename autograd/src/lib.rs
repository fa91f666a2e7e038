//! # weft-autograd
//!
//! The user-facing layer of weft: [`Tensor`] (shared storage, strided views, a device), a
//! tape-based reverse-mode autograd, neural-network building blocks, optimisers, and
//! parameter I/O in the safetensors format.
//!
//! Modules:
//! - [`tensor`] — [`Tensor`] construction, inspection, device moves;
//! - [`tape`] — the per-thread append-only tape, [`no_grad`];
//! - [`backward`] — the reversed-loop backward pass and [`Grads`];
//! - [`ops`] — every differentiable op, forward and backward rule together, per family;
//! - [`index`] — [`Indices`], integer index vectors for gathers and scatters;
//! - [`nn`] — layers, activations, losses, initialisation, [`nn::Param`];
//! - [`optim`] — SGD, Adam, AdamW;
//! - [`sparse`] — CSR patterns on a device and differentiable SpMM, SDDMM, edge softmax, segment reductions;
//! - [`io`] — save and load named parameters (safetensors);
//! - [`synthetic`] — small generated datasets (two spirals) and accuracy;
//! - [`storage`] — where elements live (`Storage::Cpu` / `Storage::Cuda`);
//! - [`cuda_device`], [`synchronize`] — is there a GPU; waiting for a device's queued work.
//!
//! Features: `cuda` puts tensors on the GPU through weft-cuda (`Device::Cuda(i)`);
//! `cuda-emulated` makes `Device::Cuda(0)` the emulated CUDA device (tests, CI). Without
//! either, asking for a CUDA device gives `Error::CudaNotCompiled`.
//!
//! ```
//! use weft_autograd::{nn::{Linear, Module}, optim::{Adam, Optimizer}, Tensor};
//! use weft_ops::{rng::Philox, Device};
//! let mut rng = Philox::new(0);
//! let layer = Linear::<f32>::new(3, 1, true, &mut rng, Device::Cpu)?;
//! let mut opt = Adam::new(layer.parameters(), 0.01);
//! let x = Tensor::from_slice(&[1.0, 2.0, 3.0], &[1, 3])?;
//! let loss = layer.forward(&x)?.square()?.sum_all()?;
//! let grads = loss.backward()?;
//! opt.step(&grads)?;
//! # Ok::<(), weft_ops::Error>(())
//! ```

mod dispatch;

pub mod backward;
mod device;
pub mod index;
pub mod io;
pub mod nn;
pub mod ops;
pub mod optim;
pub mod sparse;
pub mod storage;
pub mod synthetic;
pub mod tape;
pub mod tensor;

pub use backward::Grads;
pub use device::{cuda_device, synchronize};
pub use index::Indices;
pub use tape::{clear_tape, is_grad_enabled, no_grad, no_grad_guard, Tape};
pub use tensor::Tensor;
/// The CUDA backend (with feature `cuda` or `cuda-emulated`), for code that reaches into
/// [`storage::CudaStorage`].
#[cfg(any(feature = "cuda", feature = "cuda-emulated"))]
pub use weft_cuda;
pub use weft_ops::{Device, Error, Result};

use tape::{TAPE_F32, TAPE_F64};

/// An element type with a tape: `f32` or `f64`.
pub trait Float: weft_ops::Element {
    /// Runs `f` with this thread's tape for this element type.
    fn with_tape<R>(f: impl FnOnce(&mut Tape<Self>) -> R) -> R;
}

impl Float for f32 {
    fn with_tape<R>(f: impl FnOnce(&mut Tape<Self>) -> R) -> R {
        TAPE_F32.with(|t| f(&mut t.borrow_mut()))
    }
}

impl Float for f64 {
    fn with_tape<R>(f: impl FnOnce(&mut Tape<Self>) -> R) -> R {
        TAPE_F64.with(|t| f(&mut t.borrow_mut()))
    }
}
