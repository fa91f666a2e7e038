//! Save and load named parameters in the [safetensors](https://huggingface.co/docs/safetensors)
//! format (readable by PyTorch, JAX and the `safetensors` Python package).
//!
//! ```
//! use weft_autograd::{io, nn::{Linear, Module}};
//! use weft_ops::{rng::Philox, Device};
//! let dir = std::env::temp_dir().join(format!("weft-io-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let path = dir.join("linear.safetensors");
//! let a = Linear::<f32>::new(3, 2, true, &mut Philox::new(1), Device::Cpu)?;
//! io::save_module(&path, &a)?;
//! let b = Linear::<f32>::new(3, 2, true, &mut Philox::new(2), Device::Cpu)?;
//! io::load_module(&path, &b)?;
//! assert_eq!(a.weight.value().to_vec()?, b.weight.value().to_vec()?);
//! # Ok::<(), weft_ops::Error>(())
//! ```

use crate::nn::Module;
use crate::tensor::Tensor;
use crate::Float;
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};
use std::collections::HashMap;
use std::path::Path;
use weft_ops::{error::fmt_shape, DType, Error, Result};

fn dtype_of<T: Float>() -> Dtype {
    match T::DTYPE {
        DType::F32 => Dtype::F32,
        DType::F64 => Dtype::F64,
    }
}

/// Writes named tensors to `path` (names must be distinct).
pub fn save<T: Float>(path: impl AsRef<Path>, tensors: &[(String, Tensor<T>)]) -> Result<()> {
    let path = path.as_ref();
    // The safetensors writer panics on a repeated name; report it instead.
    let mut seen = std::collections::HashSet::new();
    if let Some((name, _)) = tensors.iter().find(|(name, _)| !seen.insert(name.as_str())) {
        return Err(Error::invalid(
            "save",
            format!("tensor name {name:?} appears more than once (writing {})", path.display()),
        ));
    }
    let bytes: Vec<(String, Vec<u8>, Vec<usize>)> = tensors
        .iter()
        .map(|(name, t)| {
            let data = t.to_vec()?;
            let mut raw = Vec::with_capacity(data.len() * T::DTYPE.size_in_bytes());
            for v in data {
                match T::DTYPE {
                    DType::F32 => raw.extend_from_slice(&(v.f64() as f32).to_le_bytes()),
                    DType::F64 => raw.extend_from_slice(&v.f64().to_le_bytes()),
                }
            }
            Ok((name.clone(), raw, t.shape().to_vec()))
        })
        .collect::<Result<_>>()?;
    let views = bytes
        .iter()
        .map(|(name, raw, shape)| {
            TensorView::new(dtype_of::<T>(), shape.clone(), raw)
                .map(|v| (name.clone(), v))
                .map_err(|e| Error::io(path.display(), e))
        })
        .collect::<Result<Vec<_>>>()?;
    safetensors::serialize_to_file(views, &None, path).map_err(|e| Error::io(path.display(), e))
}

/// Reads every tensor of `path` (f32 or f64 in the file; converted to `T`), by name.
pub fn load<T: Float>(path: impl AsRef<Path>) -> Result<HashMap<String, Tensor<T>>> {
    let path = path.as_ref();
    let buf = std::fs::read(path).map_err(|e| Error::io(path.display(), e))?;
    let st = SafeTensors::deserialize(&buf)
        .map_err(|e| Error::io(path.display(), format!("not a safetensors file: {e}")))?;
    let mut out = HashMap::new();
    for (name, view) in st.tensors() {
        let data: Vec<T> = match view.dtype() {
            Dtype::F32 => view
                .data()
                .chunks_exact(4)
                .map(|c| T::of(f32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64))
                .collect(),
            Dtype::F64 => view
                .data()
                .chunks_exact(8)
                .map(|c| T::of(f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]])))
                .collect(),
            other => {
                return Err(Error::io(
                    path.display(),
                    format!("tensor {name:?} has dtype {other:?}; weft reads F32 and F64"),
                ))
            }
        };
        out.insert(name, Tensor::from_vec(data, view.shape())?);
    }
    Ok(out)
}

/// Saves every parameter of `module` under its dotted name.
pub fn save_module<T: Float>(path: impl AsRef<Path>, module: &dyn Module<T>) -> Result<()> {
    let named: Vec<(String, Tensor<T>)> =
        module.named_parameters().into_iter().map(|(n, p)| (n, p.value())).collect();
    save(path, &named)
}

/// Loads every parameter of `module` from `path`: each must be present with the same shape
/// (errors name the missing tensor or the mismatched shapes); tensors in the file that the
/// module lacks are an error too. Values move to each parameter's device. On error the module
/// is left unchanged.
pub fn load_module<T: Float>(path: impl AsRef<Path>, module: &dyn Module<T>) -> Result<()> {
    let path = path.as_ref();
    let mut stored = load::<T>(path)?;
    // Check everything before changing anything, so a failed load leaves the module as it was.
    let mut updates = Vec::new();
    for (name, p) in module.named_parameters() {
        let t = stored.remove(&name).ok_or_else(|| {
            Error::io(path.display(), format!("parameter {name:?} is missing from the file"))
        })?;
        if t.shape() != p.shape().as_slice() {
            return Err(Error::io(
                path.display(),
                format!(
                    "parameter {name:?} has shape {} in the file but {} in the model",
                    fmt_shape(t.shape()),
                    fmt_shape(&p.shape())
                ),
            ));
        }
        let t = t.to_device(p.value().device())?;
        updates.push((p, t));
    }
    if let Some(extra) = stored.keys().next() {
        return Err(Error::io(
            path.display(),
            format!("tensor {extra:?} in the file matches no parameter of the model"),
        ));
    }
    for (p, t) in updates {
        p.set(&t)?;
    }
    Ok(())
}
