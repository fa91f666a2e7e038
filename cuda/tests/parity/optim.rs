//! The fused optimiser updates (`sgd_update`, `adam_update`) on the device against
//! `CpuBackend`: several steps in a row (the state carries over), every SGD variant (plain,
//! momentum, dampening, Nesterov, weight decay), Adam and AdamW, contiguous and strided
//! gradients, and the operand errors.

use crate::support::*;
use weft_cuda::{CudaBackend, CudaBuf};
use weft_ops::optim_step::{AdamStep, SgdStep};
use weft_ops::rng::Philox;
use weft_ops::{Backend, CpuBackend, Element, Error, Layout};

const STEPS: usize = 4;

/// A gradient of `n` elements as a view: contiguous, or the transpose of a `[cols, rows]`
/// buffer with `rows * cols = n`.
fn gradient<T: Element>(
    g: &mut Philox,
    n: usize,
    strided: bool,
) -> std::result::Result<(Vec<T>, Layout), String> {
    let v = rand_vec(g, n, -1.0, 1.0);
    if !strided || !n.is_multiple_of(8) {
        return Ok((v, Layout::contiguous(&[n])));
    }
    Ok((v, Layout::contiguous(&[8, n / 8]).transpose(0, 1).map_err(|e| e.to_string())?))
}

fn state_matches<T: Element>(dev: &CudaBackend, what: &str, got: &CudaBuf<T>, want: &[T]) -> Check {
    compare(what, &download(dev, got, want.len())?, want, tol::<T>(true))
}

fn sgd<T: Element>(dev: &CudaBackend, g: &mut Philox, n: usize, strided: bool) -> Check {
    let variants = [
        ("plain", SgdStep::new(0.1)),
        ("weight decay", SgdStep { weight_decay: 0.05, ..SgdStep::new(0.1) }),
        ("momentum", SgdStep { momentum: 0.9, ..SgdStep::new(0.05) }),
        ("dampening", SgdStep { momentum: 0.8, dampening: 0.3, weight_decay: 0.01, ..SgdStep::new(0.05) }),
        ("nesterov", SgdStep { momentum: 0.9, nesterov: true, weight_decay: 0.02, ..SgdStep::new(0.05) }),
    ];
    for (name, h) in variants {
        let p0: Vec<T> = rand_vec(g, n, -1.0, 1.0);
        let (mut dp, mut cp) = upload(dev, &p0)?;
        let (mut db, mut cb) = upload(dev, &vec![T::zero(); n])?;
        for k in 0..STEPS {
            let h = SgdStep { first: k == 0, ..h };
            let (gv, lg) = gradient::<T>(g, n, strided)?;
            let (dg, cg) = upload(dev, &gv)?;
            ok("cpu sgd_update", CpuBackend.sgd_update(&mut cp, &cg, &lg, Some(&mut cb), &h))?;
            ok("sgd_update", dev.sgd_update(&mut dp, &dg, &lg, Some(&mut db), &h))?;
            let what = format!("sgd {name} n {n} strided {strided} step {k}");
            state_matches(dev, &format!("{what}: parameter"), &dp, &cp)?;
            if h.has_momentum() {
                state_matches(dev, &format!("{what}: momentum"), &db, &cb)?;
            }
        }
        if !h.has_momentum() && download(dev, &db, n)?.iter().any(|&b| b != T::zero()) {
            return Err(format!("sgd {name}: a step without momentum wrote the buffer"));
        }
    }
    Ok(())
}

fn adam<T: Element>(dev: &CudaBackend, g: &mut Philox, n: usize, strided: bool) -> Check {
    let base = AdamStep::new(0.01);
    let variants = [
        ("adam", base),
        ("adam l2", AdamStep { weight_decay: 0.1, ..base }),
        ("adamw", AdamStep { weight_decay: 0.1, decoupled: true, beta1: 0.8, ..base }),
    ];
    for (name, h) in variants {
        let p0: Vec<T> = rand_vec(g, n, -1.0, 1.0);
        let (mut dp, mut cp) = upload(dev, &p0)?;
        let (mut dm, mut cm) = upload(dev, &vec![T::zero(); n])?;
        let (mut dv, mut cv) = upload(dev, &vec![T::zero(); n])?;
        for k in 0..STEPS {
            let h = AdamStep { step: k as i32 + 1, ..h };
            let (gv, lg) = gradient::<T>(g, n, strided)?;
            let (dg, cg) = upload(dev, &gv)?;
            ok("cpu adam_update", CpuBackend.adam_update(&mut cp, &cg, &lg, &mut cm, &mut cv, &h))?;
            ok("adam_update", dev.adam_update(&mut dp, &dg, &lg, &mut dm, &mut dv, &h))?;
            let what = format!("{name} n {n} strided {strided} step {k}");
            state_matches(dev, &format!("{what}: parameter"), &dp, &cp)?;
            state_matches(dev, &format!("{what}: m"), &dm, &cm)?;
            state_matches(dev, &format!("{what}: v"), &dv, &cv)?;
        }
    }
    Ok(())
}

/// Wrong lengths and missing or bad state are refused on both backends alike.
fn errors<T: Element>(dev: &CudaBackend) -> Check {
    let (mut dp, mut cp) = upload(dev, &[T::one(); 6])?;
    let (dg, cg) = upload(dev, &[T::one(); 5])?;
    let (lg, h) = (Layout::contiguous(&[5]), SgdStep::new(0.1));
    let cpu = CpuBackend.sgd_update(&mut cp, &cg, &lg, None, &h);
    let got = dev.sgd_update(&mut dp, &dg, &lg, None, &h);
    if !matches!((&cpu, &got), (Err(Error::Shape { .. }), Err(Error::Shape { .. }))) {
        return Err(format!("a short gradient: CPU {cpu:?}, device {got:?}"));
    }
    let (dg, _) = upload(dev, &[T::one(); 6])?;
    let l6 = Layout::contiguous(&[6]);
    let with_momentum = SgdStep { momentum: 0.9, ..h };
    if !matches!(dev.sgd_update(&mut dp, &dg, &l6, None, &with_momentum), Err(Error::Invalid { .. })) {
        return Err("a momentum step without its buffer must be refused".into());
    }
    let (mut short, _) = upload(dev, &[T::zero(); 3])?;
    if !matches!(
        dev.sgd_update(&mut dp, &dg, &l6, Some(&mut short), &with_momentum),
        Err(Error::Shape { .. })
    ) {
        return Err("a short momentum buffer must be refused".into());
    }
    let (mut m, _) = upload(dev, &[T::zero(); 6])?;
    let bad =
        AdamStep { lr: 0.1, beta1: 1.5, beta2: 0.9, eps: 1e-8, weight_decay: 0.0, decoupled: false, step: 1 };
    if !matches!(
        dev.adam_update(&mut dp, &dg, &l6, &mut m, &mut short, &AdamStep { beta1: 0.9, ..bad }),
        Err(Error::Shape { .. })
    ) {
        return Err("a short second-moment buffer must be refused".into());
    }
    let (mut v, _) = upload(dev, &[T::zero(); 6])?;
    if !matches!(dev.adam_update(&mut dp, &dg, &l6, &mut m, &mut v, &bad), Err(Error::Invalid { .. })) {
        return Err("beta1 1.5 must be refused".into());
    }
    // Nothing above touched the parameter.
    compare("parameter after refused updates", &download(dev, &dp, 6)?, &[T::one(); 6], 0.0)
}

/// Every fused update against the CPU backend.
pub fn optimizers<T: Element>(dev: &CudaBackend) -> Check {
    let mut g = Philox::new(31);
    for (n, strided) in [(0, false), (7, false), (1000, false), (1000, true), (40_000, true)] {
        sgd::<T>(dev, &mut g, n, strided)?;
        adam::<T>(dev, &mut g, n, strided)?;
    }
    errors::<T>(dev)
}
