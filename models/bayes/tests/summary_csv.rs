//! The summary table and the CSV export.

mod common;
use common::*;
use weft_bayes::{sample_chains, uniform_inits, Bijection, ParamLayout, SamplerConfig};

#[test]
fn summary_table_and_csv_round_trip() {
    let layout = ParamLayout::new().block("mu", &[2], Bijection::Identity).unwrap();
    let cfg = SamplerConfig::nuts().iterations(200, 100);
    let post = sample_chains(
        |_| Ok(std_normal(2)),
        &uniform_inits(2, 2, 2.0, 1),
        &cfg,
        2,
        Some(layout.names()),
        None,
    )
    .unwrap();
    let s = post.summary().unwrap();
    let text = s.to_string();
    let lines: Vec<&str> = text.lines().collect();
    for col in ["mean", "sd", "5%", "50%", "95%", "mcse", "ess_bulk", "ess_tail", "r_hat"] {
        assert!(lines[0].contains(col), "header {:?} lacks {col}", lines[0]);
    }
    assert!(lines[1].starts_with("mu[0]") && lines[2].starts_with("mu[1]"), "{text}");
    assert!(text.contains("2 chains x 100 draws") && text.contains("gradient evaluations"), "{text}");
    // The row's numbers agree with the draws.
    let draws = post.param(1).unwrap();
    let all: Vec<f64> = draws.iter().flatten().copied().collect();
    let mean = all.iter().sum::<f64>() / all.len() as f64;
    assert!((s.rows[1].mean - mean).abs() < 1e-12);
    assert!(s.rows[1].q5 < s.rows[1].q50 && s.rows[1].q50 < s.rows[1].q95);
    assert_eq!(s.n_grad_evals, post.n_grad_evals());
    assert!(post.index_of("mu[1]").unwrap() == 1 && post.index_of("nu").is_err());

    let mut buf = Vec::new();
    post.write_csv_to(&mut buf).unwrap();
    let csv = String::from_utf8(buf).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows.len(), 1 + 2 * 100);
    assert_eq!(
        rows[0],
        "chain,draw,lp__,accept_stat__,stepsize__,treedepth__,n_leapfrog__,divergent__,energy__,mu[0],mu[1]"
    );
    // Last row: chain 1, draw 99, and the parameters parse back exactly.
    let last: Vec<&str> = rows[200].split(',').collect();
    assert_eq!((last[0], last[1]), ("1", "99"));
    let x: f64 = last[10].parse().unwrap();
    assert_eq!(x, post.chains()[1].draw(99)[1]);
    let lp: f64 = last[2].parse().unwrap();
    assert_eq!(lp, post.chains()[1].stats[99].lp);

    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("weft_bayes_draws.csv");
    post.write_csv(&path).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), csv);
    assert!(post.write_csv("/nonexistent-dir/x.csv").is_err());
}
