//! [`Param`]: a trainable tensor shared by a model and its optimiser, and the [`Module`]
//! trait that lists a model's parameters.

use crate::dispatch::on_device;
use crate::storage::Storage;
use crate::tape::{GradLink, LeafId};
use crate::tensor::Tensor;
use crate::Float;
use std::sync::{Arc, RwLock};
use weft_ops::{error::fmt_shape, Backend, Error, Result};

struct ParamInner<T: Float> {
    id: LeafId,
    value: RwLock<Tensor<T>>,
}

/// A trainable tensor. Clones share the value: the model reads it with [`Param::value`],
/// the optimiser updates it in place, and gradients are found by its leaf identity.
pub struct Param<T: Float> {
    inner: Arc<ParamInner<T>>,
}

impl<T: Float> Clone for Param<T> {
    fn clone(&self) -> Self {
        Param { inner: self.inner.clone() }
    }
}

impl<T: Float> std::fmt::Debug for Param<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Param{}", fmt_shape(&self.shape()))
    }
}

impl<T: Float> Param<T> {
    /// A parameter with initial value `value` (detached from any tape).
    pub fn new(value: Tensor<T>) -> Self {
        let id = LeafId::fresh();
        let value = Tensor { link: GradLink::Leaf(id), ..value.detach() };
        Param { inner: Arc::new(ParamInner { id, value: RwLock::new(value) }) }
    }

    /// The current value, as a watched leaf (use it in the forward pass).
    pub fn value(&self) -> Tensor<T> {
        // A poisoned lock only means another thread panicked mid-update; the tensor handle
        // itself is always valid, so keep going with it.
        self.inner.value.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The leaf identity (the key of this parameter's gradient in `Grads`).
    pub fn id(&self) -> LeafId {
        self.inner.id
    }

    /// The shape.
    pub fn shape(&self) -> Vec<usize> {
        self.inner.value.read().unwrap_or_else(|e| e.into_inner()).shape().to_vec()
    }

    /// Number of scalar parameters.
    pub fn numel(&self) -> usize {
        self.shape().iter().product()
    }

    /// Replaces the value (same shape required).
    pub fn set(&self, value: &Tensor<T>) -> Result<()> {
        let mut guard = self.inner.value.write().unwrap_or_else(|e| e.into_inner());
        if guard.shape() != value.shape() {
            return Err(Error::shape(
                "Param::set",
                format!(
                    "new value {} for a parameter of shape {}",
                    fmt_shape(value.shape()),
                    fmt_shape(guard.shape())
                ),
            ));
        }
        *guard = Tensor { link: GradLink::Leaf(self.inner.id), ..value.detach() };
        Ok(())
    }

    /// Runs `f` on the storage of the value, on the value's device: in place when the value
    /// is its whole buffer, in order, and no other tensor shares it (the usual case after
    /// `backward` dropped the tape), else on a fresh contiguous copy (made on the device) that
    /// then becomes the value. `f` sees exactly the parameter's elements, row-major. The
    /// optimisers update through this.
    pub fn update_storage(&self, f: impl FnOnce(&mut Storage<T>) -> Result<()>) -> Result<()> {
        let mut guard = self.inner.value.write().unwrap_or_else(|e| e.into_inner());
        let t = &mut *guard;
        let whole = t.layout.is_contiguous() && t.layout.offset() == 0 && t.storage.len() == t.layout.numel();
        if whole {
            if let Some(s) = Arc::get_mut(&mut t.storage) {
                return f(s);
            }
        }
        let mut fresh = on_device!(t, |b, x| b.copy_contiguous(x, &t.layout))?;
        f(&mut fresh)?;
        let shape = t.shape().to_vec();
        *t = Tensor { link: GradLink::Leaf(self.inner.id), ..Tensor::from_storage(fresh, &shape) };
        Ok(())
    }

    /// Runs `f` on the host elements of the value, in place when the buffer is on the CPU and
    /// not shared, else on a private host copy that then becomes the value on the value's
    /// device. For custom host-side updates; the optimisers do not use it (they update on
    /// the value's device through [`Param::update_storage`]).
    ///
    /// Known cost: for a value on a CUDA device this downloads the value, runs `f` on the
    /// host and uploads the result (two copies over the bus per call, and a wait for the
    /// device).
    pub fn update_host(&self, f: impl FnOnce(&mut [T])) -> Result<()> {
        let mut guard = self.inner.value.write().unwrap_or_else(|e| e.into_inner());
        let t = &mut *guard;
        // Only this value's own elements: a contiguous view may cover part of its buffer.
        if let Some(range) = t.layout.contiguous_range() {
            if let Some(Storage::Cpu(v)) = Arc::get_mut(&mut t.storage) {
                f(&mut v[range]);
                return Ok(());
            }
        }
        let mut v = t.to_vec()?;
        f(&mut v);
        let shape = t.shape().to_vec();
        *t = Tensor {
            link: GradLink::Leaf(self.inner.id),
            ..Tensor::from_vec(v, &shape)?.to_device(t.device())?
        };
        Ok(())
    }
}

/// A model or layer with trainable parameters.
pub trait Module<T: Float> {
    /// Every parameter with a dotted name (`"layers.0.weight"`), in a stable order.
    fn named_parameters(&self) -> Vec<(String, Param<T>)>;

    /// Every parameter, in the order of [`Module::named_parameters`].
    fn parameters(&self) -> Vec<Param<T>> {
        self.named_parameters().into_iter().map(|(_, p)| p).collect()
    }

    /// Total number of scalar parameters.
    fn num_parameters(&self) -> usize {
        self.parameters().iter().map(Param::numel).sum()
    }
}

/// Prefixes every name of a sub-module's parameters with `prefix.`.
pub fn prefixed<T: Float>(prefix: &str, params: Vec<(String, Param<T>)>) -> Vec<(String, Param<T>)> {
    params.into_iter().map(|(n, p)| (format!("{prefix}.{n}"), p)).collect()
}
