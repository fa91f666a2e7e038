//! Welford estimates of the posterior (co)variance over a slow window, regularised as Stan
//! does: `S_reg = n / (n + 5) * S + 1e-3 * 5 / (n + 5) * I`.

use crate::metric::{Metric, MetricKind};
use weft_ops::{Error, Result};

/// Accumulates draws of one slow window and turns them into a new [`Metric`].
#[derive(Debug, Clone, PartialEq)]
pub struct MassMatrixAdapter {
    kind: MetricKind,
    dim: usize,
    n: usize,
    mean: Vec<f64>,
    /// Diagonal: sum of squared deviations per coordinate; dense: row-major `d x d` co-moments.
    m2: Vec<f64>,
    delta: Vec<f64>,
}

impl MassMatrixAdapter {
    /// An empty estimator for `dim` parameters.
    pub fn new(kind: MetricKind, dim: usize) -> Self {
        let m2 = match kind {
            MetricKind::Dense => vec![0.0; dim * dim],
            _ => vec![0.0; dim],
        };
        MassMatrixAdapter { kind, dim, n: 0, mean: vec![0.0; dim], m2, delta: vec![0.0; dim] }
    }

    /// Number of draws in the current window.
    pub fn count(&self) -> usize {
        self.n
    }

    /// Adds one draw (Welford's update).
    pub fn add(&mut self, q: &[f64]) {
        self.n += 1;
        let inv_n = 1.0 / self.n as f64;
        for ((d, m), &x) in self.delta.iter_mut().zip(self.mean.iter_mut()).zip(q) {
            *d = x - *m;
            *m += *d * inv_n;
        }
        match self.kind {
            MetricKind::Dense => {
                let d = self.dim;
                for (i, (&x, &m)) in q.iter().zip(&self.mean).enumerate() {
                    let after_i = x - m;
                    let row = &mut self.m2[i * d..(i + 1) * d];
                    for (r, dj) in row.iter_mut().zip(&self.delta) {
                        *r += after_i * dj;
                    }
                }
            }
            _ => {
                for (((m2, d), &x), &m) in self.m2.iter_mut().zip(&self.delta).zip(q).zip(&self.mean) {
                    *m2 += d * (x - m);
                }
            }
        }
    }

    /// The regularised estimate as a metric; clears the window. Needs at least 2 draws.
    pub fn finish(&mut self) -> Result<Metric> {
        let n = self.n as f64;
        if self.n < 2 {
            return Err(Error::invalid(
                "MassMatrixAdapter::finish",
                format!("{} draws in the window, need >= 2", self.n),
            ));
        }
        let shrink = n / (n + 5.0);
        let ridge = 1e-3 * 5.0 / (n + 5.0);
        let metric = match self.kind {
            MetricKind::Dense => {
                let d = self.dim;
                let mut cov: Vec<f64> = self.m2.iter().map(|m| shrink * m / (n - 1.0)).collect();
                for i in 0..d {
                    cov[i * d + i] += ridge;
                }
                // Symmetrise away rounding.
                for i in 0..d {
                    for j in 0..i {
                        let a = 0.5 * (cov[i * d + j] + cov[j * d + i]);
                        cov[i * d + j] = a;
                        cov[j * d + i] = a;
                    }
                }
                if cov.iter().any(|c| !c.is_finite()) {
                    return Err(Error::numerical(
                        "MassMatrixAdapter::finish",
                        "covariance estimate is not finite",
                    ));
                }
                Metric::dense(cov, d)?
            }
            _ => {
                let var: Vec<f64> = self.m2.iter().map(|m| shrink * m / (n - 1.0) + ridge).collect();
                Metric::diagonal(var)?
            }
        };
        self.n = 0;
        self.mean.fill(0.0);
        self.m2.fill(0.0);
        Ok(metric)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn welford_matches_two_pass() {
        let xs = [[1.0, 2.0], [2.0, 1.0], [4.0, 7.0], [-1.0, 0.5]];
        let n = xs.len() as f64;
        let m = [xs.iter().map(|x| x[0]).sum::<f64>() / n, xs.iter().map(|x| x[1]).sum::<f64>() / n];
        let cov =
            |a: usize, b: usize| xs.iter().map(|x| (x[a] - m[a]) * (x[b] - m[b])).sum::<f64>() / (n - 1.0);
        let (s, r) = (n / (n + 5.0), 1e-3 * 5.0 / (n + 5.0));
        let mut dense = MassMatrixAdapter::new(MetricKind::Dense, 2);
        let mut diag = MassMatrixAdapter::new(MetricKind::Diagonal, 2);
        for x in &xs {
            dense.add(x);
            diag.add(x);
        }
        match dense.finish().unwrap() {
            Metric::Dense { inv_mass, .. } => {
                assert!((inv_mass[0] - (s * cov(0, 0) + r)).abs() < 1e-12);
                assert!((inv_mass[1] - s * cov(0, 1)).abs() < 1e-12);
                assert!((inv_mass[3] - (s * cov(1, 1) + r)).abs() < 1e-12);
            }
            _ => panic!("expected dense"),
        }
        match diag.finish().unwrap() {
            Metric::Diagonal(v) => assert!((v[1] - (s * cov(1, 1) + r)).abs() < 1e-12),
            _ => panic!("expected diagonal"),
        }
        assert_eq!(diag.count(), 0);
        assert!(diag.finish().is_err());
    }
}
