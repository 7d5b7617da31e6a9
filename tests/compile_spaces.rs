//! Architectures of the stdlib spaces compile through the space's skeleton into networks
//! whose parameter counts equal those of PyTorch references of the same networks (the
//! scripts in `tests/reference/`; each count below names the command that printed it).

use nas::compile::catalog::{self, NetworkSize};
use nas::compile::{parameter_count, shape_and_macs};
use tch::{nn, Device, Kind, Tensor};

/// DARTS-V2's published cells (Liu et al., 2019) in the darts space's canonical text.
const DARTS_V2: &str =
    "darts_normal.n0.in={c0,c1} darts_normal.n0.op0=sep_conv_3x3 darts_normal.n0.op1=sep_conv_3x3 \
darts_normal.n1.in={c0,c1} darts_normal.n1.op0=sep_conv_3x3 darts_normal.n1.op1=sep_conv_3x3 \
darts_normal.n2.in={c0,c1} darts_normal.n2.op0=skip_connect darts_normal.n2.op1=sep_conv_3x3 \
darts_normal.n3.in={c0,n0} darts_normal.n3.op0=skip_connect darts_normal.n3.op1=dil_conv_3x3 \
darts_reduce.n0.in={c0,c1} darts_reduce.n0.op0=max_pool_3x3 darts_reduce.n0.op1=max_pool_3x3 \
darts_reduce.n1.in={c1,n0} darts_reduce.n1.op0=max_pool_3x3 darts_reduce.n1.op1=skip_connect \
darts_reduce.n2.in={c0,n0} darts_reduce.n2.op0=max_pool_3x3 darts_reduce.n2.op1=skip_connect \
darts_reduce.n3.in={c1,n0} darts_reduce.n3.op0=max_pool_3x3 darts_reduce.n3.op1=skip_connect";

/// Every DARTS edge sep_conv_3x3 on the two cell inputs.
fn darts_all_sep3() -> String {
    let mut parts = Vec::new();
    for cell in ["darts_normal", "darts_reduce"] {
        for n in 0..4 {
            parts.push(format!("{cell}.n{n}.in={{c0,c1}}"));
            parts.push(format!("{cell}.n{n}.op0=sep_conv_3x3"));
            parts.push(format!("{cell}.n{n}.op1=sep_conv_3x3"));
        }
    }
    parts.join(" ")
}

/// Builds `arch` of `space`; returns its parameter count, output shape and multiply-adds on
/// one image of `input` shape.
fn measure(space: &str, arch: &str, size: NetworkSize, input: [i64; 3]) -> (i64, Vec<i64>, u64) {
    let vs = nn::VarStore::new(Device::Cpu);
    let net = catalog::build(&vs.root(), space, arch, size).unwrap_or_else(|e| panic!("{e}"));
    let [c, h, w] = input;
    let x = Tensor::zeros([1, c, h, w], (Kind::Float, Device::Cpu));
    let (shape, macs) = shape_and_macs(net.as_ref(), &x).unwrap_or_else(|e| panic!("{e}"));
    (parameter_count(&vs), shape, macs)
}

#[test]
fn darts_v2_at_the_papers_cifar_size_matches_pytorch() {
    // `.venv/bin/python tests/reference/darts.py 36 20 10 3 v2` prints 3349342 (the paper's
    // 3.3M); the darts space has 20 cells (6 normal, reduce, 6, reduce, 6).
    let size = NetworkSize {
        channels: Some(36),
        ..NetworkSize::default()
    };
    let (params, shape, macs) = measure("darts", DARTS_V2, size, [3, 32, 32]);
    assert_eq!(params, 3_349_342);
    assert_eq!(shape, [1, 10]);
    // Reductions halve the maps twice: ~0.53 G multiply-adds, not the ~3.4 G of a network
    // that never reduces.
    assert_eq!(macs, 528_359_050);
}

#[test]
fn darts_at_the_spaces_defaults_and_on_grey_images_matches_pytorch() {
    // `.venv/bin/python tests/reference/darts.py 16 20 10 3 v2` prints 710682.
    let (params, _, _) = measure("darts", DARTS_V2, NetworkSize::default(), [3, 32, 32]);
    assert_eq!(params, 710_682);
    // `.venv/bin/python tests/reference/darts.py 16 20 10 1 sep3` prints 1006874.
    let size = NetworkSize {
        in_channels: Some(1),
        ..NetworkSize::default()
    };
    let (params, shape, _) = measure("darts", &darts_all_sep3(), size, [1, 28, 28]);
    assert_eq!(params, 1_006_874);
    assert_eq!(shape, [1, 10]);
}

#[test]
fn nb201_through_the_skeleton_keeps_its_pinned_counts() {
    // benches/nb201_vs_pytorch.py params ARCH prints these (tests/compile_params.rs).
    let all = |op: &str| format!("|{op}~0|+|{op}~0|{op}~1|+|{op}~0|{op}~1|{op}~2|");
    for (op, count) in [("nor_conv_3x3", 1_531_546), ("none", 73_306)] {
        let (params, shape, _) = measure("nb201", &all(op), NetworkSize::default(), [3, 32, 32]);
        assert_eq!((params, shape), (count, vec![1, 10]), "{op}");
    }
}

#[test]
fn a_size_the_space_has_no_parameter_for_is_an_error() {
    let vs = nn::VarStore::new(Device::Cpu);
    let size = NetworkSize {
        cells: Some(2),
        ..NetworkSize::default()
    };
    let err = catalog::build(&vs.root(), "darts", DARTS_V2, size)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("no parameter for the cells per stage"),
        "{err}"
    );
}
