//! [`Tensor`]: a cheap handle to shared storage, a strided layout, and a tape link.

use crate::dispatch::{on_device, on_new_device};
use crate::storage::Storage;
use crate::tape::{is_grad_enabled, BackwardFn, GradLink, Grads2, LeafId, Node};
use crate::Float;
use smallvec::SmallVec;
use std::fmt;
use std::sync::Arc;
use weft_ops::{error::fmt_shape, Backend, Device, Error, Layout, Result};

/// An n-dimensional array of `f32` or `f64` on a device, with reverse-mode autograd.
///
/// Cloning is cheap (an `Arc` bump). Views (`transpose`, `narrow`, `reshape` of contiguous
/// data, `broadcast_to`) share the storage. Every op that can fail returns a `Result` whose
/// error names the op and the shapes.
///
/// ```
/// use weft_autograd::Tensor;
/// let x = Tensor::<f64>::from_slice(&[1.0, 2.0, 3.0, 4.0], &[2, 2])?.requires_grad();
/// let y = x.matmul(&x)?.sum_all()?;
/// let grads = y.backward()?;
/// assert_eq!(grads.get(&x).unwrap().shape(), &[2, 2]);
/// # Ok::<(), weft_ops::Error>(())
/// ```
pub struct Tensor<T: Float> {
    pub(crate) storage: Arc<Storage<T>>,
    pub(crate) layout: Layout,
    pub(crate) link: GradLink,
}

impl<T: Float> Clone for Tensor<T> {
    fn clone(&self) -> Self {
        Tensor { storage: self.storage.clone(), layout: self.layout.clone(), link: self.link }
    }
}

impl<T: Float> fmt::Debug for Tensor<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tensor<{}>{} on {}", T::DTYPE.name(), fmt_shape(self.shape()), self.device())?;
        if self.numel() <= 16 {
            if let Ok(v) = self.to_vec() {
                write!(f, " {v:?}")?;
            }
        }
        Ok(())
    }
}

impl<T: Float> Tensor<T> {
    // ------------------------------------------------------------ construction
    pub(crate) fn from_storage(storage: Storage<T>, shape: &[usize]) -> Self {
        Tensor { storage: Arc::new(storage), layout: Layout::contiguous(shape), link: GradLink::None }
    }

    /// A new tensor sharing this one's storage with another layout (same tape link).
    pub(crate) fn with_layout(&self, layout: Layout) -> Self {
        Tensor { storage: self.storage.clone(), layout, link: GradLink::None }
    }

    fn check_len(op: &'static str, len: usize, shape: &[usize]) -> Result<()> {
        let n: usize = shape.iter().product();
        if n != len {
            return Err(Error::shape(
                op,
                format!("{len} elements cannot have shape {} ({n} elements)", fmt_shape(shape)),
            ));
        }
        Ok(())
    }

    /// A tensor on the CPU owning `data` (row-major) with `shape`.
    pub fn from_vec(data: Vec<T>, shape: &[usize]) -> Result<Self> {
        Self::check_len("from_vec", data.len(), shape)?;
        Ok(Self::from_storage(Storage::Cpu(data), shape))
    }

    /// A tensor on the CPU copied from `data` (row-major) with `shape`.
    pub fn from_slice(data: &[T], shape: &[usize]) -> Result<Self> {
        Self::from_vec(data.to_vec(), shape)
    }

    /// A tensor on `device` from host data.
    pub fn from_slice_on(data: &[T], shape: &[usize], device: Device) -> Result<Self> {
        Self::from_slice(data, shape)?.to_device(device)
    }

    /// A 0-dimensional tensor holding `value`, on the CPU.
    pub fn scalar(value: T) -> Self {
        Self::from_storage(Storage::Cpu(vec![value]), &[])
    }

    /// A tensor of `shape` filled with `value` on `device` (filled on the device).
    pub fn full(shape: &[usize], value: T, device: Device) -> Result<Self> {
        let n = shape.iter().product();
        let storage = on_new_device!(device, |b| b.fill(n, value))?;
        Ok(Self::from_storage(storage, shape))
    }

    /// Zeros of `shape` on `device`.
    pub fn zeros(shape: &[usize], device: Device) -> Result<Self> {
        Self::full(shape, T::zero(), device)
    }

    /// Ones of `shape` on `device`.
    pub fn ones(shape: &[usize], device: Device) -> Result<Self> {
        Self::full(shape, T::one(), device)
    }

    /// Zeros with this tensor's shape and device.
    pub fn zeros_like(&self) -> Result<Self> {
        Self::zeros(self.shape(), self.device())
    }

    /// Ones with this tensor's shape and device.
    pub fn ones_like(&self) -> Result<Self> {
        Self::ones(self.shape(), self.device())
    }

    /// The `n x n` identity matrix (built on the host, then moved to `device`).
    pub fn eye(n: usize, device: Device) -> Result<Self> {
        let mut v = vec![T::zero(); n * n];
        (0..n).for_each(|i| v[i * n + i] = T::one());
        Self::from_vec(v, &[n, n])?.to_device(device)
    }

    /// `0, 1, ..., n-1` as a float tensor (built on the host, then moved to `device`).
    pub fn arange(n: usize, device: Device) -> Result<Self> {
        Self::from_vec((0..n).map(|i| T::of(i as f64)).collect(), &[n])?.to_device(device)
    }

    // ------------------------------------------------------------ inspection
    /// The dimensions.
    pub fn shape(&self) -> &[usize] {
        self.layout.shape()
    }
    /// Size of dimension `axis` (error if out of range).
    pub fn dim(&self, axis: usize) -> Result<usize> {
        self.shape().get(axis).copied().ok_or_else(|| {
            Error::index(
                "dim",
                format!("axis {axis} of a rank-{} tensor {}", self.rank(), fmt_shape(self.shape())),
            )
        })
    }
    /// Number of dimensions.
    pub fn rank(&self) -> usize {
        self.layout.rank()
    }
    /// Number of elements.
    pub fn numel(&self) -> usize {
        self.layout.numel()
    }
    /// The strided layout.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }
    /// The device the storage lives on.
    pub fn device(&self) -> Device {
        self.storage.device()
    }
    /// Is this tensor linked to the tape (a watched leaf or the output of a recorded op)?
    pub fn is_tracked(&self) -> bool {
        self.link != GradLink::None
    }
    /// The tape link.
    pub fn grad_link(&self) -> GradLink {
        self.link
    }
    /// The storage (for backends and kernels outside this crate).
    pub fn storage(&self) -> &Storage<T> {
        &self.storage
    }

    /// Copies the elements to a host vector, row-major (a download from a CUDA device, which
    /// waits for the device's queued work).
    pub fn to_vec(&self) -> Result<Vec<T>> {
        self.storage.to_vec(&self.layout)
    }

    /// Runs `f` on the elements as a host slice, row-major: borrowed for contiguous CPU
    /// tensors, copied otherwise (downloaded from a CUDA device).
    pub fn with_host_data<R>(&self, f: impl FnOnce(&[T]) -> R) -> Result<R> {
        if let (Storage::Cpu(x), Some(r)) = (&*self.storage, self.layout.contiguous_range()) {
            return Ok(f(&x[r]));
        }
        Ok(f(&self.to_vec()?))
    }

    /// The single element of a tensor with one element.
    pub fn item(&self) -> Result<T> {
        if self.numel() != 1 {
            return Err(Error::shape(
                "item",
                format!("tensor {} has {} elements, not 1", fmt_shape(self.shape()), self.numel()),
            ));
        }
        Ok(self.to_vec()?[0])
    }

    /// The same tensor on `device` (a no-op when already there; differentiable: the gradient
    /// moves back). Moves between devices copy through the host: `Error::CudaNotCompiled`
    /// for a CUDA device in a build without CUDA.
    pub fn to_device(&self, device: Device) -> Result<Self> {
        let from = self.device();
        if device == from {
            return Ok(self.clone());
        }
        let out = Self::from_storage(self.storage.to_device(&self.layout, device)?, self.shape());
        Ok(out.record(&[self], move |g, _| Ok(smallvec::smallvec![Some(g.to_device(from)?)])))
    }

    /// A contiguous copy (or `self` when already contiguous; differentiable).
    pub fn contiguous(&self) -> Result<Self> {
        if self.layout.is_contiguous() && self.layout.offset() == 0 {
            return Ok(self.clone());
        }
        let s = on_device!(self, |b, x| b.copy_contiguous(x, &self.layout))?;
        let out = Self::from_storage(s, self.shape());
        Ok(out.record(&[self], |g, _| Ok(smallvec::smallvec![Some(g.clone())])))
    }

    /// The same values, cut off from the tape.
    pub fn detach(&self) -> Self {
        Tensor { link: GradLink::None, ..self.clone() }
    }

    /// The same values as a watched leaf: gradients with respect to it are returned by
    /// `backward`. Each call creates a new leaf identity.
    pub fn requires_grad(&self) -> Self {
        Tensor { link: GradLink::Leaf(LeafId::fresh()), ..self.clone() }
    }

    /// The leaf identity, if this tensor is a watched leaf.
    pub fn leaf_id(&self) -> Option<LeafId> {
        match self.link {
            GradLink::Leaf(id) => Some(id),
            _ => None,
        }
    }

    /// Records `out` as the result of an op on `inputs` with the given backward rule, when
    /// recording is on and some input is tracked. Otherwise returns `out` untouched (the
    /// rule is dropped without being boxed).
    pub(crate) fn record(
        self,
        inputs: &[&Tensor<T>],
        backward: impl FnOnce(&Tensor<T>, &[bool]) -> Result<Grads2<T>> + 'static,
    ) -> Tensor<T> {
        if !is_grad_enabled() || inputs.iter().all(|t| t.link == GradLink::None) {
            return self;
        }
        T::with_tape(|tape| {
            let ids: SmallVec<[Option<u32>; 2]> = inputs.iter().map(|t| tape.resolve(t.link)).collect();
            if ids.iter().all(Option::is_none) {
                return self;
            }
            let id = tape.nodes.len() as u32;
            let rule: BackwardFn<T> = Box::new(backward);
            tape.nodes.push(Node { inputs: ids, backward: Some(rule), leaf: None });
            Tensor { link: GradLink::Node { generation: tape.generation, id }, ..self }
        })
    }
}

/// Checks that two tensors share a device.
pub(crate) fn same_device<T: Float>(op: &'static str, a: &Tensor<T>, b: &Tensor<T>) -> Result<()> {
    if a.device() != b.device() {
        return Err(Error::DeviceMismatch { op, lhs: a.device().to_string(), rhs: b.device().to_string() });
    }
    Ok(())
}
