//! # weft-ops
//!
//! The bottom layer of weft: element types, shapes and strided layouts, the error type, the
//! seeded Philox generator, the [`Backend`] trait listing every primitive, and [`CpuBackend`].
//! It knows nothing of autograd.
//!
//! Modules:
//! - [`element`] — `f32`/`f64` ([`Element`]) and the index type [`Idx`];
//! - [`layout`] — shapes, strides, views without copies, broadcasting;
//! - [`error`] — [`Error`] and [`Result`];
//! - [`device`] — [`Device`];
//! - [`rng`] — Philox 4x32-10, the same numbers on every backend;
//! - [`sparse`] — CSR patterns, sparse kernels (SpMM, SDDMM, edge softmax, segments) and graph utilities;
//! - [`backend`] — the [`Backend`] trait and its op enums;
//! - [`optim_step`] — optimiser hyper-parameters and their per-element update, shared by the backends;
//! - [`cpu`] — [`CpuBackend`] (rayon for big work, plain loops for tiny work, `gemm` for GEMM).

pub mod backend;
pub mod cpu;
pub mod device;
pub mod element;
pub mod error;
pub mod layout;
pub mod optim_step;
pub mod rng;
pub mod sparse;

pub use backend::{Backend, BinaryOp, CmpOp, ReduceOp, UnaryOp};
pub use cpu::CpuBackend;
pub use device::Device;
pub use element::{DType, Element, Idx};
pub use error::{Error, Result};
pub use layout::{broadcast_shapes, Dims, Layout};
