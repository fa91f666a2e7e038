//! Reverse-mode sweep over the tape and the [`Grads`] store it returns.

use crate::tape::{no_grad_guard, GradLink, LeafId};
use crate::tensor::Tensor;
use crate::Float;
use smallvec::SmallVec;
use std::collections::HashMap;
use weft_ops::{error::fmt_shape, Error, Result};

/// Gradients of the watched leaves, keyed by leaf identity.
pub struct Grads<T: Float> {
    map: HashMap<LeafId, Tensor<T>>,
}

impl<T: Float> std::fmt::Debug for Grads<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.map.iter()).finish()
    }
}

impl<T: Float> Default for Grads<T> {
    fn default() -> Self {
        Grads { map: HashMap::new() }
    }
}

impl<T: Float> Grads<T> {
    /// An empty store (for gradients computed by hand, e.g. clipped or accumulated ones).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the gradient of leaf `id`, returning the previous one.
    pub fn insert(&mut self, id: LeafId, grad: Tensor<T>) -> Option<Tensor<T>> {
        self.map.insert(id, grad)
    }

    /// The gradient with respect to `leaf` (a tensor made with `requires_grad`, or a
    /// parameter's value), or `None` if it did not influence the output.
    pub fn get(&self, leaf: &Tensor<T>) -> Option<&Tensor<T>> {
        leaf.leaf_id().and_then(|id| self.map.get(&id))
    }

    /// The gradient for a leaf id.
    pub fn get_id(&self, id: LeafId) -> Option<&Tensor<T>> {
        self.map.get(&id)
    }

    /// Number of leaves with a gradient.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when no leaf received a gradient.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Removes and returns the gradient of a leaf id.
    pub fn take_id(&mut self, id: LeafId) -> Option<Tensor<T>> {
        self.map.remove(&id)
    }
}

fn accumulate<T: Float>(slot: &mut Option<Tensor<T>>, g: Tensor<T>) -> Result<()> {
    *slot = Some(match slot.take() {
        None => g,
        Some(acc) => acc.add(&g)?,
    });
    Ok(())
}

impl<T: Float> Tensor<T> {
    /// Walks the tape backwards from this tensor and returns the gradients of every watched
    /// leaf it depends on. The seed gradient is ones (so a non-scalar output is treated as
    /// the sum of its elements). The tape is consumed: everything it saved is freed.
    ///
    /// Errors if this tensor was not produced by a recorded op in the current tape
    /// generation (e.g. computed under `no_grad`, or a second `backward` on the same graph).
    pub fn backward(&self) -> Result<Grads<T>> {
        let mut out = Grads { map: HashMap::new() };
        let root = match self.link {
            GradLink::None => {
                return Err(Error::autograd(format!(
                    "backward of an untracked tensor {} (no watched leaf reaches it, or it was computed under no_grad)",
                    fmt_shape(self.shape())
                )))
            }
            GradLink::Leaf(id) => {
                out.map.insert(id, self.ones_like()?);
                return Ok(out);
            }
            GradLink::Node { generation, id } => {
                let current = T::with_tape(|t| t.generation);
                if generation != current {
                    return Err(Error::autograd(
                        "backward of a tensor from an earlier tape generation or another thread's tape (the tape was already consumed by a previous backward or cleared, or the tensor was recorded on another thread)",
                    ));
                }
                id as usize
            }
        };
        let tape = T::with_tape(|t| t.take());
        let _no_grad = no_grad_guard();
        let mut nodes = tape.nodes;
        nodes.truncate(root + 1);
        let mut grads: Vec<Option<Tensor<T>>> = (0..=root).map(|_| None).collect();
        grads[root] = Some(self.detach().ones_like()?);
        while let Some(node) = nodes.pop() {
            let i = nodes.len();
            let Some(g) = grads[i].take() else { continue };
            if let Some(leaf) = node.leaf {
                out.map.insert(leaf, g);
                continue;
            }
            let Some(rule) = node.backward else { continue };
            let needs: SmallVec<[bool; 4]> = node.inputs.iter().map(Option::is_some).collect();
            let gs = rule(&g, &needs)?;
            for (input, gi) in node.inputs.iter().zip(gs) {
                if let (Some(j), Some(gi)) = (input, gi) {
                    accumulate(&mut grads[*j as usize], gi)?;
                }
            }
        }
        Ok(out)
    }
}
