//! The repository's Cora (`data/cora`, public Planetoid split) loads with the documented sizes.

use std::collections::HashSet;
use std::path::PathBuf;
use weft_gnn::OgbNodeDataset;

fn cora() -> OgbNodeDataset {
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/cora");
    OgbNodeDataset::load(folder).expect("data/cora loads")
}

#[test]
fn cora_has_the_documented_sizes() {
    let data = cora();
    assert_eq!(data.name, "cora");
    assert_eq!(data.num_nodes, 2708);
    assert_eq!(data.num_edges(), 5278);
    assert_eq!(data.dst.len(), 5278);
    assert_eq!(data.num_features, 1433);
    assert_eq!(data.features.len(), 2708 * 1433);
    assert_eq!(data.labels.len(), 2708);
    assert_eq!(data.num_classes, 7);
    assert_eq!(data.split.name, "public");
    assert_eq!(data.split.train.len(), 140);
    assert_eq!(data.split.valid.len(), 500);
    assert_eq!(data.split.test.len(), 1000);
}

#[test]
fn cora_features_are_binary_and_every_node_has_a_word() {
    let data = cora();
    assert!(data.features.iter().all(|&x| x == 0.0 || x == 1.0));
    for node in 0..data.num_nodes {
        assert!(data.feature_row(node).is_some_and(|row| row.contains(&1.0)), "node {node} has no word");
    }
}

#[test]
fn cora_edges_are_stored_once_without_self_loops() {
    let data = cora();
    let mut seen = HashSet::new();
    for (&s, &d) in data.src.iter().zip(&data.dst) {
        assert_ne!(s, d, "self loop at node {s}");
        let key = (s.min(d), s.max(d));
        assert!(seen.insert(key), "edge {s}-{d} stored twice");
    }
}

#[test]
fn cora_public_split_has_twenty_training_nodes_per_class() {
    let data = cora();
    let mut per_class = vec![0usize; data.num_classes];
    for &node in &data.split.train {
        per_class[data.labels[node as usize] as usize] += 1;
    }
    assert_eq!(per_class, vec![20; 7]);
}
