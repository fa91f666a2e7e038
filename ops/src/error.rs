//! The one error type of weft. Every fallible public function returns [`Result`].
//!
//! Errors name the operation and the shapes or values involved, so that a message such as
//! `matmul: lhs [3, 4] and rhs [5, 6]: inner dims 4 != 5` is enough to find the bug.

use std::fmt;

/// Result alias used throughout weft.
pub type Result<T> = std::result::Result<T, Error>;

/// Everything that can go wrong in weft.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// Shapes do not fit the operation (rank, broadcast, inner dimensions, lengths).
    Shape { op: &'static str, msg: String },
    /// An index (axis, row id, column id, gather index) is out of range.
    Index { op: &'static str, msg: String },
    /// An argument has a value the operation cannot accept (zero step size, negative probability, ...).
    Invalid { op: &'static str, msg: String },
    /// Cholesky met a non-positive pivot: the matrix is not (numerically) positive definite.
    NotPositiveDefinite { op: &'static str, pivot: usize, value: f64 },
    /// A NaN, an infinity or a divergent computation was detected.
    Numerical { op: &'static str, msg: String },
    /// Two operands live on different devices.
    DeviceMismatch { op: &'static str, lhs: String, rhs: String },
    /// A CUDA device was requested but weft was built without the `cuda` feature.
    CudaNotCompiled,
    /// The CUDA driver, runtime or cuBLAS reported an error (the CUDA error name is kept).
    Cuda { op: &'static str, msg: String },
    /// Autograd misuse (backward of a tensor that is not on the tape, a stale tape, ...).
    Autograd { msg: String },
    /// An I/O error, with the path that was being read or written.
    Io { path: String, msg: String },
    /// A malformed input file: the file, the 1-based line, and what was wrong.
    Parse { file: String, line: usize, msg: String },
}

impl Error {
    /// A shape error for `op`.
    pub fn shape(op: &'static str, msg: impl Into<String>) -> Self {
        Error::Shape { op, msg: msg.into() }
    }
    /// An index error for `op`.
    pub fn index(op: &'static str, msg: impl Into<String>) -> Self {
        Error::Index { op, msg: msg.into() }
    }
    /// An invalid-argument error for `op`.
    pub fn invalid(op: &'static str, msg: impl Into<String>) -> Self {
        Error::Invalid { op, msg: msg.into() }
    }
    /// A numerical-trouble error for `op`.
    pub fn numerical(op: &'static str, msg: impl Into<String>) -> Self {
        Error::Numerical { op, msg: msg.into() }
    }
    /// An autograd misuse error.
    pub fn autograd(msg: impl Into<String>) -> Self {
        Error::Autograd { msg: msg.into() }
    }
    /// An I/O error on `path`.
    pub fn io(path: impl fmt::Display, err: impl fmt::Display) -> Self {
        Error::Io { path: path.to_string(), msg: err.to_string() }
    }
    /// A parse error in `file` at 1-based `line`.
    pub fn parse(file: impl fmt::Display, line: usize, msg: impl Into<String>) -> Self {
        Error::Parse { file: file.to_string(), line, msg: msg.into() }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Shape { op, msg } => write!(f, "{op}: {msg}"),
            Error::Index { op, msg } => write!(f, "{op}: index out of range: {msg}"),
            Error::Invalid { op, msg } => write!(f, "{op}: invalid argument: {msg}"),
            Error::NotPositiveDefinite { op, pivot, value } => {
                write!(f, "{op}: matrix is not positive definite (pivot {pivot} is {value:e})")
            }
            Error::Numerical { op, msg } => write!(f, "{op}: numerical trouble: {msg}"),
            Error::DeviceMismatch { op, lhs, rhs } => {
                write!(f, "{op}: operands on different devices ({lhs} and {rhs})")
            }
            Error::CudaNotCompiled => write!(
                f,
                "CUDA device requested but weft was built without CUDA (rebuild with `--features cuda`)"
            ),
            Error::Cuda { op, msg } => write!(f, "{op}: CUDA error: {msg}"),
            Error::Autograd { msg } => write!(f, "autograd: {msg}"),
            Error::Io { path, msg } => write!(f, "{path}: {msg}"),
            Error::Parse { file, line, msg } => write!(f, "{file}:{line}: {msg}"),
        }
    }
}

impl std::error::Error for Error {}

/// Formats a shape as `[a, b, c]` for error messages.
pub fn fmt_shape(shape: &[usize]) -> String {
    format!("{shape:?}")
}
