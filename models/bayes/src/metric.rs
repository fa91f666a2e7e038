//! The Euclidean metric of the Hamiltonian: momentum `p ~ N(0, M)`, kinetic energy
//! `p^T M^{-1} p / 2`. Stored as the inverse mass matrix `M^{-1}` (the posterior covariance
//! estimate), diagonal or dense; the dense one keeps its Cholesky factor for momentum draws.

use weft_ops::rng::Philox;
use weft_ops::{Error, Result};

/// Which metric to use (and adapt during warm-up).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    /// `M = I`, never adapted.
    Unit,
    /// Diagonal `M^{-1}` adapted from the marginal variances.
    Diagonal,
    /// Dense `M^{-1}` adapted from the covariance.
    Dense,
}

/// An inverse mass matrix.
#[derive(Debug, Clone, PartialEq)]
pub enum Metric {
    /// Diagonal of `M^{-1}`.
    Diagonal(Vec<f64>),
    /// Row-major `M^{-1}` (`d x d`) and its lower Cholesky factor `L` (`M^{-1} = L L^T`).
    Dense {
        /// `M^{-1}`.
        inv_mass: Vec<f64>,
        /// Lower Cholesky factor of `M^{-1}`.
        chol: Vec<f64>,
    },
}

/// Lower Cholesky factor of the row-major SPD matrix `a` (`n x n`).
pub fn cholesky(op: &'static str, a: &[f64], n: usize) -> Result<Vec<f64>> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= l[i * n + k] * l[j * n + k];
            }
            if i == j {
                if !(s.is_finite() && s > 0.0) {
                    return Err(Error::NotPositiveDefinite { op, pivot: i, value: s });
                }
                l[i * n + i] = s.sqrt();
            } else {
                l[i * n + j] = s / l[j * n + j];
            }
        }
    }
    Ok(l)
}

impl Metric {
    /// The identity metric of `kind`'s storage in `dim` dimensions.
    pub fn identity(kind: MetricKind, dim: usize) -> Self {
        match kind {
            MetricKind::Unit | MetricKind::Diagonal => Metric::Diagonal(vec![1.0; dim]),
            MetricKind::Dense => {
                let mut m = vec![0.0; dim * dim];
                for i in 0..dim {
                    m[i * dim + i] = 1.0;
                }
                Metric::Dense { inv_mass: m.clone(), chol: m }
            }
        }
    }

    /// A dense metric from a row-major covariance `inv_mass`; fails if it is not SPD.
    pub fn dense(inv_mass: Vec<f64>, dim: usize) -> Result<Self> {
        if inv_mass.len() != dim * dim {
            return Err(Error::shape(
                "Metric::dense",
                format!("inverse mass has {} entries, expected {dim}x{dim}", inv_mass.len()),
            ));
        }
        let chol = cholesky("Metric::dense", &inv_mass, dim)?;
        Ok(Metric::Dense { inv_mass, chol })
    }

    /// A diagonal metric; every entry must be finite and positive.
    pub fn diagonal(inv_mass: Vec<f64>) -> Result<Self> {
        if let Some((i, v)) = inv_mass.iter().enumerate().find(|(_, v)| !(**v > 0.0 && v.is_finite())) {
            return Err(Error::numerical(
                "Metric::diagonal",
                format!("inverse mass entry {i} is {v}, must be finite and > 0"),
            ));
        }
        Ok(Metric::Diagonal(inv_mass))
    }

    /// `out = M^{-1} p` (the velocity `dq/dt`, Stan's `dtau_dp`, the "sharp" momentum).
    #[inline]
    pub fn velocity(&self, p: &[f64], out: &mut [f64]) {
        match self {
            Metric::Diagonal(m) => {
                for ((o, &pi), &mi) in out.iter_mut().zip(p).zip(m) {
                    *o = pi * mi;
                }
            }
            Metric::Dense { inv_mass, .. } => {
                let n = p.len();
                for (i, o) in out.iter_mut().enumerate() {
                    let row = &inv_mass[i * n..(i + 1) * n];
                    *o = crate::linalg::dot(row, p);
                }
            }
        }
    }

    /// Draws `p ~ N(0, M)` into `p`, using `z` (same length) as scratch.
    pub fn sample_momentum(&self, rng: &mut Philox, p: &mut [f64], z: &mut [f64]) {
        match self {
            Metric::Diagonal(m) => {
                for (pi, &mi) in p.iter_mut().zip(m) {
                    *pi = rng.normal() / mi.sqrt();
                }
            }
            Metric::Dense { chol, .. } => {
                // p = L^{-T} z has covariance (L L^T)^{-1} = M.
                let n = p.len();
                rng.fill_normal(z);
                for i in (0..n).rev() {
                    let mut s = z[i];
                    for k in i + 1..n {
                        s -= chol[k * n + i] * p[k];
                    }
                    p[i] = s / chol[i * n + i];
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_momentum_has_covariance_inverse_of_inv_mass() {
        // M^{-1} = [[2, 0.6], [0.6, 1]]; M = inverse.
        let m = Metric::dense(vec![2.0, 0.6, 0.6, 1.0], 2).unwrap();
        let det = 2.0 - 0.36;
        let mass: [f64; 4] = [1.0 / det, -0.6 / det, -0.6 / det, 2.0 / det];
        let mut rng = Philox::new(3);
        let (mut p, mut z) = ([0.0; 2], [0.0; 2]);
        let n = 200_000;
        let mut c = [0.0; 4];
        for _ in 0..n {
            m.sample_momentum(&mut rng, &mut p, &mut z);
            c[0] += p[0] * p[0];
            c[1] += p[0] * p[1];
            c[3] += p[1] * p[1];
        }
        for (k, want) in [(0, mass[0]), (1, mass[1]), (3, mass[3])] {
            let got = c[k] / n as f64;
            // sd of a sample second moment of normals <= sqrt(2) * scale / sqrt(n); 5 sd.
            let tol = 5.0 * 2f64.sqrt() * mass[0].max(mass[3]) / (n as f64).sqrt();
            assert!((got - want).abs() < tol, "{k}: {got} vs {want}");
        }
        let mut v = [0.0; 2];
        m.velocity(&[1.0, 1.0], &mut v);
        assert_eq!(v, [2.6, 1.6]);
        assert!(Metric::dense(vec![1.0, 2.0, 2.0, 1.0], 2).is_err());
        assert!(Metric::diagonal(vec![1.0, 0.0]).is_err());
    }
}
