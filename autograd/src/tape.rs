//! The tape: an append-only arena of nodes, one per recorded op, per thread and element type.
//!
//! A node's id is its index; the arena order is a topological order, so `backward` is one
//! reversed loop with no graph sort and no recursion. The tape is taken (and so dropped, with
//! every tensor it saved) by `backward`; each take starts a new generation (numbered uniquely
//! across threads), and tensors that still point into an old generation or into another
//! thread's tape are detected instead of silently misused: `backward` from such a tensor is
//! an error, and so is a gradient flowing into one that was reused in a new graph.

use crate::tensor::Tensor;
use crate::Float;
use smallvec::SmallVec;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use weft_ops::{error::fmt_shape, Error, Result};

/// Identity of a watched leaf (a parameter or an input whose gradient is wanted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LeafId(pub(crate) u64);

impl LeafId {
    /// A fresh id, unique in this process.
    pub(crate) fn fresh() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        LeafId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// How a tensor is linked to the tape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GradLink {
    /// Not tracked: no gradient flows to or through it.
    None,
    /// Output of a recorded op: node `id` of tape generation `generation`.
    Node { generation: u64, id: u32 },
    /// A watched leaf; it gets a node on first use in each tape generation.
    Leaf(LeafId),
}

/// A backward rule: given the gradient of the output and which inputs need a gradient,
/// returns one optional gradient per input (in input order).
pub type BackwardFn<T> = Box<dyn FnOnce(&Tensor<T>, &[bool]) -> Result<Grads2<T>>>;

/// Per-input gradients returned by a backward rule.
pub type Grads2<T> = SmallVec<[Option<Tensor<T>>; 2]>;

pub(crate) struct Node<T: Float> {
    pub(crate) inputs: SmallVec<[Option<u32>; 2]>,
    pub(crate) backward: Option<BackwardFn<T>>,
    pub(crate) leaf: Option<LeafId>,
}

/// The per-thread tape of one element type.
pub struct Tape<T: Float> {
    pub(crate) generation: u64,
    pub(crate) nodes: Vec<Node<T>>,
    pub(crate) leaves: HashMap<LeafId, u32>,
}

/// A generation number unique in this process (across threads and element types), so a
/// link into another thread's tape never matches a node of this one.
fn fresh_generation() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

impl<T: Float> Default for Tape<T> {
    fn default() -> Self {
        Tape { generation: fresh_generation(), nodes: Vec::new(), leaves: HashMap::new() }
    }
}

impl<T: Float> Tape<T> {
    /// Number of recorded nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// True when nothing is recorded.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The node id for an input link in the current generation, creating leaf nodes on
    /// first use; `None` for untracked links. A stale link (from an earlier generation) gets
    /// a node whose backward rule is an error.
    pub(crate) fn resolve(&mut self, link: GradLink) -> Option<u32> {
        match link {
            GradLink::None => None,
            GradLink::Node { generation, id } if generation == self.generation => Some(id),
            GradLink::Node { .. } => {
                // A tensor whose tape was already consumed: record a node that fails if a
                // gradient ever reaches it, instead of silently treating it as a constant.
                let id = self.nodes.len() as u32;
                let rule: BackwardFn<T> = Box::new(|g: &Tensor<T>, _: &[bool]| {
                    Err(Error::autograd(format!(
                        "gradient flows into a tensor {} from an earlier tape generation or another thread's tape (its tape was consumed by backward or cleared, or belongs to another thread); detach() it to use it as a constant",
                        fmt_shape(g.shape())
                    )))
                });
                self.nodes.push(Node { inputs: SmallVec::new(), backward: Some(rule), leaf: None });
                Some(id)
            }
            GradLink::Leaf(leaf) => {
                if let Some(&id) = self.leaves.get(&leaf) {
                    return Some(id);
                }
                let id = self.nodes.len() as u32;
                self.nodes.push(Node { inputs: SmallVec::new(), backward: None, leaf: Some(leaf) });
                self.leaves.insert(leaf, id);
                Some(id)
            }
        }
    }

    /// Takes the recorded nodes and starts a new generation.
    pub(crate) fn take(&mut self) -> Tape<T> {
        std::mem::take(self)
    }

    /// Drops everything recorded so far (e.g. after a forward pass whose gradient is not
    /// needed) and starts a new generation.
    pub fn clear(&mut self) {
        drop(self.take());
    }
}

thread_local! {
    static GRAD_ENABLED: Cell<bool> = const { Cell::new(true) };
    pub(crate) static TAPE_F32: RefCell<Tape<f32>> = RefCell::new(Tape::default());
    pub(crate) static TAPE_F64: RefCell<Tape<f64>> = RefCell::new(Tape::default());
}

/// Is recording enabled on this thread?
pub fn is_grad_enabled() -> bool {
    GRAD_ENABLED.with(|g| g.get())
}

/// Restores the previous grad mode when dropped (see [`no_grad_guard`]).
pub struct GradModeGuard {
    previous: bool,
}

impl Drop for GradModeGuard {
    fn drop(&mut self) {
        GRAD_ENABLED.with(|g| g.set(self.previous));
    }
}

/// Disables recording on this thread until the returned guard is dropped.
pub fn no_grad_guard() -> GradModeGuard {
    let previous = GRAD_ENABLED.with(|g| g.replace(false));
    GradModeGuard { previous }
}

/// Runs `f` without recording anything on the tape (evaluation, optimiser updates).
///
/// ```
/// use weft_autograd::{no_grad, Tensor};
/// let w = Tensor::<f64>::from_slice(&[1.0, 2.0], &[2]).unwrap().requires_grad();
/// let y = no_grad(|| w.exp()).unwrap();
/// assert!(!y.is_tracked());
/// ```
pub fn no_grad<R>(f: impl FnOnce() -> R) -> R {
    let _guard = no_grad_guard();
    f()
}

/// Drops everything recorded on this thread's tape for element type `T`.
pub fn clear_tape<T: Float>() {
    T::with_tape(|t| t.clear());
}
