//! Opening a [`CudaBackend`]: the real device, the emulated one, a cached shared handle per
//! device, or any [`DeviceApi`].

use super::CudaBackend;
use crate::api::DeviceApi;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use weft_ops::{Device, Error, Result};

impl CudaBackend {
    /// The real CUDA device `ordinal` (feature `cuda`); `Error::Cuda` when there is no such
    /// device or no driver, `Error::CudaNotCompiled` without the feature.
    pub fn new(ordinal: usize) -> Result<Self> {
        #[cfg(feature = "cuda")]
        {
            let api = crate::driver::RealDevice::new(ordinal)?;
            Ok(Self::from_api(Arc::new(api)))
        }
        #[cfg(not(feature = "cuda"))]
        {
            let _ = ordinal;
            Err(Error::CudaNotCompiled)
        }
    }

    /// The emulated CUDA device (feature `emulated`; meant for tests and CI): the same kernels
    /// and launches, run on the CPU. Without the feature, an `Error::Invalid`.
    pub fn emulated() -> Result<Self> {
        #[cfg(feature = "emulated")]
        {
            Ok(Self::from_api(Arc::new(crate::emulated::EmulatedDevice::new())))
        }
        #[cfg(not(feature = "emulated"))]
        {
            Err(Error::invalid("cuda", "the emulated CUDA device needs weft-cuda's feature `emulated`"))
        }
    }

    /// The shared backend for `device`, opened on first use and cached for the life of the
    /// process (opening a real device loads every PTX module: do it once). `Device::Cuda(i)`
    /// is the real device `i` with feature `cuda`; with only feature `emulated` it is the
    /// emulated device (ordinal 0 only). `Error::CudaNotCompiled` when neither feature is on;
    /// `Error::Invalid` for the CPU. A failed open is not cached (the next call retries).
    pub fn for_device(device: Device) -> Result<Self> {
        static OPEN: OnceLock<Mutex<HashMap<Device, CudaBackend>>> = OnceLock::new();
        let open = OPEN.get_or_init(|| Mutex::new(HashMap::new()));
        let mut open =
            open.lock().map_err(|_| Error::Cuda { op: "cuda", msg: "device table lock poisoned".into() })?;
        if let Some(b) = open.get(&device) {
            return Ok(b.clone());
        }
        let b = Self::open(device)?;
        open.insert(device, b.clone());
        Ok(b)
    }

    /// Opens a new, uncached backend for `device` (see [`CudaBackend::for_device`]).
    pub fn open(device: Device) -> Result<Self> {
        match device {
            Device::Cpu => Err(Error::invalid("cuda", "CudaBackend::for_device(cpu): use CpuBackend")),
            #[cfg(feature = "cuda")]
            Device::Cuda(i) => Self::new(i),
            #[cfg(all(feature = "emulated", not(feature = "cuda")))]
            Device::Cuda(0) => Self::emulated(),
            #[cfg(all(feature = "emulated", not(feature = "cuda")))]
            Device::Cuda(i) => {
                Err(Error::invalid("cuda", format!("the emulated CUDA device has ordinal 0, not {i}")))
            }
            #[cfg(not(any(feature = "cuda", feature = "emulated")))]
            Device::Cuda(_) => Err(Error::CudaNotCompiled),
        }
    }

    /// A backend over any [`DeviceApi`] (tests use this to wrap a device and plant faults).
    pub fn from_api(api: Arc<dyn DeviceApi>) -> Self {
        let device = Device::Cuda(api.ordinal());
        CudaBackend { api, device }
    }
}
