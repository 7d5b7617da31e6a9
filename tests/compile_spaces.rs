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
    let err = catalog::build(&vs.root(), "nas_rl", NAS_RL, size)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("no parameter for the cells per stage"),
        "{err}"
    );
}

/// `nas sample nas_rl -n 1 --seed 3`.
const NAS_RL: &str =
    "nas_rl_net.l1.op.count=24 nas_rl_net.l1.op.height=5 nas_rl_net.l1.op.width=5 \
nas_rl_net.l2.1.in={} nas_rl_net.l2.op.count=36 nas_rl_net.l2.op.height=7 \
nas_rl_net.l2.op.width=1 nas_rl_net.l3.1.in={x} nas_rl_net.l3.op.count=36 \
nas_rl_net.l3.op.height=7 nas_rl_net.l3.op.width=3 nas_rl_net.l4.1.in={l1} \
nas_rl_net.l4.op.count=24 nas_rl_net.l4.op.height=5 nas_rl_net.l4.op.width=3 \
nas_rl_net.l5.1.in={x,l1} nas_rl_net.l5.op.count=48 nas_rl_net.l5.op.height=7 \
nas_rl_net.l5.op.width=3 nas_rl_net.l6.1.in={l1,l2,l3} nas_rl_net.l6.op.count=36 \
nas_rl_net.l6.op.height=3 nas_rl_net.l6.op.width=5 nas_rl_net.l7.1.in={x,l5} \
nas_rl_net.l7.op.count=24 nas_rl_net.l7.op.height=1 nas_rl_net.l7.op.width=5 \
nas_rl_net.l8.1.in={l1,l6} nas_rl_net.l8.op.count=48 nas_rl_net.l8.op.height=5 \
nas_rl_net.l8.op.width=7 nas_rl_net.l9.1.in={x,l1,l3,l4,l6} nas_rl_net.l9.op.count=64 \
nas_rl_net.l9.op.height=5 nas_rl_net.l9.op.width=1 nas_rl_net.l10.1.in={x,l1,l2,l3,l4,l7} \
nas_rl_net.l10.op.count=36 nas_rl_net.l10.op.height=7 nas_rl_net.l10.op.width=5 \
nas_rl_net.l11.1.in={x,l4,l5,l6,l8,l9} nas_rl_net.l11.op.count=24 nas_rl_net.l11.op.height=5 \
nas_rl_net.l11.op.width=7 nas_rl_net.l12.1.in={l3,l4,l7,l8} nas_rl_net.l12.op.count=64 \
nas_rl_net.l12.op.height=3 nas_rl_net.l12.op.width=3 \
nas_rl_net.l13.1.in={x,l1,l3,l5,l6,l7,l9,l10,l11} nas_rl_net.l13.op.count=64 \
nas_rl_net.l13.op.height=3 nas_rl_net.l13.op.width=1 \
nas_rl_net.l14.1.in={x,l5,l6,l9,l10,l12} nas_rl_net.l14.op.count=36 \
nas_rl_net.l14.op.height=1 nas_rl_net.l14.op.width=1 nas_rl_net.l15.1.in={x,l1,l3,l4,l5,l12} \
nas_rl_net.l15.op.count=24 nas_rl_net.l15.op.height=7 nas_rl_net.l15.op.width=1";

/// `nas sample enas_macro -n 1 --seed 3`.
const ENAS_MACRO: &str = "enas_macro_net.l1.op=conv_3x3 enas_macro_net.l2.0.op=sep_conv_5x5 \
enas_macro_net.l2.1.in={} enas_macro_net.l3.0.op=avg_pool_3x3 enas_macro_net.l3.1.in={} \
enas_macro_net.l4.0.op=conv_3x3 enas_macro_net.l4.1.in={l1,l3} \
enas_macro_net.l5.0.op=conv_5x5 enas_macro_net.l5.1.in={l1,l2,l3} \
enas_macro_net.l6.0.op=conv_5x5 enas_macro_net.l6.1.in={l3} \
enas_macro_net.l7.0.op=sep_conv_5x5 enas_macro_net.l7.1.in={l1,l5} \
enas_macro_net.l8.0.op=conv_5x5 enas_macro_net.l8.1.in={l6} \
enas_macro_net.l9.0.op=conv_5x5 enas_macro_net.l9.1.in={l2,l3,l4,l6,l8} \
enas_macro_net.l10.0.op=sep_conv_3x3 enas_macro_net.l10.1.in={l1,l2,l3,l5,l6,l9} \
enas_macro_net.l11.0.op=avg_pool_3x3 enas_macro_net.l11.1.in={l1,l2,l4,l5,l6,l7} \
enas_macro_net.l12.0.op=conv_5x5 enas_macro_net.l12.1.in={l1,l2,l3,l5,l6,l7,l10,l11}";

/// `nas sample mobilenet_v2 -n 1 --seed 3`.
const MOBILENET_V2: &str =
    "s4.expand=3 s4.kernel=5 s5.0=mb s5.0.0.expand=6 s5.0.0.kernel=3 s5.1=mb s5.1.0.expand=6 \
s5.1.0.kernel=5 s5.2=mb s5.2.0.expand=3 s5.2.0.kernel=3 s6.expand=6 s6.kernel=3 s7.0=mb \
s7.0.0.expand=6 s7.0.0.kernel=3 s7.1=mb s7.1.0.expand=3 s7.1.0.kernel=7 s7.2=mb \
s7.2.0.expand=3 s7.2.0.kernel=7 s8.expand=6 s8.kernel=7 s9.0=mb s9.0.0.expand=6 \
s9.0.0.kernel=3 s9.1=mb s9.1.0.expand=6 s9.1.0.kernel=7 s9.2=skip s10.expand=6 \
s10.kernel=5 s11.0=mb s11.0.0.expand=3 s11.0.0.kernel=5 s11.1=mb s11.1.0.expand=6 \
s11.1.0.kernel=3 s11.2=mb s11.2.0.expand=6 s11.2.0.kernel=5 s12.expand=6 s12.kernel=7 \
s13.0=mb s13.0.0.expand=6 s13.0.0.kernel=5 s13.1=mb s13.1.0.expand=3 s13.1.0.kernel=5 \
s13.2=mb s13.2.0.expand=3 s13.2.0.kernel=3 s14.expand=6 s14.kernel=7";

#[test]
fn nas_rl_matches_pytorch() {
    // `.venv/bin/python tests/reference/nas_rl.py "$NAS_RL"` prints 1088830 (every layer has
    // its own filter height and width, e.g. 7×1 and 1×5).
    let (params, shape, _) = measure("nas_rl", NAS_RL, NetworkSize::default(), [3, 32, 32]);
    assert_eq!((params, shape), (1_088_830, vec![1, 10]));
}

#[test]
fn enas_macro_matches_pytorch() {
    // `.venv/bin/python tests/reference/enas_macro.py "$ENAS_MACRO"` prints 199918.
    let (params, shape, _) = measure(
        "enas_macro",
        ENAS_MACRO,
        NetworkSize::default(),
        [3, 32, 32],
    );
    assert_eq!((params, shape), (199_918, vec![1, 10]));
}

#[test]
fn mobilenet_v2_matches_pytorch() {
    // `.venv/bin/python tests/reference/mobilenet_v2.py "$MOBILENET_V2"` prints 4215680 (1000
    // classes, the space's default) and `... "$MOBILENET_V2" 10` prints 2947490.
    let (params, _, _) = measure(
        "mobilenet_v2",
        MOBILENET_V2,
        NetworkSize::default(),
        [3, 32, 32],
    );
    assert_eq!(params, 4_215_680);
    let size = NetworkSize {
        classes: Some(10),
        ..NetworkSize::default()
    };
    let (params, shape, _) = measure("mobilenet_v2", MOBILENET_V2, size, [3, 32, 32]);
    assert_eq!((params, shape), (2_947_490, vec![1, 10]));
}

/// NAS-Bench-101's Inception-like example cell (the benchmark's README): 1×1 conv, 3×3 conv,
/// two 3×3 convs in a row and a max pool, each fed by the input, all feeding the output.
const NB101_INCEPTION: &str = "nb101_cell.v1.in={v0} nb101_cell.v1.op=conv1x1_bn_relu \
nb101_cell.v2.in={v0} nb101_cell.v2.op=conv3x3_bn_relu nb101_cell.v3.in={v0} \
nb101_cell.v3.op=conv3x3_bn_relu nb101_cell.v4.in={v3} nb101_cell.v4.op=conv3x3_bn_relu \
nb101_cell.v5.in={v0} nb101_cell.v5.op=maxpool3x3 nb101_cell.out.in={v1,v2,v4,v5}";

/// `nas sample nb101 -n 1 --seed 3`: v5 feeds nothing and v3, v4 are cut off from the input,
/// so all three are pruned, leaving input → 1×1 conv → 3×3 conv → output.
const NB101_PRUNED: &str = "nb101_cell.v1.in={v0} nb101_cell.v1.op=conv1x1_bn_relu \
nb101_cell.v2.in={v1} nb101_cell.v2.op=conv3x3_bn_relu nb101_cell.v3.in={} \
nb101_cell.v3.op=maxpool3x3 nb101_cell.v4.in={v3} nb101_cell.v4.op=maxpool3x3 \
nb101_cell.v5.in={v0,v4} nb101_cell.v5.op=maxpool3x3 nb101_cell.out.in={v2,v3,v4}";

/// `nas sample nb101 -n 1 --seed 5`: the input also feeds the output (a projection added to
/// the concatenation); v4 and v5 are pruned; v1, v2 and v3 split the channels (43 + 43 + 42
/// in the first stack).
const NB101_PROJECTED: &str = "nb101_cell.v1.in={v0} nb101_cell.v1.op=conv3x3_bn_relu \
nb101_cell.v2.in={v1} nb101_cell.v2.op=maxpool3x3 nb101_cell.v3.in={v0} \
nb101_cell.v3.op=maxpool3x3 nb101_cell.v4.in={} nb101_cell.v4.op=conv3x3_bn_relu \
nb101_cell.v5.in={v2} nb101_cell.v5.op=conv3x3_bn_relu \
nb101_cell.out.in={v0,v1,v2,v3,v4}";

#[test]
fn nb101_compiles_to_the_benchmarks_network() {
    // NAS-Bench-101's own record of the Inception-like cell says `trainable_parameters:
    // 2694282` (stem of 128 channels, 3 stacks of 3 cells, 10 classes), and
    // `.venv/bin/python tests/reference/nb101.py "$NB101_INCEPTION"` prints the same.
    for (arch, count) in [
        (NB101_INCEPTION, 2_694_282),
        // `.venv/bin/python tests/reference/nb101.py "$NB101_PRUNED"` prints 11215242.
        (NB101_PRUNED, 11_215_242),
        // `.venv/bin/python tests/reference/nb101.py "$NB101_PROJECTED"` prints 2505634.
        (NB101_PROJECTED, 2_505_634),
    ] {
        let (params, shape, _) = measure("nb101", arch, NetworkSize::default(), [3, 32, 32]);
        assert_eq!((params, shape), (count, vec![1, 10]), "{arch}");
    }
}

#[test]
fn an_nb101_cell_cut_off_from_its_input_is_an_error_not_a_panic() {
    // Outside the space's `where connected`, so decoding refuses it before compiling.
    let cut = "nb101_cell.v1.in={} nb101_cell.v1.op=conv1x1_bn_relu nb101_cell.v2.in={v1} \
nb101_cell.v2.op=conv3x3_bn_relu nb101_cell.v3.in={} nb101_cell.v3.op=maxpool3x3 \
nb101_cell.v4.in={} nb101_cell.v4.op=maxpool3x3 nb101_cell.v5.in={} nb101_cell.v5.op=maxpool3x3 \
nb101_cell.out.in={v2}";
    let vs = nn::VarStore::new(Device::Cpu);
    let err = catalog::build(&vs.root(), "nb101", cut, NetworkSize::default())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("bad architecture"), "{err}");
}

/// `nas sample enas_rnn -n 1 --seed 3`.
const ENAS_RNN: &str =
    "enas_rnn_cell.n1.op=tanh enas_rnn_cell.n2.in={n1} enas_rnn_cell.n2.op0=rnn_identity \
enas_rnn_cell.n3.in={n1} enas_rnn_cell.n3.op0=rnn_sigmoid enas_rnn_cell.n4.in={n1} \
enas_rnn_cell.n4.op0=rnn_sigmoid enas_rnn_cell.n5.in={n1} enas_rnn_cell.n5.op0=rnn_sigmoid \
enas_rnn_cell.n6.in={n3} enas_rnn_cell.n6.op0=rnn_relu enas_rnn_cell.n7.in={n5} \
enas_rnn_cell.n7.op0=rnn_relu enas_rnn_cell.n8.in={n2} enas_rnn_cell.n8.op0=rnn_identity \
enas_rnn_cell.n9.in={n2} enas_rnn_cell.n9.op0=rnn_identity enas_rnn_cell.n10.in={n3} \
enas_rnn_cell.n10.op0=rnn_sigmoid enas_rnn_cell.n11.in={n3} \
enas_rnn_cell.n11.op0=rnn_identity enas_rnn_cell.n12.in={n9} enas_rnn_cell.n12.op0=rnn_relu";

/// An nb_nlp cell with every kind of node: two linear nodes (one reading the input and the
/// latest hidden state), an activation, a product, a sum and a blend over all three hidden
/// states.
const NB_NLP: &str =
    "nb_nlp_cell.n1=linear nb_nlp_cell.n1.linear.in={x,h1} nb_nlp_cell.n2=activation \
nb_nlp_cell.n2.activation.in={n1} nb_nlp_cell.n2.activation.op0=tanh nb_nlp_cell.n3=prod \
nb_nlp_cell.n3.prod.in={h2,n2} nb_nlp_cell.n4=sum nb_nlp_cell.n4.sum.in={h3,n3} \
nb_nlp_cell.n5=blend nb_nlp_cell.n5.blend.0.in={n4} nb_nlp_cell.n5.blend.1.in={h1} \
nb_nlp_cell.n5.blend.2.in={n2} nb_nlp_cell.n6=linear nb_nlp_cell.n6.linear.in={x,n5}";

/// Builds `arch` of the sequence space `space`; returns its parameter count and the shape of
/// its output on one window of 35 token ids.
fn measure_sequence(space: &str, arch: &str) -> (i64, Vec<i64>) {
    let vs = nn::VarStore::new(Device::Cpu);
    let net = catalog::build(&vs.root(), space, arch, NetworkSize::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let ids = Tensor::zeros([1, 35], (Kind::Int64, Device::Cpu));
    let (shape, _) = shape_and_macs(net.as_ref(), &ids).unwrap_or_else(|e| panic!("{e}"));
    (parameter_count(&vs), shape)
}

#[test]
fn enas_rnn_compiles_to_a_language_model_that_matches_pytorch() {
    // `.venv/bin/python tests/reference/enas_rnn.py "$ENAS_RNN"` prints 6051088: the
    // embedding (2,560,000), a linear map, 13 linear maps in the cell, the decoder.
    assert_eq!(
        measure_sequence("enas_rnn", ENAS_RNN),
        (6_051_088, vec![1, 35, 10_000])
    );
}

#[test]
fn nb_nlp_compiles_to_a_language_model_that_matches_pytorch() {
    // `.venv/bin/python tests/reference/nb_nlp.py "$NB_NLP"` prints 5590544 (two linear nodes
    // of two maps each; the other kinds have no parameters).
    assert_eq!(
        measure_sequence("nb_nlp", NB_NLP),
        (5_590_544, vec![1, 35, 10_000])
    );
    // An architecture whose kinds all lack parameters: the fixed layers only.
    let blends = (1..=6)
        .map(|k| {
            let c = if k == 1 { "x" } else { "h1" };
            format!(
                "nb_nlp_cell.n{k}=blend nb_nlp_cell.n{k}.blend.0.in={{{c}}} \
nb_nlp_cell.n{k}.blend.1.in={{{c}}} nb_nlp_cell.n{k}.blend.2.in={{{c}}}"
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(measure_sequence("nb_nlp", &blends).0, 5_327_376);
}

#[test]
fn a_recurrent_cell_reads_its_own_outputs_of_earlier_steps() {
    use nas::compile::sequence::SequenceNet;
    // y_t = x_t + h2 (the output two steps back): with every token the same, x_t is one
    // vector v and y_t = (t / 2 + 1)·v; reading h1 instead would give (t + 1)·v.
    let text = "cell two_back(d: int) {
    input x, h1, h2
    node y = sum(x, h2)
    output sum(y, h1 >> none)
}
space s {
    input sequence(6, 1)
    embedding(5, 3) >> linear(3) >> linear(3) >> two_back(3)
}
";
    let program = nas::check::check_source("test.nas", text);
    assert!(
        !program.has_errors(),
        "{}",
        program.render_diagnostics(false)
    );
    let space = nas::space::lower_space(&program, "s").unwrap();
    let arch = space.decode("").unwrap();
    let vs = nn::VarStore::new(Device::Cpu);
    let net = SequenceNet::new(&vs.root(), &space, &arch).unwrap();
    let ids = Tensor::zeros([1, 6], (Kind::Int64, Device::Cpu));
    let y = nas::compile::Layer::forward(&net, &ids, false).unwrap();
    let v = y.get(0).get(0);
    for t in 0..6 {
        let expected = &v * (t / 2 + 1) as f64;
        let diff = (y.get(0).get(t) - expected).abs().max().double_value(&[]);
        assert!(diff < 1e-5, "step {t}: {diff}");
    }
}

/// Runs `nas params ARGS…`; returns stdout, stderr and success.
fn nas_params(args: &[&str]) -> (String, String, bool) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_nas"))
        .arg("params")
        .args(args)
        .output()
        .expect("nas runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.success(),
    )
}

#[test]
fn nas_params_builds_darts_and_reports_what_cannot_be_built() {
    let (stdout, stderr, ok) = nas_params(&["darts", DARTS_V2, "--channels", "36"]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("params: 3349342"), "{stdout}");
    // `--cells` sets the space's `n`, the normal cells per stage: fewer cells, fewer weights.
    let (small, stderr, ok) = nas_params(&["darts", DARTS_V2, "--channels", "36", "--cells", "1"]);
    assert!(ok, "{stderr}");
    assert!(
        !small.contains("params: 3349342") && small.contains("params: "),
        "{small}"
    );
    // A malformed architecture, a size the space has no parameter for, and a network that
    // cannot be built (a conv to 0 channels) are errors, not panics.
    for (args, expected) in [
        (vec!["darts", "darts_normal.n0.in={c0}"], "bad architecture"),
        (
            vec!["nas_rl", NAS_RL, "--cells", "3"],
            "no parameter for the cells per stage",
        ),
        (
            vec!["darts", DARTS_V2, "--channels", "0"],
            "must be a positive integer",
        ),
    ] {
        let (_, stderr, ok) = nas_params(&args);
        assert!(!ok && stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn a_reduction_stride_lands_on_the_first_spatial_op() {
    use nas::compile::activation::Activation;
    use nas::compile::conv::ConvConfig;
    use nas::compile::ir_op::{spatial_stride, with_stride};
    use nas::compile::OpSpec;
    let relu_conv_bn = OpSpec::Seq(vec![
        OpSpec::Act(Activation::Relu),
        OpSpec::Conv(ConvConfig::new(8, 3)),
        OpSpec::BatchNorm { affine: true },
    ]);
    let strided = with_stride(&relu_conv_bn, 2, 8).unwrap();
    assert_eq!(spatial_stride(&strided), 2);
    assert_eq!(spatial_stride(&relu_conv_bn), 1);
    assert_eq!(
        with_stride(&OpSpec::Identity, 2, 6),
        Some(OpSpec::FactorizedReduce { c_out: 6 })
    );
    assert_eq!(
        with_stride(&OpSpec::Zero { stride: 1 }, 2, 6),
        Some(OpSpec::Zero { stride: 2 })
    );
    assert_eq!(with_stride(&OpSpec::GlobalAvgPool, 2, 6), None);
}

#[test]
fn two_input_cells_compile_to_the_shapes_the_checker_infers() {
    // tests/lang/ok/cell_inputs.nas sums a skip of the stem's 24 channels with an 8-channel
    // conv; it checks clean because a cell with two inputs brings both to `c` channels, and the
    // compiler must wire it the same way (its golden trace ends image(32, 16, 16), vector(10)).
    for arch in ["pair.n0.1.op=conv_8_3", "pair.n0.1.op=conv_8_5"] {
        let (_, shape, _) = measure(
            "tests/lang/ok/cell_inputs.nas:pairs",
            arch,
            NetworkSize::default(),
            [3, 16, 16],
        );
        assert_eq!(shape, [1, 10], "{arch}");
    }
}
