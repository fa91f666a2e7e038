//! [`synchronize`]: waiting for a device's queued work.

use weft_ops::{Device, Result};

/// Blocks until every operation queued on `device` has finished (like
/// `torch.cuda.synchronize`). Work on a CUDA device is queued on its stream and ops return
/// before their kernels run; reading a value back (`to_vec`, `item`) waits implicitly, so this
/// is needed only to time device work or to surface a pending kernel error at a known point.
/// The CPU computes eagerly: a no-op there.
///
/// ```
/// # use weft_autograd::{synchronize, Tensor};
/// # use weft_ops::Device;
/// let x = Tensor::<f32>::ones(&[4], Device::Cpu)?.exp()?;
/// synchronize(x.device())?;
/// # Ok::<(), weft_ops::Error>(())
/// ```
pub fn synchronize(device: Device) -> Result<()> {
    match device {
        Device::Cpu => Ok(()),
        #[cfg(any(feature = "cuda", feature = "cuda-emulated"))]
        Device::Cuda(_) => weft_cuda::CudaBackend::for_device(device)?.synchronize(),
        #[cfg(not(any(feature = "cuda", feature = "cuda-emulated")))]
        Device::Cuda(_) => Err(weft_ops::Error::CudaNotCompiled),
    }
}
