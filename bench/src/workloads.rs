//! Workloads shared by benches and their sanity tests.

use weft_autograd::{Float, Result, Tensor};
use weft_ops::{rng::Philox, Device};

/// The Bayesian-crate workload: a 1-50-1 tanh MLP regression on 100 points
/// (`y = sin(3x) + N(0, 0.1^2)` on `[-2, 2]`), with N(0, 1) priors on all 151 parameters and
/// known noise 0.1.
pub struct TanhMlpDensity<T: Float> {
    x: Tensor<T>,
    y: Tensor<T>,
    /// Current parameter values: `w1 [1, 50]`, `b1 [50]`, `w2 [50, 1]`, `b2 [1]`.
    pub params: [Tensor<T>; 4],
}

impl<T: Float> TanhMlpDensity<T> {
    /// The data set and a random starting point, seeded.
    pub fn new(seed: u64) -> Result<Self> {
        let mut rng = Philox::new(seed);
        let n = 100;
        let xs: Vec<f64> = (0..n).map(|i| -2.0 + 4.0 * i as f64 / (n - 1) as f64).collect();
        let ys: Vec<T> = xs.iter().map(|&x| T::of((3.0 * x).sin() + 0.1 * rng.normal())).collect();
        let x = Tensor::from_vec(xs.iter().map(|&v| T::of(v)).collect(), &[n, 1])?;
        let y = Tensor::from_vec(ys, &[n, 1])?;
        let dev = Device::Cpu;
        let params = [
            Tensor::randn(&[1, 50], 0.0, 1.0, &mut rng, dev)?,
            Tensor::randn(&[50], 0.0, 1.0, &mut rng, dev)?,
            Tensor::randn(&[50, 1], 0.0, 1.0, &mut rng, dev)?,
            Tensor::randn(&[1], 0.0, 1.0, &mut rng, dev)?,
        ];
        Ok(TanhMlpDensity { x, y, params })
    }

    /// Log density (up to a constant) and its gradient with respect to the four parameter
    /// tensors, through the tape.
    pub fn log_density_and_grad(&self) -> Result<(T, [Tensor<T>; 4])> {
        let p: Vec<Tensor<T>> = self.params.iter().map(|t| t.requires_grad()).collect();
        let h = self.x.matmul(&p[0])?.add(&p[1])?.tanh()?;
        let pred = h.matmul(&p[2])?.add(&p[3])?;
        let loglik = pred.sub(&self.y)?.square()?.sum_all()?.mul_scalar(-0.5 / 0.01)?;
        let mut prior = p[0].square()?.sum_all()?;
        for t in &p[1..] {
            prior = prior.add(&t.square()?.sum_all()?)?;
        }
        let logp = loglik.add(&prior.mul_scalar(-0.5)?)?;
        let grads = logp.backward()?;
        let g =
            |i: usize| grads.get(&p[i]).cloned().ok_or_else(|| weft_ops::Error::autograd("missing gradient"));
        Ok((logp.item()?, [g(0)?, g(1)?, g(2)?, g(3)?]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn density_gradient_matches_finite_differences() {
        let mut d = TanhMlpDensity::<f64>::new(3).unwrap();
        let (_, grads) = d.log_density_and_grad().unwrap();
        let h = 1e-6;
        for (k, i) in [(0, 7), (1, 3), (2, 11), (3, 0)] {
            let mut v = d.params[k].to_vec().unwrap();
            let shape = d.params[k].shape().to_vec();
            let orig = v[i];
            v[i] = orig + h;
            d.params[k] = Tensor::from_vec(v.clone(), &shape).unwrap();
            let up = d.log_density_and_grad().unwrap().0;
            v[i] = orig - h;
            d.params[k] = Tensor::from_vec(v.clone(), &shape).unwrap();
            let down = d.log_density_and_grad().unwrap().0;
            v[i] = orig;
            d.params[k] = Tensor::from_vec(v, &shape).unwrap();
            let fd = (up - down) / (2.0 * h);
            let an = grads[k].to_vec().unwrap()[i];
            assert!((fd - an).abs() <= 1e-5 * (1.0 + an.abs()), "param {k}[{i}]: fd {fd} vs analytic {an}");
        }
    }
}
