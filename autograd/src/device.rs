//! Device queries: [`cuda_device`] (is there a GPU to run on?) and [`synchronize`] (wait for a
//! device's queued work).

use weft_ops::{Device, Error, Result};

/// The first CUDA device when this build has CUDA and the machine has one: `Some(Cuda(0))`
/// once a small allocation on it succeeds; `None` in a build without CUDA or when the driver
/// reports no device (`CUDA_ERROR_NO_DEVICE`, also what the stub libraries of a GPU-less CI
/// machine answer). Any other driver error is returned, so a broken installation is not
/// mistaken for a missing GPU.
///
/// ```
/// # use weft_autograd::{cuda_device, Tensor};
/// # use weft_ops::Device;
/// let device = cuda_device()?.unwrap_or(Device::Cpu);
/// let x = Tensor::<f32>::ones(&[3], device)?;
/// # Ok::<(), weft_ops::Error>(())
/// ```
pub fn cuda_device() -> Result<Option<Device>> {
    let device = Device::Cuda(0);
    match crate::Tensor::<f32>::zeros(&[1], device) {
        Ok(_) => Ok(Some(device)),
        Err(Error::CudaNotCompiled) => Ok(None),
        Err(Error::Cuda { msg, .. }) if msg.contains("CUDA_ERROR_NO_DEVICE") => Ok(None),
        Err(e) => Err(e),
    }
}

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
