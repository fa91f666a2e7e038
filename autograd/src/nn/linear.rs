//! [`Linear`]: `y = x W + b`.

use super::init::Init;
use super::param::{Module, Param};
use crate::tensor::Tensor;
use crate::Float;
use weft_ops::{error::fmt_shape, rng::Philox, Device, Error, Result};

/// A fully connected layer `y = x W + b` with `W` stored `[in, out]` (no transpose needed).
pub struct Linear<T: Float> {
    /// Weight `[in, out]`.
    pub weight: Param<T>,
    /// Optional bias `[out]`.
    pub bias: Option<Param<T>>,
}

impl<T: Float> Linear<T> {
    /// A layer initialised as PyTorch's `nn.Linear` (Kaiming-uniform weight and bias).
    pub fn new(input: usize, output: usize, bias: bool, rng: &mut Philox, device: Device) -> Result<Self> {
        Self::with_init(input, output, bias, Init::KaimingUniform, rng, device)
    }

    /// A layer with weight init `init`; the bias starts at zero except for Kaiming init,
    /// where it is drawn like the weight (as PyTorch does).
    pub fn with_init(
        input: usize,
        output: usize,
        bias: bool,
        init: Init,
        rng: &mut Philox,
        device: Device,
    ) -> Result<Self> {
        let weight = Param::new(init.sample(&[input, output], input, output, rng, device)?);
        let bias = if bias {
            let b = match init {
                Init::KaimingUniform => init.sample(&[output], input, output, rng, device)?,
                _ => Tensor::zeros(&[output], device)?,
            };
            Some(Param::new(b))
        } else {
            None
        };
        Ok(Linear { weight, bias })
    }

    /// Input width.
    pub fn input_dim(&self) -> usize {
        self.weight.shape()[0]
    }

    /// Output width.
    pub fn output_dim(&self) -> usize {
        self.weight.shape()[1]
    }

    /// `x W + b` for `x` of shape `[..., in]` (a single sample `[in]` gives `[out]`).
    pub fn forward(&self, x: &Tensor<T>) -> Result<Tensor<T>> {
        let last = x.shape().last().copied().unwrap_or(0);
        if x.rank() == 1 && last == self.input_dim() {
            // One sample: [in] -> [out], as PyTorch.
            let y = self.forward(&x.unsqueeze(0)?)?;
            return y.reshape(&[self.output_dim()]);
        }
        if x.rank() < 1 || last != self.input_dim() {
            return Err(Error::shape(
                "Linear",
                format!(
                    "input {} does not end in the layer's input width {} (weight {})",
                    fmt_shape(x.shape()),
                    self.input_dim(),
                    fmt_shape(&self.weight.shape())
                ),
            ));
        }
        let y = x.matmul(&self.weight.value())?;
        match &self.bias {
            Some(b) => y.add(&b.value()),
            None => Ok(y),
        }
    }
}

impl<T: Float> Module<T> for Linear<T> {
    fn named_parameters(&self) -> Vec<(String, Param<T>)> {
        let mut v = vec![("weight".to_string(), self.weight.clone())];
        if let Some(b) = &self.bias {
            v.push(("bias".to_string(), b.clone()));
        }
        v
    }
}
