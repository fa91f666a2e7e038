//! Element types: `f32` and `f64`, and the index type used for gathers and sparse structure.

use num_traits::{Float, FromPrimitive, ToPrimitive};
use std::fmt::{Debug, Display};
use std::iter::Sum;

/// The index type of gathers, scatters, argmax results and sparse column ids.
///
/// Index data is never carried through floats. `u32` addresses four billion rows, enough for
/// every graph that fits in one machine's memory, and halves the traffic of sparse kernels.
pub type Idx = u32;

/// Runtime tag of an element type (used by backends that dispatch to typed kernels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DType {
    F32,
    F64,
}

impl DType {
    /// Size of one element in bytes.
    pub fn size_in_bytes(self) -> usize {
        match self {
            DType::F32 => 4,
            DType::F64 => 8,
        }
    }
    /// Short name (`"f32"` or `"f64"`), as used in kernel names and file formats.
    pub fn name(self) -> &'static str {
        match self {
            DType::F32 => "f32",
            DType::F64 => "f64",
        }
    }
}

/// A floating-point element type weft computes in: `f32` or `f64`.
pub trait Element:
    Float + FromPrimitive + ToPrimitive + Default + Debug + Display + Sum + Send + Sync + 'static
{
    /// Runtime tag of this type.
    const DTYPE: DType;
    /// Machine epsilon.
    const EPS: Self;
    /// Lossy conversion from `f64`.
    fn of(x: f64) -> Self;
    /// Conversion to `f64`.
    fn f64(self) -> f64;
}

impl Element for f32 {
    const DTYPE: DType = DType::F32;
    const EPS: Self = f32::EPSILON;
    #[inline(always)]
    fn of(x: f64) -> Self {
        x as f32
    }
    #[inline(always)]
    fn f64(self) -> f64 {
        self as f64
    }
}

impl Element for f64 {
    const DTYPE: DType = DType::F64;
    const EPS: Self = f64::EPSILON;
    #[inline(always)]
    fn of(x: f64) -> Self {
        x
    }
    #[inline(always)]
    fn f64(self) -> f64 {
        self
    }
}
