//! Where a tensor lives.

use std::fmt;

/// A compute device. The device is a value: pass it around, compare it, print it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Device {
    /// The host CPU (multi-threaded through rayon).
    #[default]
    Cpu,
    /// CUDA device with the given ordinal (needs the `cuda` feature).
    Cuda(usize),
}

impl Device {
    /// Is this the CPU?
    pub fn is_cpu(self) -> bool {
        matches!(self, Device::Cpu)
    }
}

impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Device::Cpu => write!(f, "cpu"),
            Device::Cuda(i) => write!(f, "cuda:{i}"),
        }
    }
}

impl std::str::FromStr for Device {
    type Err = crate::Error;
    /// Parses `cpu`, `cuda` (ordinal 0) or `cuda:N`.
    fn from_str(s: &str) -> crate::Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "cpu" => Ok(Device::Cpu),
            "cuda" | "gpu" => Ok(Device::Cuda(0)),
            other => match other.strip_prefix("cuda:").map(str::parse::<usize>) {
                Some(Ok(i)) => Ok(Device::Cuda(i)),
                _ => Err(crate::Error::invalid(
                    "device",
                    format!("unknown device {s:?} (expected cpu, cuda or cuda:N)"),
                )),
            },
        }
    }
}
