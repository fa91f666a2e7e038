//! [`StridedArg`]: a strided view passed to a kernel by value, with its dimensions coalesced.

use weft_ops::{Error, Layout, Result};

/// Most dimensions a kernel's strided view has (after coalescing); `WEFT_MAX_DIMS` in
/// kernels/common.cuh.
pub const MAX_DIMS: usize = 8;

/// Mirror of `struct Strided` in kernels/common.cuh: view element `i` (row-major over
/// `shape[..rank]`) is at `offset + Σ idx_d · strides[d]`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StridedArg {
    /// Dimensions (`rank` used).
    pub shape: [i64; MAX_DIMS],
    /// Strides in elements.
    pub strides: [i64; MAX_DIMS],
    /// Offset of the first element.
    pub offset: i64,
    /// Number of dimensions used.
    pub rank: i32,
    /// Padding (keeps the C layout explicit).
    pub pad: i32,
}

impl StridedArg {
    /// The view `l`, with size-1 dimensions dropped and mergeable neighbours merged (this keeps
    /// the map from row-major element index to buffer offset). Fails for views that still have
    /// more than [`MAX_DIMS`] dimensions.
    pub fn new(op: &'static str, l: &Layout) -> Result<Self> {
        let mut dims: Vec<(usize, usize)> = Vec::with_capacity(l.rank());
        for (&d, &s) in l.shape().iter().zip(l.strides()) {
            if d == 1 {
                continue;
            }
            match dims.last_mut() {
                Some(last) if last.1 == s * d => *last = (last.0 * d, s),
                _ => dims.push((d, s)),
            }
        }
        if l.numel() == 0 {
            dims = vec![(0, 1)];
        }
        if dims.len() > MAX_DIMS {
            return Err(Error::invalid(
                op,
                format!(
                    "view of shape {:?} with strides {:?} has {} non-mergeable dims; the CUDA kernels take at most {MAX_DIMS}",
                    l.shape(),
                    l.strides(),
                    dims.len()
                ),
            ));
        }
        let mut a = StridedArg {
            shape: [1; MAX_DIMS],
            strides: [0; MAX_DIMS],
            offset: l.offset() as i64,
            rank: dims.len() as i32,
            pad: 0,
        };
        for (i, (d, s)) in dims.into_iter().enumerate() {
            a.shape[i] = d as i64;
            a.strides[i] = s as i64;
        }
        Ok(a)
    }

    /// The buffer offset of row-major element `i` (host mirror of the kernels' `strided_offset`).
    pub fn offset_of(&self, mut i: usize) -> usize {
        let mut off = self.offset;
        for d in (0..self.rank as usize).rev() {
            let s = self.shape[d] as usize;
            off += ((i % s) as i64) * self.strides[d];
            i /= s;
        }
        off as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offsets(l: &Layout) -> Vec<usize> {
        let mut v = vec![];
        l.for_each_offset(|o| v.push(o));
        v
    }

    #[test]
    fn coalescing_keeps_every_offset() {
        let base = Layout::contiguous(&[2, 3, 4, 5]);
        let views = [
            base.clone(),
            base.transpose(1, 3).unwrap(),
            base.narrow(2, 1, 2).unwrap(),
            base.narrow(3, 2, 3).unwrap().transpose(0, 2).unwrap(),
            Layout::contiguous(&[3, 1]).broadcast_to(&[2, 3, 4]).unwrap(),
            Layout::contiguous(&[1, 1]),
        ];
        for l in &views {
            let s = StridedArg::new("test", l).unwrap();
            let want = offsets(l);
            let got: Vec<usize> = (0..l.numel()).map(|i| s.offset_of(i)).collect();
            assert_eq!(got, want, "{l:?} -> {s:?}");
        }
        assert_eq!(StridedArg::new("test", &base).unwrap().rank, 1);
    }

    #[test]
    fn too_many_dims_is_an_error() {
        let l = Layout::contiguous(&[2; 10]).permute(&[9, 8, 7, 6, 5, 4, 3, 2, 1, 0]).unwrap();
        assert!(StridedArg::new("test", &l).is_err());
    }
}
