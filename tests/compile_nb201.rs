//! NAS-Bench-201 networks compiled from the stdlib space by the generic compiler: every op
//! runs and passes gradients, parameters are named by their path in the architecture, and
//! inputs that do not fit are errors instead of aborts.

use nas::compile::catalog::{build_arch, NetworkSize};
use nas::compile::{parameter_count, BoxLayer};
use nas::space::load_space;
use tch::{nn, Device, Kind, Tensor};

const OPS: [&str; 5] = [
    "none",
    "skip_connect",
    "nor_conv_1x1",
    "nor_conv_3x3",
    "avg_pool_3x3",
];

/// The network of `cell` at 4 channels, one cell per stage, 3 classes, grey images.
fn tiny(cell: &str) -> (nn::VarStore, BoxLayer) {
    let _generators = nas::train::generator::hold();
    tch::manual_seed(0);
    let vs = nn::VarStore::new(Device::Cpu);
    let space = load_space("nb201").unwrap();
    let arch = space.decode(cell).unwrap();
    let size = NetworkSize {
        channels: Some(4),
        cells: Some(1),
        classes: Some(3),
        in_channels: Some(1),
    };
    let net = build_arch(&vs.root(), &space, &arch, size).unwrap();
    (vs, net)
}

fn uniform(op: &str) -> String {
    format!("|{op}~0|+|{op}~0|{op}~1|+|{op}~0|{op}~1|{op}~2|")
}

#[test]
fn every_op_compiles_runs_and_passes_gradients() {
    for op in OPS {
        let (vs, net) = tiny(&uniform(op));
        let x = Tensor::randn([2, 1, 8, 8], (Kind::Float, Device::Cpu));
        let y = net.forward(&x, true).unwrap();
        assert_eq!(y.size(), [2, 3], "{op}");
        y.sum(Kind::Float).backward();
        let stem = &vs.variables()["layers.0.weight"];
        let grad = stem.grad().abs().sum(Kind::Float).double_value(&[]);
        // With every edge `none` the cells output zeros, so the stem cannot matter.
        assert_eq!(grad > 0.0, op != "none", "{op}: {grad}");
    }
}

#[test]
fn parameters_are_named_by_their_path_in_the_architecture() {
    let (vs, _) = tiny(
        "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|",
    );
    let names = vs.variables();
    for edge in ["1<-0", "2<-1", "3<-2"] {
        assert!(
            names
                .keys()
                .any(|n| n.starts_with(&format!("cells.0.edges.{edge}."))),
            "edge {edge} missing from {:?}",
            names.keys()
        );
    }
    assert!(
        !names.keys().any(|n| n.contains("3<-0")),
        "none edges have no parameters"
    );
    let none_net = tiny(&uniform("none")).0;
    assert!(parameter_count(&vs) > parameter_count(&none_net));
}

#[test]
fn a_wrong_input_is_an_error_value() {
    let (_, net) = tiny(&uniform("nor_conv_3x3"));
    let wrong_channels = Tensor::randn([2, 3, 8, 8], (Kind::Float, Device::Cpu));
    let err = net.forward(&wrong_channels, true).unwrap_err().to_string();
    assert!(err.contains("channels") || err.contains("size"), "{err}");
    let flat = Tensor::randn([2, 64], (Kind::Float, Device::Cpu));
    assert!(net.forward(&flat, false).is_err());
}
