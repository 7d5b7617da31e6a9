//! NAS-Bench-201 networks through the op library: shapes, readable parameter names, gradients,
//! and errors instead of aborts for inputs that do not fit.

use nas::compile::from_space::nb201_genotype;
use nas::compile::nb201::{Nb201Config, Nb201Genotype, Nb201Net, Nb201Op};
use nas::compile::{parameter_count, Layer};
use tch::{nn, Device, Kind, Tensor};

fn tiny(genotype: &Nb201Genotype) -> (nn::VarStore, Nb201Net) {
    tch::manual_seed(0);
    let vs = nn::VarStore::new(Device::Cpu);
    let config = Nb201Config {
        channels: 4,
        cells: 1,
        classes: 3,
        in_channels: 1,
    };
    let net = Nb201Net::new(&vs.root(), genotype, config).unwrap();
    (vs, net)
}

#[test]
fn every_op_compiles_runs_and_passes_gradients() {
    for op in Nb201Op::ALL {
        let (vs, net) = tiny(&Nb201Genotype::uniform(op, 3));
        let x = Tensor::randn([2, 1, 8, 8], (Kind::Float, Device::Cpu));
        let y = net.forward(&x, true).unwrap();
        assert_eq!(y.size(), [2, 3], "{op:?}");
        y.sum(Kind::Float).backward();
        let stem = &vs.variables()["stem.conv.weight"];
        let grad = stem.grad().abs().sum(Kind::Float).double_value(&[]);
        // With every edge `none` the cells output zeros, so the stem cannot matter.
        assert_eq!(grad > 0.0, op != Nb201Op::None, "{op:?}: {grad}");
    }
}

#[test]
fn parameters_are_named_by_their_path_in_the_architecture() {
    let g = Nb201Genotype::parse(
        "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|",
    )
    .unwrap();
    let (vs, _) = tiny(&g);
    let names = vs.variables();
    for name in [
        "stem.conv.weight",
        "stem.bn.running_var",
        "cells.0.edges.1<-0.conv.weight",
        "cells.0.edges.2<-1.bn.bias",
        "cells.0.edges.3<-2.conv.weight",
        "cells.1.conv_a.conv.weight",
        "cells.1.downsample.weight",
        "cells.3.conv_b.bn.weight",
        "lastact.running_mean",
        "classifier.weight",
    ] {
        assert!(
            names.contains_key(name),
            "{name} missing from {:?}",
            names.keys()
        );
    }
    assert!(
        !names.keys().any(|n| n.contains("3<-0")),
        "none edges have no parameters"
    );
    let none_net = tiny(&Nb201Genotype::uniform(Nb201Op::None, 3)).0;
    assert!(parameter_count(&vs) > parameter_count(&none_net));
}

#[test]
fn a_wrong_input_is_an_error_value() {
    let (_, net) = tiny(&Nb201Genotype::uniform(Nb201Op::Conv3x3, 3));
    let wrong_channels = Tensor::randn([2, 3, 8, 8], (Kind::Float, Device::Cpu));
    let err = net.forward(&wrong_channels, true).unwrap_err().to_string();
    assert!(err.contains("channels") || err.contains("size"), "{err}");
    let flat = Tensor::randn([2, 64], (Kind::Float, Device::Cpu));
    assert!(net.forward(&flat, false).is_err());
}

#[test]
fn a_config_out_of_range_is_a_build_error() {
    let vs = nn::VarStore::new(Device::Cpu);
    let config = Nb201Config {
        channels: 0,
        ..Nb201Config::default()
    };
    let g = Nb201Genotype::uniform(Nb201Op::Skip, 3);
    let err = Nb201Net::new(&vs.root(), &g, config)
        .unwrap_err()
        .to_string();
    assert!(err.contains("must all be positive"), "{err}");
}

#[test]
fn architectures_of_the_stdlib_space_compile_to_the_genotype_their_string_names() {
    let space = nas::space::load_space("nb201").unwrap();
    let mut rng = nas::space::rng(5);
    for _ in 0..20 {
        let arch = space.sample(&mut rng).unwrap();
        let from_ir = nb201_genotype(&space, &arch).unwrap();
        let text = space.encode(&arch);
        assert_eq!(from_ir, Nb201Genotype::parse(&text).unwrap(), "{text}");
        assert_eq!(from_ir.to_string(), text);
    }
    let darts = nas::space::load_space("darts").unwrap();
    let arch = darts.sample(&mut rng).unwrap();
    let err = nb201_genotype(&darts, &arch).unwrap_err().to_string();
    assert!(err.contains("2 cell graphs"), "{err}");
}
