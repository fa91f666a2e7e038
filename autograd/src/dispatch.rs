//! Macros that run one backend primitive on whichever device the operands live on.
//!
//! Each macro binds a backend value `b` and the raw buffers, and evaluates the body (a
//! `Result` of a buffer) once per device kind: with `weft_ops::CpuBackend` on host vectors,
//! and with the operands' `&CudaBackend` on `CudaBuf`s / `CudaIdxBuf`s. Operands on different
//! devices (or different CUDA ordinals) give `Error::DeviceMismatch` naming both. In a build
//! without CUDA the CUDA arms are statically unreachable (see
//! [`crate::storage::CudaStorage`]) and the body is type-checked for the CPU only.

/// The CUDA arm shared by the macros below: checks that the storages `$c` share a device,
/// binds `$b` to the lead storage's backend and each `$x` to its buffer, and wraps the
/// body's buffer as CUDA storage.
#[cfg(any(feature = "cuda", feature = "cuda-emulated"))]
macro_rules! cuda_arm {
    ($op:expr, $lead:ident, [$($c:ident => $x:ident),+], |$b:ident| $body:expr) => {{
        $crate::storage::check_same_devices($op, &[$($c.device()),+])?;
        let $b = $lead.backend();
        $(let $x = $c.buf();)+
        Ok::<_, weft_ops::Error>($crate::storage::Storage::Cuda($crate::storage::CudaStorage::new($body?, $b)))
    }};
}

/// The CUDA arm in a build without CUDA: unreachable.
#[cfg(not(any(feature = "cuda", feature = "cuda-emulated")))]
macro_rules! cuda_arm {
    ($op:expr, $lead:ident, [$($c:ident => $x:ident),+], |$b:ident| $body:expr) => {{
        $(let _ = &$c;)+
        $lead.unreachable()
    }};
}

/// Runs `$body` with backend `$b` on a new buffer of `$device` (a `Device` value): the CPU,
/// or the shared CUDA backend of that device (`Error::CudaNotCompiled` without CUDA).
/// Evaluates to `Result<Storage<T>>`.
macro_rules! on_new_device {
    ($device:expr, |$b:ident| $body:expr) => {{
        match $device {
            weft_ops::Device::Cpu => {
                let $b = weft_ops::CpuBackend;
                Ok::<_, weft_ops::Error>($crate::storage::Storage::Cpu($body?))
            }
            weft_ops::Device::Cuda(_) => $crate::dispatch::cuda_new!($device, |$b| $body),
        }
    }};
}

/// The CUDA arm of [`on_new_device!`].
#[cfg(any(feature = "cuda", feature = "cuda-emulated"))]
macro_rules! cuda_new {
    ($device:expr, |$b:ident| $body:expr) => {{
        let $b = &weft_cuda::CudaBackend::for_device($device)?;
        Ok::<_, weft_ops::Error>($crate::storage::Storage::Cuda($crate::storage::CudaStorage::new(
            $body?, $b,
        )))
    }};
}

/// The CUDA arm of [`on_new_device!`] in a build without CUDA.
#[cfg(not(any(feature = "cuda", feature = "cuda-emulated")))]
macro_rules! cuda_new {
    ($device:expr, |$b:ident| $body:expr) => {
        Err::<$crate::storage::Storage<_>, _>(weft_ops::Error::CudaNotCompiled)
    };
}

/// Runs `$body` (a `Result<Buf<T>>`) with backend `$b` on the buffer of tensor `$t`;
/// evaluates to `Result<Storage<T>>`.
macro_rules! on_device {
    ($t:expr, |$b:ident, $x:ident| $body:expr) => {{
        match &*$t.storage {
            $crate::storage::Storage::Cpu($x) => {
                let $b = weft_ops::CpuBackend;
                Ok::<_, weft_ops::Error>($crate::storage::Storage::Cpu($body?))
            }
            $crate::storage::Storage::Cuda(c) => $crate::dispatch::cuda_arm!("", c, [c => $x], |$b| $body),
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
            ($crate::storage::Storage::Cuda(c1), $crate::storage::Storage::Cuda(c2)) => {
                $crate::dispatch::cuda_arm!($op, c1, [c1 => $x, c2 => $y], |$b| $body)
            }
            _ => Err($crate::storage::device_mismatch($op, &[$t1.device(), $t2.device()])),
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
            ($crate::storage::Storage::Cuda(c1), $crate::storage::IdxStorage::Cuda(c2)) => {
                $crate::dispatch::cuda_arm!($op, c1, [c1 => $x, c2 => $idx], |$b| $body)
            }
            _ => Err($crate::storage::device_mismatch($op, &[$t.device(), $i.device()])),
        }
    }};
}

/// Like [`on_device!`] for two tensors and an index vector, which must share a device.
macro_rules! on_device2_idx {
    ($op:expr, $t1:expr, $t2:expr, $i:expr, |$b:ident, $x:ident, $y:ident, $idx:ident| $body:expr) => {{
        match (&*$t1.storage, &*$t2.storage, &*$i.storage) {
            (
                $crate::storage::Storage::Cpu($x),
                $crate::storage::Storage::Cpu($y),
                $crate::storage::IdxStorage::Cpu($idx),
            ) => {
                let $b = weft_ops::CpuBackend;
                Ok::<_, weft_ops::Error>($crate::storage::Storage::Cpu($body?))
            }
            (
                $crate::storage::Storage::Cuda(c1),
                $crate::storage::Storage::Cuda(c2),
                $crate::storage::IdxStorage::Cuda(c3),
            ) => $crate::dispatch::cuda_arm!($op, c1, [c1 => $x, c2 => $y, c3 => $idx], |$b| $body),
            _ => Err($crate::storage::device_mismatch($op, &[$t1.device(), $t2.device(), $i.device()])),
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
            (
                $crate::storage::Storage::Cuda(c1),
                $crate::storage::Storage::Cuda(c2),
                $crate::storage::Storage::Cuda(c3),
            ) => $crate::dispatch::cuda_arm!($op, c1, [c1 => $x, c2 => $y, c3 => $z], |$b| $body),
            _ => Err($crate::storage::device_mismatch($op, &[$t1.device(), $t2.device(), $t3.device()])),
        }
    }};
}

pub(crate) use {
    cuda_arm, cuda_new, on_device, on_device2, on_device2_idx, on_device3, on_device_idx, on_new_device,
};
