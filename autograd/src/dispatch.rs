//! Macros that run one backend primitive on whichever device the operands live on.
//!
//! Each arm binds a backend value and the raw buffers; the CUDA arms are statically
//! unreachable in a build without CUDA (see [`crate::storage::CudaStorage`]).

/// Runs `$body` (a `Result<Buf<T>>`) with backend `$b` on the buffer of tensor `$t`;
/// evaluates to `Result<Storage<T>>`.
macro_rules! on_device {
    ($t:expr, |$b:ident, $x:ident| $body:expr) => {{
        match &*$t.storage {
            $crate::storage::Storage::Cpu($x) => {
                let $b = weft_ops::CpuBackend;
                Ok::<_, weft_ops::Error>($crate::storage::Storage::Cpu($body?))
            }
            $crate::storage::Storage::Cuda(c) => c.unreachable(),
        }
    }};
}

/// Like [`on_device!`] for two tensors, which must share a device.
macro_rules! on_device2 {
    ($op:expr, $t1:expr, $t2:expr, |$b:ident, $x:ident, $y:ident| $body:expr) => {{
        match (&*$t1.storage, &*$t2.storage) {
            ($crate::storage::Storage::Cpu($x), $crate::storage::Storage::Cpu($y)) => {
                let $b = weft_ops::CpuBackend;
                Ok::<_, weft_ops::Error>($crate::storage::Storage::Cpu($body?))
            }
            ($crate::storage::Storage::Cuda(c), _) | (_, $crate::storage::Storage::Cuda(c)) => {
                c.unreachable()
            }
        }
    }};
}

/// Like [`on_device!`] for a tensor and an index vector, which must share a device.
macro_rules! on_device_idx {
    ($op:expr, $t:expr, $i:expr, |$b:ident, $x:ident, $idx:ident| $body:expr) => {{
        match (&*$t.storage, &*$i.storage) {
            ($crate::storage::Storage::Cpu($x), $crate::storage::IdxStorage::Cpu($idx)) => {
                let $b = weft_ops::CpuBackend;
                Ok::<_, weft_ops::Error>($crate::storage::Storage::Cpu($body?))
            }
            ($crate::storage::Storage::Cuda(c), _) => c.unreachable(),
            (_, $crate::storage::IdxStorage::Cuda(c)) => c.unreachable(),
        }
    }};
}

/// Like [`on_device!`] for three tensors, which must share a device.
macro_rules! on_device3 {
    ($op:expr, $t1:expr, $t2:expr, $t3:expr, |$b:ident, $x:ident, $y:ident, $z:ident| $body:expr) => {{
        match (&*$t1.storage, &*$t2.storage, &*$t3.storage) {
            (
                $crate::storage::Storage::Cpu($x),
                $crate::storage::Storage::Cpu($y),
                $crate::storage::Storage::Cpu($z),
            ) => {
                let $b = weft_ops::CpuBackend;
                Ok::<_, weft_ops::Error>($crate::storage::Storage::Cpu($body?))
            }
            ($crate::storage::Storage::Cuda(c), _, _)
            | (_, $crate::storage::Storage::Cuda(c), _)
            | (_, _, $crate::storage::Storage::Cuda(c)) => c.unreachable(),
        }
    }};
}

pub(crate) use {on_device, on_device2, on_device3, on_device_idx};
