//! Graph utilities: k-hop subgraphs, neighbour sampling, random walks, batching and the random
//! graph generators, on hand-checkable graphs and by invariants on random ones.

mod sparse_common;

use std::collections::VecDeque;
use weft_ops::rng::Philox;
use weft_ops::sparse::graph::{batch_graphs, k_hop_subgraph, random_walks, sample_neighbours};
use weft_ops::sparse::random::{erdos_renyi, power_law};
use weft_ops::sparse::{segment_sum, CooOptions, CsrPattern};
use weft_ops::{Error, Idx};

/// Path 0 - 1 - 2 - 3 - 4 plus an isolated node 5.
fn path() -> CsrPattern {
    CsrPattern::from_coo(6, 6, &[0, 1, 2, 3], &[1, 2, 3, 4], CooOptions::undirected()).unwrap()
}

/// Breadth-first distances from `seeds` (following rows), `usize::MAX` when unreachable.
fn bfs(g: &CsrPattern, seeds: &[Idx]) -> Vec<usize> {
    let mut d = vec![usize::MAX; g.n_rows()];
    let mut q = VecDeque::new();
    for &s in seeds {
        if d[s as usize] == usize::MAX {
            d[s as usize] = 0;
            q.push_back(s as usize);
        }
    }
    while let Some(u) = q.pop_front() {
        for &v in g.row(u) {
            if d[v as usize] == usize::MAX {
                d[v as usize] = d[u] + 1;
                q.push_back(v as usize);
            }
        }
    }
    d
}

#[test]
fn k_hop_on_a_path() {
    let g = path();
    let s = k_hop_subgraph(&g, &[2], 2).unwrap();
    assert_eq!(s.nodes, vec![2, 1, 3, 0, 4]);
    assert_eq!(s.hops, vec![0, 1, 1, 2, 2]);
    // Induced edges in local ids: 2-1, 2-3, 1-0, 3-4 both ways.
    assert_eq!(s.pattern.nnz(), 8);
    assert_eq!(s.pattern.row(0), &[1, 2]);
    assert_eq!(s.pattern.row(3), &[1]);
    let s0 = k_hop_subgraph(&g, &[5, 5], 3).unwrap();
    assert_eq!((s0.nodes, s0.pattern.nnz()), (vec![5], 0));
    let e = k_hop_subgraph(&g, &[6], 1).unwrap_err();
    assert!(matches!(e, Error::Index { .. }) && e.to_string().contains("seed id 6 at position 0"), "{e}");
}

#[test]
fn k_hop_invariants_on_random_graphs() {
    for seed in 0..4 {
        let g = erdos_renyi(300, 450, seed % 2 == 0, seed).unwrap();
        let seeds = [seed as Idx, 7, 100];
        for k in 0..4 {
            let s = k_hop_subgraph(&g, &seeds, k).unwrap();
            let d = bfs(&g, &seeds);
            let mut want: Vec<Idx> = (0..300).filter(|&v| d[v] <= k).map(|v| v as Idx).collect();
            let mut got = s.nodes.clone();
            got.sort_unstable();
            want.sort_unstable();
            assert_eq!(got, want, "seed {seed} k {k}");
            for (l, &v) in s.nodes.iter().enumerate() {
                assert_eq!(s.hops[l] as usize, d[v as usize]);
            }
            // Induced: exactly the edges of g between kept nodes, with correct edge ids.
            let kept = |v: Idx| d[v as usize] <= k;
            let n_induced = (0..300)
                .filter(|&u| kept(u as Idx))
                .map(|u| g.row(u).iter().filter(|&&v| kept(v)).count())
                .sum::<usize>();
            assert_eq!(s.pattern.nnz(), n_induced);
            for lu in 0..s.pattern.n_rows() {
                for e in s.pattern.row_range(lu) {
                    let ge = s.edge_ids[e] as usize;
                    let gu = s.nodes[lu] as usize;
                    assert!(g.row_range(gu).contains(&ge));
                    assert_eq!(g.col_idx()[ge], s.nodes[s.pattern.col_idx()[e] as usize]);
                }
            }
        }
    }
}

#[test]
fn neighbour_sampling_invariants() {
    let g = erdos_renyi(500, 4000, false, 3).unwrap();
    let seeds: Vec<Idx> = vec![3, 1, 400, 250];
    let fanouts = [5, 3, usize::MAX];
    let s = sample_neighbours(&g, &seeds, &fanouts, &mut Philox::new(1)).unwrap();
    assert_eq!(s, sample_neighbours(&g, &seeds, &fanouts, &mut Philox::new(1)).unwrap(), "seeded");
    assert_ne!(s, sample_neighbours(&g, &seeds, &fanouts, &mut Philox::new(2)).unwrap());
    assert_eq!(s.blocks.len(), 3);
    assert_eq!(s.blocks[2].dst_nodes(), &seeds[..]);
    assert_eq!(s.input_nodes(), &s.blocks[0].src_nodes[..]);
    for l in 0..3 {
        let b = &s.blocks[l];
        let fanout = fanouts[2 - l];
        if l + 1 < 3 {
            assert_eq!(b.dst_nodes(), &s.blocks[l + 1].src_nodes[..]);
        }
        // src nodes distinct.
        let mut u = b.src_nodes.clone();
        u.sort_unstable();
        u.dedup();
        assert_eq!(u.len(), b.src_nodes.len());
        // Valid CSR (sorted distinct columns), sampled rows of the right size, real edges.
        let (nr, nc, rp, ci) = b.pattern.clone().into_parts();
        assert!(CsrPattern::from_parts(nr, nc, rp, ci).is_ok());
        for d in 0..b.n_dst {
            let gd = b.src_nodes[d] as usize;
            assert_eq!(b.pattern.row(d).len(), g.row(gd).len().min(fanout));
            for e in b.pattern.row_range(d) {
                let ge = b.edge_ids[e] as usize;
                assert!(g.row_range(gd).contains(&ge));
                assert_eq!(g.col_idx()[ge], b.src_nodes[b.pattern.col_idx()[e] as usize]);
            }
        }
    }
    let e = sample_neighbours(&g, &[1, 2, 1], &[2], &mut Philox::new(0)).unwrap_err();
    assert!(matches!(e, Error::Invalid { .. }) && e.to_string().contains("seed 1 at position 2"), "{e}");
}

#[test]
fn neighbour_sampling_is_uniform() {
    // A star: node 0 has 10 neighbours; fanout 3 picks each with probability 3/10.
    let src = vec![0; 10];
    let dst: Vec<Idx> = (1..=10).collect();
    let g = CsrPattern::from_coo(11, 11, &src, &dst, CooOptions::default()).unwrap();
    let trials = 20_000;
    let mut counts = [0usize; 11];
    let mut rng = Philox::new(9);
    for _ in 0..trials {
        let s = sample_neighbours(&g, &[0], &[3], &mut rng).unwrap();
        let b = &s.blocks[0];
        assert_eq!(b.pattern.nnz(), 3);
        for &c in b.pattern.col_idx() {
            counts[b.src_nodes[c as usize] as usize] += 1;
        }
    }
    let (p, n) = (0.3, trials as f64);
    let sd = (n * p * (1.0 - p)).sqrt();
    for (v, &c) in counts.iter().enumerate().skip(1) {
        assert!((c as f64 - n * p).abs() < 5.0 * sd, "neighbour {v} picked {c} times, expected {}", n * p);
    }
}

#[test]
fn random_walks_follow_edges_and_are_uniform() {
    let g = path();
    let w = random_walks(&g, &[0, 5, 2], 6, &mut Philox::new(4)).unwrap();
    assert_eq!(w.len(), 3 * 7);
    assert_eq!(&w[7..14], &[5; 7], "an isolated node stays put");
    for walk in w.chunks_exact(7) {
        for s in walk.windows(2) {
            assert!(g.contains(s[0] as usize, s[1] as usize) || g.row(s[0] as usize).is_empty());
        }
    }
    assert_eq!(w, random_walks(&g, &[0, 5, 2], 6, &mut Philox::new(4)).unwrap());
    // First steps from node 2 (neighbours 1 and 3), many walks (parallel path): p = 1/2 each.
    let starts = vec![2 as Idx; 40_000];
    let w = random_walks(&g, &starts, 3, &mut Philox::new(5)).unwrap();
    let ones = w.chunks_exact(4).filter(|r| r[1] == 1).count() as f64;
    let n = starts.len() as f64;
    assert!((ones - n / 2.0).abs() < 5.0 * (n / 4.0).sqrt(), "{ones} of {n}");
    // Walk k depends only on the seed and k: the serial path (few walks) and the parallel path
    // (many walks) agree on the walks they share.
    let few = random_walks(&g, &starts[..3], 3, &mut Philox::new(5)).unwrap();
    assert_eq!(&few[..], &w[..12]);
    let e = random_walks(&g, &[9], 2, &mut Philox::new(0)).unwrap_err();
    assert!(matches!(e, Error::Index { .. }) && e.to_string().contains("start id 9"), "{e}");
}

#[test]
fn batching_is_block_diagonal() {
    let a = path();
    let b = erdos_renyi(7, 10, true, 2).unwrap();
    let c = CsrPattern::empty(3, 3).unwrap();
    let batch = batch_graphs(&[&a, &c, &b, &a]).unwrap();
    assert_eq!(batch.n_graphs(), 4);
    assert_eq!(batch.node_offsets, vec![0, 6, 9, 16, 22]);
    let graphs = [&a, &c, &b, &a];
    for (k, g) in graphs.iter().enumerate() {
        let (n0, e0) = (batch.node_offsets[k] as usize, batch.edge_offsets[k] as usize);
        assert_eq!(batch.edge_offsets[k + 1] as usize - e0, g.nnz());
        for i in 0..g.n_rows() {
            let want: Vec<Idx> = g.row(i).iter().map(|&c| c + n0 as Idx).collect();
            assert_eq!(batch.pattern.row(n0 + i), &want[..]);
            assert_eq!(batch.graph_ids[n0 + i] as usize, k);
        }
    }
    // Pooling per graph with the node offsets: sum of out-degrees = nnz of each graph.
    let deg: Vec<f64> = batch.pattern.out_degrees().iter().map(|&d| d as f64).collect();
    let mut pooled = vec![0.0; 4];
    segment_sum(&batch.node_offsets, &deg, 1, &mut pooled).unwrap();
    assert_eq!(pooled, graphs.iter().map(|g| g.nnz() as f64).collect::<Vec<_>>());
    let rect = CsrPattern::empty(2, 3).unwrap();
    let e = batch_graphs(&[&a, &rect]).unwrap_err();
    assert!(matches!(e, Error::Shape { .. }) && e.to_string().contains("graph 1"), "{e}");
    assert_eq!(batch_graphs(&[]).unwrap().pattern.n_rows(), 0);
}

#[test]
fn generators_are_seeded_symmetric_and_sized() {
    let g = erdos_renyi(1000, 5000, false, 1).unwrap();
    assert_eq!(g.nnz(), 10_000);
    assert_eq!(g.transpose().pattern, g, "symmetric");
    assert!((0..1000).all(|i| !g.contains(i, i)));
    assert_ne!(g, erdos_renyi(1000, 5000, false, 2).unwrap());

    let (n, m) = (20_000, 100_000);
    let p = power_law(n, m, 2.5, true, 3).unwrap();
    assert_eq!(p.nnz(), 2 * m + n);
    assert_eq!(p.transpose().pattern, p);
    assert!((0..n).all(|i| p.contains(i, i)));
    assert_eq!(p, power_law(n, m, 2.5, true, 3).unwrap());
    // Heavy tail: the largest degree is far above the mean (about 11 here); an Erdős–Rényi
    // graph's maximum stays within a few standard deviations (~ mean + 5 sqrt(mean) ~ 28).
    let max_deg = *p.out_degrees().iter().max().unwrap_or(&0);
    assert!(max_deg > 200, "max degree {max_deg}");
    assert!(matches!(erdos_renyi(4, 7, false, 0), Err(Error::Invalid { .. })));
    assert!(matches!(power_law(10, 5, 1.0, false, 0), Err(Error::Invalid { .. })));
}
