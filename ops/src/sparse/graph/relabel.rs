//! [`Relabel`]: a map from global node ids to dense local ids `0..n`, in first-seen order.

use crate::element::Idx;

/// Assigns local ids to global node ids in the order they are first inserted.
///
/// Uses a dense table over the global id range (O(1) per lookup); the table is as long as the
/// graph has nodes, which is the memory any graph kernel on that graph uses anyway.
#[derive(Debug, Clone)]
pub struct Relabel {
    local: Vec<Idx>,
    /// The global id of every local id, in insertion order.
    pub nodes: Vec<Idx>,
}

/// Marks a global id with no local id.
const NONE: Idx = Idx::MAX;

impl Relabel {
    /// An empty map over global ids `0..n_global`.
    pub fn new(n_global: usize) -> Self {
        Relabel { local: vec![NONE; n_global], nodes: Vec::new() }
    }
    /// The local id of `g`, inserting it if new. `g` must be `< n_global`.
    pub fn insert(&mut self, g: Idx) -> Idx {
        let slot = &mut self.local[g as usize];
        if *slot == NONE {
            *slot = self.nodes.len() as Idx;
            self.nodes.push(g);
        }
        *slot
    }
    /// The local id of `g`, if it has one.
    pub fn get(&self, g: Idx) -> Option<Idx> {
        self.local.get(g as usize).copied().filter(|&l| l != NONE)
    }
    /// Number of nodes with a local id.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }
    /// Whether no node has a local id.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}

impl Relabel {
    /// Forgets every local id (O(number of nodes inserted), the table is kept).
    pub fn clear(&mut self) {
        for &g in &self.nodes {
            self.local[g as usize] = NONE;
        }
        self.nodes.clear();
    }
}
