//! Safetensors save/load: bit-exact round trips, cross-type loads, and every load_module misuse.

use std::path::PathBuf;
use weft_autograd::nn::{Activation, Linear, Mlp, Mode, Module};
use weft_autograd::{io, Error, Float, Tensor};
use weft_ops::{rng::Philox, Device};

/// A fresh folder under the system temp dir, unique to this process and test.
fn temp_dir(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("weft-io-tests-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn linear<T: Float>(i: usize, o: usize, bias: bool, seed: u64) -> Linear<T> {
    Linear::new(i, o, bias, &mut Philox::new(seed), Device::Cpu).unwrap()
}

fn snapshot<T: Float>(m: &dyn Module<T>) -> Vec<(String, Vec<T>)> {
    m.named_parameters().into_iter().map(|(n, p)| (n, p.value().to_vec().unwrap())).collect()
}

#[test]
fn round_trip_f64_is_bit_identical() {
    let dir = temp_dir("rt64");
    let path = dir.join("t.safetensors");
    let special =
        vec![0.0, -0.0, 1e-310, f64::MIN_POSITIVE, f64::MAX, -1.0 / 3.0, std::f64::consts::PI, 1e300];
    let a = Tensor::<f64>::from_slice(&special, &[2, 4]).unwrap();
    let b = Tensor::<f64>::scalar(-7.25);
    let c = Tensor::<f64>::randn(&[3, 1, 2], 0.0, 1.0, &mut Philox::new(3), Device::Cpu).unwrap();
    let named =
        vec![("a".to_string(), a.clone()), ("b.x".to_string(), b.clone()), ("c".to_string(), c.clone())];
    io::save(&path, &named).unwrap();
    let back = io::load::<f64>(&path).unwrap();
    assert_eq!(back.len(), 3);
    for (name, t) in &named {
        let r = &back[name];
        assert_eq!(r.shape(), t.shape(), "{name}");
        let bits = |x: &Tensor<f64>| x.to_vec().unwrap().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(r), bits(t), "{name}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn round_trip_f32_is_bit_identical_and_loads_exactly_as_f64() {
    let dir = temp_dir("rt32");
    let path = dir.join("t.safetensors");
    let special = vec![0.0f32, -0.0, 1e-40, f32::MIN_POSITIVE, f32::MAX, -1.0 / 3.0, 0.1, 16_777_217.0];
    let a = Tensor::<f32>::from_slice(&special, &[8]).unwrap();
    let w = Tensor::<f32>::rand_uniform(&[5, 3], -1.0, 1.0, &mut Philox::new(9), Device::Cpu).unwrap();
    io::save(&path, &[("a".to_string(), a.clone()), ("w".to_string(), w.clone())]).unwrap();
    let back = io::load::<f32>(&path).unwrap();
    for (name, t) in [("a", &a), ("w", &w)] {
        let got: Vec<u32> = back[name].to_vec().unwrap().iter().map(|v| v.to_bits()).collect();
        let want: Vec<u32> = t.to_vec().unwrap().iter().map(|v| v.to_bits()).collect();
        assert_eq!(got, want, "{name}");
        assert_eq!(back[name].shape(), t.shape());
    }
    // f32 file into f64: every f32 is exactly representable.
    let wide = io::load::<f64>(&path).unwrap();
    let want: Vec<f64> = w.to_vec().unwrap().iter().map(|&v| v as f64).collect();
    assert_eq!(wide["w"].to_vec().unwrap(), want);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn f64_file_loads_into_f32_rounded_to_nearest() {
    let dir = temp_dir("cross");
    let path = dir.join("t.safetensors");
    let v = vec![0.1, 1.0 / 3.0, -2.5e-7, 1e-3, 123456.789];
    io::save(&path, &[("v".to_string(), Tensor::<f64>::from_slice(&v, &[5]).unwrap())]).unwrap();
    let back = io::load::<f32>(&path).unwrap();
    let want: Vec<f32> = v.iter().map(|&x| x as f32).collect();
    assert_eq!(back["v"].to_vec().unwrap(), want);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn save_module_load_module_round_trip_reproduces_outputs() {
    let dir = temp_dir("module");
    let path = dir.join("mlp.safetensors");
    let a = Mlp::<f64>::new(&[3, 6, 2], Activation::Tanh, 0.0, &mut Philox::new(1), Device::Cpu).unwrap();
    let b = Mlp::<f64>::new(&[3, 6, 2], Activation::Tanh, 0.0, &mut Philox::new(2), Device::Cpu).unwrap();
    let x = Tensor::<f64>::randn(&[4, 3], 0.0, 1.0, &mut Philox::new(5), Device::Cpu).unwrap();
    let ya = a.forward(&x, Mode::Eval).unwrap().to_vec().unwrap();
    assert_ne!(b.forward(&x, Mode::Eval).unwrap().to_vec().unwrap(), ya, "different seeds differ");
    io::save_module(&path, &a).unwrap();
    let names: Vec<String> = {
        let mut n: Vec<String> = io::load::<f64>(&path).unwrap().into_keys().collect();
        n.sort();
        n
    };
    assert_eq!(names, ["layers.0.bias", "layers.0.weight", "layers.1.bias", "layers.1.weight"]);
    io::load_module(&path, &b).unwrap();
    assert_eq!(b.forward(&x, Mode::Eval).unwrap().to_vec().unwrap(), ya);
    std::fs::remove_dir_all(dir).unwrap();
}

fn io_message(e: Error) -> (String, String) {
    match e {
        Error::Io { path, msg } => (path, msg),
        other => panic!("expected an Io error, got {other}"),
    }
}

#[test]
fn load_module_missing_parameter_names_it_and_changes_nothing() {
    let dir = temp_dir("missing");
    let path = dir.join("w.safetensors");
    let src = linear::<f32>(3, 2, true, 1);
    io::save(&path, &[("weight".to_string(), src.weight.value())]).unwrap();
    let dst = linear::<f32>(3, 2, true, 2);
    let before = snapshot(&dst);
    let (p, msg) = io_message(io::load_module(&path, &dst).unwrap_err());
    assert_eq!(p, path.display().to_string());
    assert!(msg.contains("\"bias\"") && msg.contains("missing"), "{msg}");
    assert_eq!(snapshot(&dst), before, "a failed load leaves the module unchanged");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn load_module_shape_mismatch_names_both_shapes() {
    let dir = temp_dir("shape");
    let path = dir.join("w.safetensors");
    io::save_module(&path, &linear::<f64>(3, 2, true, 1)).unwrap();
    let dst = linear::<f64>(3, 4, true, 2);
    let before = snapshot(&dst);
    let (_, msg) = io_message(io::load_module(&path, &dst).unwrap_err());
    assert!(msg.contains("\"weight\"") && msg.contains("[3, 2]") && msg.contains("[3, 4]"), "{msg}");
    assert_eq!(snapshot(&dst), before);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn load_module_extra_tensor_is_an_error_and_changes_nothing() {
    let dir = temp_dir("extra");
    let path = dir.join("w.safetensors");
    io::save_module(&path, &linear::<f64>(3, 2, true, 1)).unwrap();
    let dst = linear::<f64>(3, 2, false, 2);
    let before = snapshot(&dst);
    let (_, msg) = io_message(io::load_module(&path, &dst).unwrap_err());
    assert!(msg.contains("\"bias\"") && msg.contains("matches no parameter"), "{msg}");
    assert_eq!(snapshot(&dst), before, "weight was valid but must not be loaded on error");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn non_safetensors_and_missing_files_name_the_path() {
    let dir = temp_dir("bad");
    let junk = dir.join("junk.safetensors");
    std::fs::write(&junk, b"this is not a safetensors file at all").unwrap();
    let (p, msg) = io_message(io::load::<f32>(&junk).unwrap_err());
    assert_eq!(p, junk.display().to_string());
    assert!(msg.contains("not a safetensors file"), "{msg}");
    let empty = dir.join("empty.safetensors");
    std::fs::write(&empty, b"").unwrap();
    assert!(matches!(io::load::<f32>(&empty), Err(Error::Io { .. })));

    let missing = dir.join("does-not-exist.safetensors");
    let e = io::load_module(&missing, &linear::<f32>(2, 2, true, 0)).unwrap_err();
    assert!(e.to_string().contains("does-not-exist.safetensors"), "{e}");
    let (p, _) = io_message(e);
    assert_eq!(p, missing.display().to_string());

    let unwritable = dir.join("no-such-dir").join("x.safetensors");
    let e = io::save_module(&unwritable, &linear::<f32>(2, 2, true, 0)).unwrap_err();
    assert!(e.to_string().contains("no-such-dir"), "{e}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn saving_a_view_stores_its_logical_values_and_duplicate_names_error() {
    let dir = temp_dir("view");
    let path = dir.join("v.safetensors");
    let base = Tensor::<f64>::from_slice(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]).unwrap();
    let view = base.t().unwrap().narrow(0, 1, 2).unwrap(); // [[2, 5], [3, 6]]
    io::save(&path, &[("v".to_string(), view)]).unwrap();
    let back = io::load::<f64>(&path).unwrap();
    assert_eq!(back["v"].shape(), &[2, 2]);
    assert_eq!(back["v"].to_vec().unwrap(), vec![2.0, 5.0, 3.0, 6.0]);
    // Empty tensors and an empty list round-trip too.
    let empty = Tensor::<f64>::zeros(&[0, 3], Device::Cpu).unwrap();
    io::save(&path, &[("e".to_string(), empty)]).unwrap();
    assert_eq!(io::load::<f64>(&path).unwrap()["e"].shape(), &[0, 3]);
    io::save::<f64>(&path, &[]).unwrap();
    assert!(io::load::<f64>(&path).unwrap().is_empty());
    let dup = io::save(&path, &[("a".to_string(), base.clone()), ("a".to_string(), base.clone())]);
    let e = dup.unwrap_err();
    assert!(e.to_string().contains("\"a\""), "{e}");
    std::fs::remove_dir_all(dir).unwrap();
}
