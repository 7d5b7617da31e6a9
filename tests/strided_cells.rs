//! A reduction cell (one with a `stride` parameter) whose edges hold ops that stride on their
//! own: the checker's inferred shapes and the compiled network agree (the cell's stride and
//! the op's multiply), for a plain conv, a pool, an op definition and a skip.

use nas::check::check_source;
use nas::check::Shape;
use nas::compile::network::SpaceNet;
use nas::space::lower_space;
use tch::{nn, Device, Kind, Tensor};

/// A space whose reduction cell reads its input through `edge`; the checker's shape of the
/// network's output and the compiled network's output shape on one 3×16×16 image.
fn shapes(edge: &str) -> (Shape, Vec<i64>) {
    let text = format!(
        "op rcb(c: int, stride: int = 1) = relu >> conv(c, 3, stride: stride) >> batchnorm
cell red(c: int, stride: int = 1) {{
    input x
    node y = sum(x >> {edge})
    output y
}}
space s(c: int = 4) {{
    input image(3, 16, 16)
    conv(c, 3) >> red(c, stride: 2)
}}
"
    );
    let program = check_source("strided.nas", &text);
    assert!(
        !program.has_errors(),
        "{edge}: {}",
        program.render_diagnostics(false)
    );
    let trace = program
        .traces
        .iter()
        .find(|t| t.context.contains('s'))
        .expect("the space's trace");
    let checked = trace.stages.last().expect("a stage").1;
    let space = lower_space(&program, "s").unwrap_or_else(|d| panic!("{}", d.message));
    let arch = space.decode("").expect("no decisions");
    let vs = nn::VarStore::new(Device::Cpu);
    let net = SpaceNet::new(&vs.root(), &space, &arch, 3).unwrap_or_else(|e| panic!("{e}"));
    let x = Tensor::ones([1, 3, 16, 16], (Kind::Float, Device::Cpu));
    let y = nas::compile::Layer::forward(&net, &x, false).expect("forward");
    (checked, y.size())
}

#[test]
fn an_op_that_strides_in_a_reduction_cell_strides_by_both() {
    for (edge, side) in [
        ("conv(c, 3, stride: 2)", 4),
        ("max_pool(3, stride: 2)", 4),
        ("rcb(c, stride: 2)", 4),
        ("conv(c, 3)", 8),
        ("skip", 8),
    ] {
        let (checked, built) = shapes(edge);
        assert_eq!(built, vec![1, 4, side, side], "{edge}: compiled");
        assert_eq!(
            checked.to_string(),
            format!("image(4, {side}, {side})"),
            "{edge}: checked"
        );
    }
}
