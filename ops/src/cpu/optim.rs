//! Fused optimiser updates of [`CpuBackend`](super::CpuBackend): one pass over the parameter,
//! its gradient and its state, with the shared per-element formula of
//! [`crate::optim_step`]; rayon chunks above [`ELEMENTWISE_MIN`] elements.

use super::parallel::{chunk_len, ELEMENTWISE_MIN};
use super::strided;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::layout::Layout;
use crate::optim_step::{AdamStep, SgdStep};
use rayon::prelude::*;
use std::borrow::Cow;

/// The gradient view as a contiguous slice, after checking it stays inside its buffer.
fn gradient<'a, T: Element>(op: &'static str, g: &'a [T], lg: &Layout) -> Result<Cow<'a, [T]>> {
    if lg.max_offset() > g.len() {
        return Err(Error::index(
            op,
            format!("gradient view of shape {:?} reaches past its buffer of {}", lg.shape(), g.len()),
        ));
    }
    Ok(strided::contiguous(g, lg))
}

/// See [`Backend::sgd_update`](crate::Backend::sgd_update).
pub fn sgd_update<T: Element>(
    p: &mut [T],
    g: &[T],
    lg: &Layout,
    momentum: Option<&mut [T]>,
    h: &SgdStep,
) -> Result<()> {
    const OP: &str = "sgd_update";
    let n = p.len();
    let with_buf = h.check_operands(OP, n, lg.numel(), momentum.as_ref().map(|b| b.len()))?;
    let buf = if with_buf { momentum } else { None };
    let g = gradient(OP, g, lg)?;
    let s = h.scalars::<T>();
    let c = if n < ELEMENTWISE_MIN { n.max(1) } else { chunk_len(n) };
    match buf {
        None => p.par_chunks_mut(c).zip(g.par_chunks(c)).for_each(|(p, g)| {
            p.iter_mut().zip(g.iter()).for_each(|(p, &g)| s.update(p, g, None));
        }),
        Some(b) => {
            p.par_chunks_mut(c).zip(g.par_chunks(c)).zip(b.par_chunks_mut(c)).for_each(|((p, g), b)| {
                p.iter_mut().zip(g.iter()).zip(b.iter_mut()).for_each(|((p, &g), b)| s.update(p, g, Some(b)));
            })
        }
    }
    Ok(())
}

/// See [`Backend::adam_update`](crate::Backend::adam_update).
pub fn adam_update<T: Element>(
    p: &mut [T],
    g: &[T],
    lg: &Layout,
    m: &mut [T],
    v: &mut [T],
    h: &AdamStep,
) -> Result<()> {
    const OP: &str = "adam_update";
    let n = p.len();
    h.check_operands(OP, n, lg.numel(), m.len(), v.len())?;
    let g = gradient(OP, g, lg)?;
    let s = h.scalars::<T>();
    let c = if n < ELEMENTWISE_MIN { n.max(1) } else { chunk_len(n) };
    p.par_chunks_mut(c).zip(g.par_chunks(c)).zip(m.par_chunks_mut(c).zip(v.par_chunks_mut(c))).for_each(
        |((p, g), (m, v))| {
            for (((p, &g), m), v) in p.iter_mut().zip(g.iter()).zip(m.iter_mut()).zip(v.iter_mut()) {
                s.update(p, g, m, v);
            }
        },
    );
    Ok(())
}
