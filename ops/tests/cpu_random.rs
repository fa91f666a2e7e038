//! `CpuBackend` random tensors: determinism, element `i` depending only on `i` (prefixes,
//! block addressing, the documented Philox word layout), moments within 5 standard errors,
//! dropout keep fraction and scale, and independence from the rayon thread count.

use proptest::prelude::*;
use weft_ops::rng::{unit_f32, unit_f64, Philox, PhiloxState};
use weft_ops::{Backend, CpuBackend, Element};

const B: CpuBackend = CpuBackend;

fn state(seed: u64, stream: u64, offset: u64) -> PhiloxState {
    PhiloxState { key: [seed as u32, (seed >> 32) as u32], stream, offset }
}

/// The three generators at one state, as f64 (uniform in (-1, 3), normal(2, 0.5), mask 0.3).
fn draws<T: Element>(n: usize, st: PhiloxState) -> [Vec<T>; 3] {
    [
        B.uniform(n, st, T::of(-1.0), T::of(3.0)).unwrap(),
        B.normal(n, st, T::of(2.0), T::of(0.5)).unwrap(),
        B.dropout_mask(n, st, 0.3).unwrap(),
    ]
}

fn bits<T: Element>(xs: &[T]) -> Vec<u64> {
    xs.iter().map(|x| x.f64().to_bits()).collect()
}

fn check_determinism_and_prefix<T: Element>(n: usize, st: PhiloxState) {
    let a = draws::<T>(n, st);
    let b = draws::<T>(n, st);
    let longer = draws::<T>(n + 5, st);
    for g in 0..3 {
        assert_eq!(a[g].len(), n);
        assert_eq!(bits(&a[g]), bits(&b[g]), "generator {g}: same state, same numbers");
        assert_eq!(bits(&a[g]), bits(&longer[g][..n]), "generator {g}: n={n} is a prefix of n+5");
    }
    // Block addressing: one block further along is four elements further along.
    let shifted = draws::<T>(n, PhiloxState { offset: st.offset.wrapping_add(1), ..st });
    for g in 0..3 {
        if n > 4 {
            assert_eq!(bits(&shifted[g][..n - 4]), bits(&longer[g][4..n]), "generator {g}: block offset");
        }
    }
}

/// The documented layout: element `i` comes from word `i % 4` of block `i / 4`; normals are
/// Box-Muller on word pairs (0, 1) and (2, 3) of each block.
fn check_word_layout(n: usize, st: PhiloxState) {
    let (lo, hi) = (-1.0, 3.0);
    let u64s = B.uniform::<f64>(n, st, lo, hi).unwrap();
    let u32s = B.uniform::<f32>(n, st, lo as f32, hi as f32).unwrap();
    let z = B.normal::<f64>(n, st, 2.0, 0.5).unwrap();
    let m = B.dropout_mask::<f64>(n, st, 0.3).unwrap();
    for i in 0..n {
        let w = st.block((i / 4) as u64);
        let want = lo + (hi - lo) * unit_f64(w[i % 4]);
        assert!((u64s[i] - want).abs() <= 1e-14, "uniform f64 element {i}");
        let want32 = lo + (hi - lo) * unit_f32(w[i % 4]) as f64;
        assert!((u32s[i] as f64 - want32).abs() <= 1e-6, "uniform f32 element {i}");
        let pair = if i % 4 < 2 { 0 } else { 2 };
        let (u1, u2) = (unit_f64(w[pair]), unit_f64(w[pair + 1]));
        let r = (-2.0 * u1.ln()).sqrt();
        let theta = 2.0 * std::f64::consts::PI * u2;
        let zi = if i % 2 == 0 { r * theta.cos() } else { r * theta.sin() };
        assert!(
            (z[i] - (2.0 + 0.5 * zi)).abs() <= 1e-12,
            "normal element {i}: {} vs {}",
            z[i],
            2.0 + 0.5 * zi
        );
        let keep = unit_f64(w[i % 4]) < 0.3;
        assert_eq!(m[i], if keep { 1.0 / 0.3 } else { 0.0 }, "dropout element {i}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_tensors_are_deterministic_and_indexed_by_element(
        n in 0usize..200,
        seed in any::<u64>(),
        stream in any::<u64>(),
        offset in any::<u64>(),
    ) {
        let st = state(seed, stream, offset);
        check_determinism_and_prefix::<f32>(n, st);
        check_determinism_and_prefix::<f64>(n, st);
        check_word_layout(n, st);
    }
}

/// Mean and variance of `xs` against the expected ones, within 5 standard errors
/// (`mu4` is the fourth central moment, for the standard error of the variance).
fn check_moments(xs: &[f64], mean: f64, var: f64, mu4: f64, what: &str) {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0);
    let se_mean = (var / n).sqrt();
    let se_var = ((mu4 - var * var) / n).sqrt();
    assert!((m - mean).abs() < 5.0 * se_mean, "{what}: mean {m}, expected {mean} (se {se_mean})");
    assert!((v - var).abs() < 5.0 * se_var, "{what}: variance {v}, expected {var} (se {se_var})");
}

fn check_distributions<T: Element>(seed: u64) {
    let n = 100_000;
    let st = state(seed, 3, 0);
    let (lo, hi) = (-1.0, 3.0);
    let u: Vec<f64> = B.uniform(n, st, T::of(lo), T::of(hi)).unwrap().iter().map(|x| x.f64()).collect();
    let w = hi - lo;
    check_moments(
        &u,
        (lo + hi) / 2.0,
        w * w / 12.0,
        w.powi(4) / 80.0,
        &format!("uniform {}", T::DTYPE.name()),
    );
    // In f32 the affine map may round onto an end point; in f64 it cannot.
    assert!(
        u.iter().all(|&x| if T::DTYPE.name() == "f64" { lo < x && x < hi } else { lo <= x && x <= hi }),
        "uniform outside ({lo}, {hi})"
    );
    let unit = B.uniform(n, st, T::zero(), T::one()).unwrap();
    assert!(
        unit.iter().all(|&x| x > T::zero() && x < T::one()),
        "uniform(0, 1) must be in the open interval"
    );

    let (mu, sd) = (2.0, 0.5);
    let z: Vec<f64> = B.normal(n, st, T::of(mu), T::of(sd)).unwrap().iter().map(|x| x.f64()).collect();
    assert!(z.iter().all(|x| x.is_finite()));
    check_moments(&z, mu, sd * sd, 3.0 * sd.powi(4), &format!("normal {}", T::DTYPE.name()));

    for keep in [0.1, 0.5, 0.9] {
        let m = B.dropout_mask::<T>(n, st, keep).unwrap();
        let scale = T::of(1.0 / keep);
        assert!(m.iter().all(|&x| x == T::zero() || x == scale), "dropout values must be 0 or 1/keep");
        let kept = m.iter().filter(|&&x| x != T::zero()).count() as f64 / n as f64;
        let se = (keep * (1.0 - keep) / n as f64).sqrt();
        assert!((kept - keep).abs() < 5.0 * se, "dropout keep {keep}: kept fraction {kept} (se {se})");
        // E[mask] = 1: the 1/keep scale keeps activations unbiased.
        let mean = m.iter().map(|x| x.f64()).sum::<f64>() / n as f64;
        let se_mean = ((1.0 - keep) / keep / n as f64).sqrt();
        assert!((mean - 1.0).abs() < 5.0 * se_mean, "dropout keep {keep}: mask mean {mean}");
    }
    let all = B.dropout_mask::<T>(n, st, 1.0).unwrap();
    assert!(all.iter().all(|&x| x == T::one()), "keep = 1 keeps everything");
}

#[test]
fn moments_keep_fraction_and_range() {
    for seed in [1, 0xDEAD_BEEF] {
        check_distributions::<f32>(seed);
        check_distributions::<f64>(seed);
    }
}

/// The unit mappings never reach 0 or 1, for every word including the extremes.
#[test]
fn unit_mappings_are_in_the_open_interval() {
    for w in [0, 1, 255, 256, 1 << 31, u32::MAX - 256, u32::MAX - 255, u32::MAX - 1, u32::MAX] {
        let (a, b) = (unit_f32(w), unit_f64(w));
        assert!(a > 0.0 && a < 1.0, "unit_f32({w:#x}) = {a}");
        assert!(b > 0.0 && b < 1.0, "unit_f64({w:#x}) = {b}");
    }
    // Monotone in the word, so no two halves of the range overlap after rounding.
    let mut g = Philox::new(5);
    for _ in 0..10_000 {
        let (x, y) = (g.next_u32(), g.next_u32());
        let (lo, hi) = (x.min(y), x.max(y));
        assert!(unit_f32(lo) <= unit_f32(hi) && unit_f64(lo) <= unit_f64(hi));
    }
}

fn check_thread_independence<T: Element>() {
    let n = 100_000;
    let st = state(42, 7, 11);
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let three = rayon::ThreadPoolBuilder::new().num_threads(3).build().unwrap();
    let serial = one.install(|| draws::<T>(n, st));
    let parallel = draws::<T>(n, st);
    let odd = three.install(|| draws::<T>(n, st));
    for g in 0..3 {
        assert_eq!(
            bits(&serial[g]),
            bits(&parallel[g]),
            "generator {g} ({}): 1 thread vs default",
            T::DTYPE.name()
        );
        assert_eq!(bits(&serial[g]), bits(&odd[g]), "generator {g} ({}): 1 thread vs 3", T::DTYPE.name());
    }
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    check_thread_independence::<f32>();
    check_thread_independence::<f64>();
}
