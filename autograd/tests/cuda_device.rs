//! The user surface of CUDA tensors (the emulated device in CI): constructors and random
//! tensors on the device, moves between devices (differentiable), host reads, indices,
//! parameters updated on the host, errors from device kernels, and device-mismatch errors.

#![cfg(any(feature = "cuda", feature = "cuda-emulated"))]

mod cuda_common;

use cuda_common::{assert_close, cuda, host_data, tol};
use weft_autograd::nn::Param;
use weft_autograd::{Error, Indices, Tensor};
use weft_ops::{rng::Philox, Device};

fn assert_mismatch<T: std::fmt::Debug>(r: weft_ops::Result<T>, op: &str, dev: Device) {
    match r {
        Err(Error::DeviceMismatch { op: o, lhs, rhs }) => {
            assert_eq!(o, op);
            let mut pair = [lhs.clone(), rhs.clone()];
            pair.sort();
            assert_eq!(pair, ["cpu".to_string(), dev.to_string()], "{op}: devices named {lhs} and {rhs}");
            let msg = Error::DeviceMismatch { op: o, lhs, rhs }.to_string();
            assert!(msg.contains("cpu") && msg.contains(&dev.to_string()), "{msg}");
        }
        other => panic!("{op}: expected a device mismatch, got {other:?}"),
    }
}

#[test]
fn constructors_fill_on_the_device() {
    let Some(dev) = cuda() else { return };
    let cases: Vec<(&str, Tensor<f64>, Tensor<f64>)> = vec![
        (
            "full",
            Tensor::full(&[3, 37], 2.5, dev).unwrap(),
            Tensor::full(&[3, 37], 2.5, Device::Cpu).unwrap(),
        ),
        ("zeros", Tensor::zeros(&[300], dev).unwrap(), Tensor::zeros(&[300], Device::Cpu).unwrap()),
        ("ones", Tensor::ones(&[2, 3, 5], dev).unwrap(), Tensor::ones(&[2, 3, 5], Device::Cpu).unwrap()),
        ("eye", Tensor::eye(6, dev).unwrap(), Tensor::eye(6, Device::Cpu).unwrap()),
        ("arange", Tensor::arange(70, dev).unwrap(), Tensor::arange(70, Device::Cpu).unwrap()),
        ("empty", Tensor::zeros(&[0, 4], dev).unwrap(), Tensor::zeros(&[0, 4], Device::Cpu).unwrap()),
    ];
    for (name, got, want) in cases {
        assert_eq!(got.device(), dev, "{name}");
        assert_eq!(got.shape(), want.shape(), "{name}");
        assert_eq!(got.to_vec().unwrap(), want.to_vec().unwrap(), "{name}");
    }
    let z = Tensor::<f32>::ones(&[4], dev).unwrap().zeros_like().unwrap();
    assert_eq!((z.device(), z.to_vec().unwrap()), (dev, vec![0.0; 4]));
}

#[test]
fn random_tensors_follow_the_cpu_stream() {
    let Some(dev) = cuda() else { return };
    // Same Philox state on both devices: the same numbers (up to the libm of each side).
    let draw = |d: Device| {
        let mut rng = Philox::new(99);
        let u = Tensor::<f64>::rand_uniform(&[5, 41], -2.0, 3.0, &mut rng, d).unwrap();
        let n = Tensor::<f32>::randn(&[203], 1.0, 0.5, &mut rng, d).unwrap();
        let x = Tensor::<f64>::ones(&[3, 57], d).unwrap();
        let dropped = x.dropout(0.4, &mut rng).unwrap();
        assert!([u.device(), n.device(), dropped.device()].iter().all(|&e| e == d));
        (u.to_vec().unwrap(), n.to_vec().unwrap(), dropped.to_vec().unwrap(), rng.next_u64())
    };
    let (cu, cn, cd, cnext) = draw(Device::Cpu);
    let (gu, gn, gd, gnext) = draw(dev);
    assert_close(&gu, &cu, tol::<f64>(), "uniform");
    assert_close(&gn, &cn, tol::<f32>(), "normal");
    assert_eq!(gd, cd, "dropout masks are the same");
    assert!(cd.contains(&0.0) && cd.iter().any(|&v| v > 1.0), "the mask drops and scales");
    assert_eq!(gnext, cnext, "both devices advance the generator alike");
}

#[test]
fn host_reads_of_device_views() {
    let Some(dev) = cuda() else { return };
    let v: Vec<f32> = (0..12).map(|i| i as f32 * 0.5).collect();
    let x = Tensor::from_slice_on(&v, &[3, 4], dev).unwrap();
    let t = x.t().unwrap();
    let want: Vec<f32> = (0..12).map(|k| v[(k % 3) * 4 + k / 3]).collect();
    assert_eq!(t.to_vec().unwrap(), want, "to_vec of a transposed view");
    assert_eq!(t.with_host_data(|s| s.to_vec()).unwrap(), want, "with_host_data");
    assert_eq!(x.narrow(1, 2, 1).unwrap().narrow(0, 1, 1).unwrap().item().unwrap(), 3.0, "item");
    assert!(format!("{x:?}").contains("cuda:0") && format!("{x:?}").contains("5.5"), "{x:?}");
    let back = t.to_device(Device::Cpu).unwrap();
    assert_eq!((back.device(), back.shape(), back.to_vec().unwrap()), (Device::Cpu, &[4usize, 3][..], want));
}

#[test]
fn moves_between_devices_are_differentiable() {
    let Some(dev) = cuda() else { return };
    let mut rng = Philox::new(5);
    let v = host_data::<f64>(10, -1.0, 1.0, &mut rng);
    let x = Tensor::from_slice(&v, &[2, 5]).unwrap().requires_grad();
    let y = x.to_device(dev).unwrap().exp().unwrap().sum_all().unwrap();
    assert_eq!(y.device(), dev);
    let grads = y.backward().unwrap();
    let g = grads.get(&x).expect("a gradient for the host leaf");
    assert_eq!(g.device(), Device::Cpu, "the gradient moves back to the leaf's device");
    let want: Vec<f64> = v.iter().map(|a| a.exp()).collect();
    assert_close(&g.to_vec().unwrap(), &want, tol::<f64>(), "d sum(exp(x)) / dx");
}

#[test]
fn indices_move_with_their_bound() {
    let Some(dev) = cuda() else { return };
    let i = Indices::new(vec![3, 0, 9, 2]);
    let d = i.to_device(dev).unwrap();
    assert_eq!((d.device(), d.len(), d.bound()), (dev, 4, 10));
    assert_eq!(d.to_vec().unwrap(), vec![3, 0, 9, 2]);
    assert!(d.to_device(dev).is_ok());
    let back = d.to_device(Device::Cpu).unwrap();
    assert_eq!((back.device(), back.bound(), back.to_vec().unwrap()), (Device::Cpu, 10, vec![3, 0, 9, 2]));
    let empty = Indices::new(vec![]).to_device(dev).unwrap();
    assert_eq!((empty.len(), empty.bound()), (0, 0));
    // The bound is checked on the host, before any kernel runs.
    let x = Tensor::<f32>::zeros(&[5, 2], dev).unwrap();
    let err = x.index_select(0, &d).unwrap_err();
    assert!(matches!(err, Error::Index { .. }) && err.to_string().contains('9'), "{err}");
}

#[test]
fn parameters_on_the_device_update_through_the_host() {
    let Some(dev) = cuda() else { return };
    let p = Param::new(Tensor::<f64>::from_slice_on(&[1.0, 2.0, 3.0], &[3], dev).unwrap());
    p.update_host(|v| v.iter_mut().for_each(|a| *a = *a * 10.0 + 1.0)).unwrap();
    let v = p.value();
    assert_eq!((v.device(), v.to_vec().unwrap()), (dev, vec![11.0, 21.0, 31.0]));
    assert_eq!(v.leaf_id(), Some(p.id()), "the updated value is still the parameter's leaf");
}

#[test]
fn kernel_errors_come_back_as_errors() {
    let Some(dev) = cuda() else { return };
    let a = Tensor::<f64>::from_slice_on(&[1.0, 2.0, 2.0, 1.0], &[2, 2], dev).unwrap();
    let err = a.cholesky().unwrap_err();
    assert!(matches!(err, Error::NotPositiveDefinite { .. }), "{err:?}");
}

#[test]
fn operands_on_different_devices_are_rejected() {
    let Some(dev) = cuda() else { return };
    let c = Tensor::<f32>::ones(&[2, 2], Device::Cpu).unwrap();
    let g = Tensor::<f32>::ones(&[2, 2], dev).unwrap();
    assert_mismatch(c.add(&g), "add", dev);
    assert_mismatch(g.mul(&c), "mul", dev);
    assert_mismatch(g.matmul(&c), "matmul", dev);
    assert_mismatch(Tensor::concat(&[&g, &c], 0), "concat", dev);
    assert_mismatch(Tensor::where_cond(&g, &g, &c), "where", dev);
    assert_mismatch(c.solve_triangular(&g, true, false), "solve_triangular", dev);
    assert_mismatch(g.index_select(0, &Indices::new(vec![1, 0])), "index_select", dev);
    let idx = Indices::new(vec![1, 0]).to_device(dev).unwrap();
    assert_mismatch(c.index_select(0, &idx), "index_select", dev);
    assert_mismatch(g.index_add(0, &idx, &c), "index_add", dev);
    let labels = Indices::new(vec![0, 1]);
    assert!(weft_autograd::nn::loss::cross_entropy(&g, &labels).is_ok(), "labels are moved to the logits");
}

/// The emulated device is ordinal 0 only.
#[cfg(all(feature = "cuda-emulated", not(feature = "cuda")))]
#[test]
fn the_emulated_device_has_one_ordinal() {
    let err = Tensor::<f32>::zeros(&[2], Device::Cuda(1)).unwrap_err();
    assert!(err.to_string().contains("ordinal 0, not 1"), "{err}");
}
