use weft_autograd::Tensor;

#[test]
fn matmul_grad_smoke() {
    let x = Tensor::<f64>::from_slice(&[1.0, 2.0, 3.0, 4.0], &[2, 2]).unwrap().requires_grad();
    let y = x.matmul(&x).unwrap().sum_all().unwrap();
    let g = y.backward().unwrap();
    // d/dX sum(X X) = 1 Xᵀ + Xᵀ 1
    let gx = g.get(&x).unwrap().to_vec().unwrap();
    assert_eq!(
        gx,
        vec![1.0 + 3.0 + 1.0 + 2.0, 1.0 + 3.0 + 3.0 + 4.0, 2.0 + 4.0 + 1.0 + 2.0, 2.0 + 4.0 + 3.0 + 4.0]
    );
}
