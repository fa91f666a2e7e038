//! Small dense vector kernels for the integrators, written with independent accumulators so
//! that the compiler vectorises them (a plain `iter().sum()` is latency bound).

/// `a . b`.
#[inline]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f64; 8];
    let mut ca = a.chunks_exact(8);
    let mut cb = b.chunks_exact(8);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    let mut tail = 0.0;
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        tail += x * y;
    }
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

/// `(s1 . (a + b), s2 . (a + b))` in one pass.
#[inline]
pub fn dot2_sum(s1: &[f64], s2: &[f64], a: &[f64], b: &[f64]) -> (f64, f64) {
    let n = a.len();
    let (s1, s2, b) = (&s1[..n], &s2[..n], &b[..n]);
    let mut acc1 = [0.0f64; 4];
    let mut acc2 = [0.0f64; 4];
    let chunks = n / 4;
    for c in 0..chunks {
        for k in 0..4 {
            let i = 4 * c + k;
            let r = a[i] + b[i];
            acc1[k] += s1[i] * r;
            acc2[k] += s2[i] * r;
        }
    }
    let (mut t1, mut t2) = (0.0, 0.0);
    for i in 4 * chunks..n {
        let r = a[i] + b[i];
        t1 += s1[i] * r;
        t2 += s2[i] * r;
    }
    ((acc1[0] + acc1[2]) + (acc1[1] + acc1[3]) + t1, (acc2[0] + acc2[2]) + (acc2[1] + acc2[3]) + t2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dots_match_naive() {
        for n in [0, 1, 3, 8, 13, 33] {
            let a: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin()).collect();
            let b: Vec<f64> = (0..n).map(|i| (i as f64 * 0.91).cos()).collect();
            let c: Vec<f64> = (0..n).map(|i| i as f64 - 4.0).collect();
            let naive: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!((dot(&a, &b) - naive).abs() < 1e-12);
            let (d1, d2) = dot2_sum(&a, &b, &c, &a);
            let n1: f64 = (0..n).map(|i| a[i] * (c[i] + a[i])).sum();
            let n2: f64 = (0..n).map(|i| b[i] * (c[i] + a[i])).sum();
            assert!((d1 - n1).abs() < 1e-10 && (d2 - n2).abs() < 1e-10);
        }
    }
}
