//! The supernet compiled from a space's IR, on tiny stdlib spaces (the DARTS space at 4
//! channels and one normal cell per stage, NAS-Bench-201 at 4 channels and one cell per
//! stage; 8×8 grey images, double precision where values are compared): it builds with one
//! α row per op decision or candidate input edge; a path through it has exactly the single
//! architecture's parameters and computes the same logits with the same weights; DARTS steps
//! move α and the weights; a candidate input's edge mixes DARTS' eight ops (the space's seven
//! and `none`); deriving follows DARTS' rule on input choices (top-2 inputs by their strongest
//! op other than `none`, `none` never chosen) and NAS-Bench-201's code on op choices (the
//! argmax, `none` included) and gives an architecture the space's own text form accepts;
//! spaces it cannot mix are errors that name the decision.

mod oneshot_common;
use nas::compile::catalog::{build_arch, NetworkSize};
use nas::oneshot::{OneShotSearch, SearchConfig, Supernet};
use nas::space::{load_space_with, Architecture, Domain, Source, Space, StepKind, Value};
use nas::train::generator;
use oneshot_common::toy;
use std::collections::HashSet;
use tch::{nn, Device, Kind, Tensor};

fn space(name: &str, c: i64, classes: i64) -> Space {
    let args = [
        ("c".to_string(), c),
        ("n".to_string(), 1),
        ("classes".to_string(), classes),
    ];
    load_space_with(name, &args).unwrap_or_else(|e| panic!("{e}"))
}

/// The `cells.I.edges.TO<-FROM.LABEL` prefixes of the supernet's weights that `arch` runs,
/// found from the space's cell graphs (independently of the supernet's own bookkeeping).
fn path_prefixes(space: &Space, arch: &Architecture) -> HashSet<String> {
    let values = arch.values();
    let mut out = HashSet::new();
    let cells = space.skeleton().steps.iter().filter_map(|s| match &s.kind {
        StepKind::Cell(call) => Some(call),
        StepKind::Op(_) => None,
    });
    for (i, call) in cells.enumerate() {
        let g = &call.instance;
        for (j, node) in g.nodes.iter().enumerate() {
            let to = g.inputs.len() + j;
            for term in &node.terms {
                let (
                    Source::Pick {
                        decision,
                        slot,
                        vertices,
                    },
                    Some(nas::space::OpRef::Choice(d)),
                ) = (&term.source, &term.op)
                else {
                    continue;
                };
                let Value::Set(set) = values[*decision] else {
                    panic!("pick without a set")
                };
                let c = (0..vertices.len())
                    .filter(|c| set >> c & 1 == 1)
                    .nth(*slot as usize)
                    .unwrap();
                let Value::Cat(k) = values[*d] else {
                    panic!("op without a value")
                };
                let Domain::Categorical(alts) = &space.decisions()[*d].domain else {
                    panic!("not an op choice")
                };
                let label = &alts[k as usize].label;
                out.insert(format!("cells.{i}.edges.{to}<-{}.{label}.", vertices[c]));
            }
        }
    }
    out
}

fn row(net: &Supernet, name: &str) -> usize {
    net.rows()
        .rows()
        .iter()
        .position(|r| r.name == name)
        .unwrap_or_else(|| panic!("no row {name}"))
}

#[test]
fn the_darts_space_compiles_into_one_supernet_with_a_row_per_candidate_edge() {
    let _g = generator::hold();
    let s = space("darts", 4, 3);
    let net = Supernet::new(&s, 1, Device::Cpu, Kind::Float, 0).unwrap();
    // Per cell 2 + 3 + 4 + 5 = 14 candidate edges, normal and reduce: 28 rows of DARTS'
    // eight ops, the space's seven and the zero op `none` after them.
    assert_eq!(net.alpha().size(), [28, 8]);
    for r in net.rows().rows() {
        assert_eq!(r.labels.len(), 8, "{}", r.name);
        assert_eq!(r.labels[7], "none", "{}", r.name);
        assert_eq!(
            r.zero,
            [false, false, false, false, false, false, false, true]
        );
    }
    // `none` is in the softmax but never computed: each edge mixes its seven other ops, with
    // weights summing to 1 − none's share.
    let alpha = Tensor::zeros([28, 8], (Kind::Float, Device::Cpu));
    let _ = alpha.narrow(1, 7, 1).fill_(2.0);
    let mix = net.darts_mix(&alpha).unwrap();
    let none_share = 2f64.exp() / (2f64.exp() + 7.0);
    for terms in &mix {
        assert_eq!(terms.len(), 7);
        let total: f64 = terms
            .iter()
            .map(|t| t.weight.as_ref().unwrap().double_value(&[]))
            .sum();
        assert!((total - (1.0 - none_share)).abs() < 1e-6, "{total}");
    }
    assert!(net.alpha().requires_grad());
    let names: Vec<&str> = net.rows().rows().iter().map(|r| r.name.as_str()).collect();
    assert!(names.contains(&"darts_normal.n3.in:n2"), "{names:?}");
    assert!(names.contains(&"darts_reduce.n0.in:c1"), "{names:?}");
    // Every alternative of every candidate edge has its own weights; α is not among them.
    let weights = net.named_weights();
    assert!(weights.iter().all(|(n, _)| !n.contains("alpha")));
    let has = |name: &str| weights.iter().any(|(n, _)| n.starts_with(name));
    assert!(has("cells.0.edges.5<-4.sep_conv_5x5."));
    assert!(has("cells.1.edges.2<-0.dil_conv_3x3."));
    let x = Tensor::randn([2, 1, 8, 8], (Kind::Float, Device::Cpu));
    let logits = net
        .forward(&x, &net.darts_mix(net.alpha()).unwrap(), true)
        .unwrap();
    assert_eq!(logits.size(), [2, 3]);
    let g = Tensor::run_backward(
        &[logits.square().sum(Kind::Float)],
        &[net.alpha()],
        false,
        false,
    );
    assert!(g[0].abs().sum(Kind::Double).double_value(&[]) > 0.0);
}

#[test]
fn a_path_through_the_supernet_is_the_single_architecture() {
    let _g = generator::hold();
    let s = space("darts", 4, 3);
    let net = Supernet::new(&s, 1, Device::Cpu, Kind::Double, 1).unwrap();
    let mut rng = nas::space::rng(5);
    for _ in 0..2 {
        let arch = s.sample(&mut rng).unwrap();
        let mut vs = nn::VarStore::new(Device::Cpu);
        let size = NetworkSize {
            in_channels: Some(1),
            ..NetworkSize::default()
        };
        let alone = build_arch(&vs.root(), &s, &arch, size).unwrap();
        vs.set_kind(Kind::Double);
        // The supernet's weights on the path: the fixed parts and the picked ops' edges.
        let prefixes = path_prefixes(&s, &arch);
        // Five cells (a normal one per stage, two reductions), 4 nodes, 2 picked inputs each.
        assert_eq!(prefixes.len(), 5 * 4 * 2, "{prefixes:?}");
        let on_path = |n: &str| !n.contains(".edges.") || prefixes.iter().any(|p| n.starts_with(p));
        let shared = net.named_weights();
        let path_count: i64 = shared
            .iter()
            .filter(|(n, _)| on_path(n))
            .map(|(_, t)| t.numel() as i64)
            .sum();
        let alone_count: i64 = vs
            .trainable_variables()
            .iter()
            .map(|t| t.numel() as i64)
            .sum();
        assert_eq!(path_count, alone_count);
        // The supernet's own count of a path's weights agrees.
        assert_eq!(net.path_weight_count(&arch).unwrap(), alone_count);
        assert!(net.weight_count() > 5 * alone_count);
        // With the supernet's weights copied in, the single architecture gives the same logits.
        let by_name: std::collections::HashMap<String, Tensor> = shared
            .into_iter()
            .filter(|(n, _)| on_path(n))
            .map(|(n, t)| {
                let single = prefixes
                    .iter()
                    .find(|p| n.starts_with(p.as_str()))
                    .map(|p| {
                        let (edge, label) = p.trim_end_matches('.').rsplit_once('.').unwrap();
                        n.replacen(&format!("{edge}.{label}."), &format!("{edge}."), 1)
                    })
                    .unwrap_or_else(|| n.clone());
                (single, t)
            })
            .collect();
        let mut copied = 0;
        tch::no_grad(|| {
            for (name, mut v) in vs.variables() {
                if let Some(src) = by_name.get(&name) {
                    v.copy_(src);
                    copied += 1;
                }
            }
        });
        assert_eq!(copied, vs.trainable_variables().len());
        let x = Tensor::randn([3, 1, 8, 8], (Kind::Double, Device::Cpu));
        let through = net
            .forward(&x, &net.path_mix(&arch).unwrap(), true)
            .unwrap();
        let expected = alone.forward(&x, true).unwrap();
        let diff = (through - expected).abs().max().double_value(&[]);
        assert!(diff < 1e-10, "{diff}");
    }
}

#[test]
fn darts_steps_move_alpha_and_the_weights_and_derive_a_valid_architecture() {
    let _g = generator::hold();
    tch::set_num_threads(1);
    let s = space("darts", 4, 2);
    let net = Supernet::new(&s, 1, Device::Cpu, Kind::Float, 2).unwrap();
    let config = SearchConfig {
        arch_lr: 0.05,
        ..SearchConfig::darts(8, 3)
    };
    let mut search = OneShotSearch::new(net, toy(16, 1), toy(16, 2), &config).unwrap();
    let alpha0 = search.supernet().alpha().copy();
    let weights0: Vec<Tensor> = search
        .supernet()
        .weights()
        .iter()
        .map(Tensor::copy)
        .collect();
    assert!(search.alpha_step(1).unwrap().is_finite());
    let moved = (search.supernet().alpha() - &alpha0)
        .abs()
        .max()
        .double_value(&[]);
    assert!(moved > 1e-3, "{moved}");
    assert!(search.weight_step().unwrap().is_finite());
    let changed = search
        .supernet()
        .weights()
        .iter()
        .zip(&weights0)
        .filter(|(w, b)| w.not_equal_tensor(b).any().int64_value(&[]) != 0)
        .count();
    assert!(
        changed > weights0.len() / 2,
        "{changed} of {}",
        weights0.len()
    );
    // Second order runs on the same primitives; other orders are refused.
    assert!(search.alpha_step(2).unwrap().is_finite());
    assert!(search.alpha_step(3).is_err());
    let derived = search.derive().unwrap();
    let text = s.encode(&derived);
    assert_eq!(s.decode(&text).unwrap(), derived);
    let acc = search.valid_accuracy(&derived, None).unwrap();
    assert!((0.0..=1.0).contains(&acc));
}

#[test]
fn deriving_keeps_the_inputs_whose_strongest_op_weighs_most() {
    let _g = generator::hold();
    let s = space("darts", 4, 3);
    let net = Supernet::new(&s, 1, Device::Cpu, Kind::Float, 0).unwrap();
    let alpha = Tensor::zeros([28, 8], (Kind::Float, Device::Cpu));
    // Node n1 of the normal cell reads c0, c1, n0: n0's edge is strongly sep_conv_5x5 (1),
    // c1's strongly max_pool_3x3 (4), c0's flat. The picked inputs are {c1, n0}, in that
    // order, so op0 (c1's slot) is the pooling and op1 the 5×5 convolution.
    let _ = alpha
        .get(row(&net, "darts_normal.n1.in:n0") as i64)
        .get(1)
        .fill_(3.0);
    let _ = alpha
        .get(row(&net, "darts_normal.n1.in:c1") as i64)
        .get(4)
        .fill_(2.0);
    // Node n3 of the reduction cell: only n2's edge stands out (skip, 6); the tie among the
    // others goes to the first candidate, c0, whose ops tie too: the first, sep_conv_3x3.
    let _ = alpha
        .get(row(&net, "darts_reduce.n3.in:n2") as i64)
        .get(6)
        .fill_(1.0);
    // Node n2 of the normal cell reads c0, c1, n0, n1: on c0's edge `none` is the strongest op
    // (2) and sep_conv_5x5 the next (1.5), the others flat. `none` is never derived: c0 is
    // ranked by its sep_conv_5x5 (0.25, above the flat edges' 1/8) and takes it; the second
    // input is the first of the flat ones, c1, with the first of its tied ops.
    let n2_c0 = row(&net, "darts_normal.n2.in:c0") as i64;
    let _ = alpha.get(n2_c0).get(7).fill_(2.0);
    let _ = alpha.get(n2_c0).get(1).fill_(1.5);
    tch::no_grad(|| net.alpha().shallow_clone().copy_(&alpha));
    let text = s.encode(&net.derive().unwrap());
    for part in [
        "darts_normal.n2.in={c0,c1}",
        "darts_normal.n2.op0=sep_conv_5x5",
        "darts_normal.n2.op1=sep_conv_3x3",
        "darts_normal.n1.in={c1,n0}",
        "darts_normal.n1.op0=max_pool_3x3",
        "darts_normal.n1.op1=sep_conv_5x5",
        "darts_reduce.n3.in={c0,n2}",
        "darts_reduce.n3.op0=sep_conv_3x3",
        "darts_reduce.n3.op1=skip_connect",
    ] {
        assert!(text.contains(part), "{part} not in {text}");
    }
}

#[test]
fn nb201_compiles_into_a_row_per_edge_with_every_candidate_op() {
    let _g = generator::hold();
    let s = space("nb201", 4, 3);
    let ir = Supernet::new(&s, 1, Device::Cpu, Kind::Float, 0).unwrap();
    // One row per edge decision, NB201's five ops each.
    assert_eq!(ir.alpha().size(), [6, 5]);
    // Every edge of every cell (3 stages, one cell each) holds a 1×1 and a 3×3 conv of the
    // stage's channels: Σ 6·(c² + 9c²) over c = 4, 8, 16.
    let conv: i64 = ir
        .named_weights()
        .iter()
        .filter(|(n, _)| n.contains(".edges.") && n.ends_with("conv.weight"))
        .map(|(_, t)| t.numel() as i64)
        .sum();
    assert_eq!(
        conv,
        [4i64, 8, 16].iter().map(|c| 6 * 10 * c * c).sum::<i64>()
    );
    // `none` is an op of the space here, derived when it is the strongest, as NAS-Bench-201's
    // own DARTS code takes the argmax over all five ops; otherwise the strongest op.
    let alpha = Tensor::zeros([6, 5], (Kind::Float, Device::Cpu));
    let _ = alpha.narrow(1, 0, 1).fill_(5.0);
    let _ = alpha.narrow(1, 3, 1).fill_(1.0);
    let _ = alpha.get(5).get(0).fill_(0.0);
    tch::no_grad(|| ir.alpha().shallow_clone().copy_(&alpha));
    let text = s.encode(&ir.derive().unwrap());
    assert_eq!(
        text,
        "|none~0|+|none~0|none~1|+|none~0|none~1|nor_conv_3x3~2|"
    );
    // A path with `none` edges runs (a zero op's output, not a missing one).
    let arch = s
        .decode("|none~0|+|skip_connect~0|none~1|+|none~0|none~1|avg_pool_3x3~2|")
        .unwrap();
    let x = Tensor::randn([2, 1, 8, 8], (Kind::Float, Device::Cpu));
    let logits = ir.forward(&x, &ir.path_mix(&arch).unwrap(), true).unwrap();
    assert_eq!(logits.size(), [2, 3]);
}

#[test]
fn spaces_a_supernet_cannot_mix_are_errors_that_name_the_decision() {
    let _g = generator::hold();
    let cases = [
        ("nas_rl", "disagree on their output"),
        ("stdlib/spaces/mobilenet_v2.nas:mobilenet_v2_depth", "depth"),
    ];
    for (spec, why) in cases {
        let s = nas::space::load_space(spec).unwrap_or_else(|e| panic!("{e}"));
        let name = s.name().to_string();
        let err = Supernet::new(&s, 3, Device::Cpu, Kind::Float, 0)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains(&format!(
                "space `{name}` cannot be compiled into a supernet"
            )) && err.contains("decision `")
                && err.contains(why),
            "{name}: {err}"
        );
    }
    // (`mobilenet_v2` and `fbnet`, whose layers choose values inside their ops, compile:
    // tests/oneshot_layerwise.rs; NAS-Bench-101 too: tests/oneshot_ir_nb101.rs.)
    // A single architecture is not a mixture of the supernet's space.
    let s = space("darts", 4, 3);
    let net = Supernet::new(&s, 1, Device::Cpu, Kind::Float, 0).unwrap();
    let other = space("nb201", 4, 3);
    let foreign = other
        .decode("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|")
        .unwrap();
    assert!(net.path_mix(&foreign).is_err());
    assert!(Supernet::new(&s, 0, Device::Cpu, Kind::Float, 0).is_err());
}

/// A tiny space with an op choice in the network's pipeline (3 ops, so α's rows are ragged),
/// a cell edge's op choice with `none`, and a 2-of-2 input pick.
const TINY: &str = "
op conv3(c: int) = relu >> conv(c, 3) >> batchnorm
choice layer_op(c: int) = conv3(c) | sep_conv(c, 3) | max_pool(3)
choice edge_op(c: int) = none | skip | conv3(c) | avg_pool(3)

cell mix(c: int) {
    input  a
    node   b = sum(a >> edge_op(c))
    node   d = sum(2 of [a, b] >> edge_op(c))
    output concat(b, d)
}

space tiny(c: int = 4, classes: int = 2) {
    input image(1, 8, 8)
    conv(c, 3) >> batchnorm >> layer_op(c) >> mix(c) >> global_avg_pool >> linear(classes)
}
";

#[test]
fn pipeline_op_choices_ragged_rows_and_none_edges_run_as_paths() {
    let _g = generator::hold();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tiny.nas");
    std::fs::write(&file, TINY).unwrap();
    let s = nas::space::load_space(&format!("{}:tiny", file.display()))
        .unwrap_or_else(|e| panic!("{e}"));
    let net = Supernet::new(&s, 1, Device::Cpu, Kind::Double, 4).unwrap();
    let names: Vec<&str> = net.rows().rows().iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["s2", "mix.b.op", "mix.d.in:a", "mix.d.in:b"]);
    assert_eq!(net.alpha().size(), [4, 4]);
    // The pipeline's choice has 3 ops: its 4th column weighs nothing.
    let probs = net.probabilities().unwrap();
    assert_eq!(probs[0][3], 0.0);
    assert!((probs[0].iter().sum::<f64>() - 1.0).abs() < 1e-9);
    let mut rng = nas::space::rng(9);
    let x = Tensor::randn([2, 1, 8, 8], (Kind::Double, Device::Cpu));
    for _ in 0..12 {
        let arch = s.sample(&mut rng).unwrap();
        let text = s.encode(&arch);
        let value = |key: &str| {
            text.split(' ')
                .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
                .unwrap()
                .to_string()
        };
        let prefixes = [
            format!("layers.2.{}.", value("s2")),
            format!("cells.0.edges.1<-0.{}.", value("mix.b.op")),
            format!("cells.0.edges.2<-0.{}.", value("mix.d.op0")),
            format!("cells.0.edges.2<-1.{}.", value("mix.d.op1")),
        ];
        let mixed = |n: &str| n.starts_with("layers.2.") || n.contains(".edges.");
        let mut vs = nn::VarStore::new(Device::Cpu);
        let size = NetworkSize {
            in_channels: Some(1),
            ..NetworkSize::default()
        };
        let alone = build_arch(&vs.root(), &s, &arch, size).unwrap();
        vs.set_kind(Kind::Double);
        let mut copied = 0;
        tch::no_grad(|| {
            for (n, t) in net.named_weights() {
                let single = if mixed(&n) {
                    match prefixes.iter().find(|p| n.starts_with(p.as_str())) {
                        Some(p) => {
                            let (head, label) = p.trim_end_matches('.').rsplit_once('.').unwrap();
                            n.replacen(&format!("{head}.{label}."), &format!("{head}."), 1)
                        }
                        None => continue,
                    }
                } else {
                    n.clone()
                };
                let mut v = vs
                    .variables()
                    .remove(&single)
                    .unwrap_or_else(|| panic!("{single} ({text})"));
                v.copy_(&t);
                copied += 1;
            }
        });
        assert_eq!(copied, vs.trainable_variables().len(), "{text}");
        let alone_count = nas::compile::op::parameter_count(&vs);
        assert_eq!(net.path_weight_count(&arch).unwrap(), alone_count, "{text}");
        let through = net
            .forward(&x, &net.path_mix(&arch).unwrap(), true)
            .unwrap();
        let expected = alone.forward(&x, true).unwrap();
        let diff = (through - expected).abs().max().double_value(&[]);
        assert!(diff < 1e-10, "{text}: {diff}");
    }
    // Deriving gives an architecture of the space; a picked input's op is never `none`,
    // even where `none` is the strongest op of its edge (the plain edge `mix.b.op` takes it
    // then, as an op choice of the space).
    let alpha = Tensor::zeros([4, 4], (Kind::Double, Device::Cpu));
    let _ = alpha.narrow(1, 0, 1).fill_(3.0);
    let _ = alpha.get(0).get(0).fill_(0.0);
    tch::no_grad(|| net.alpha().shallow_clone().copy_(&alpha));
    let derived = net.derive().unwrap();
    let text = s.encode(&derived);
    assert_eq!(s.decode(&text).unwrap(), derived);
    for part in ["mix.b.op=none", "mix.d.op0=skip", "mix.d.op1=skip"] {
        assert!(text.contains(part), "{part} not in {text}");
    }
}

#[test]
fn any_of_members_are_gated_edges_whose_paths_are_the_single_architecture() {
    let _g = generator::hold();
    let s = {
        let args = [("c".to_string(), 2), ("classes".to_string(), 3)];
        load_space_with("enas_macro", &args).unwrap_or_else(|e| panic!("{e}"))
    };
    let net = Supernet::new(&s, 1, Device::Cpu, Kind::Double, 2).unwrap();
    // 12 op decisions, and one row per member of the 11 `any of` lists (1 + 2 + … + 10 + 11).
    let rows = net.rows().rows();
    assert_eq!(rows.len(), 12 + 66);
    let member = rows
        .iter()
        .find(|r| r.name == "enas_macro_net.l3.1.in:l2")
        .unwrap_or_else(|| panic!("{:?}", rows.iter().map(|r| &r.name).collect::<Vec<_>>()));
    assert_eq!(
        (member.labels.as_slice(), member.zero.as_slice()),
        (
            &["off".to_string(), "on".to_string()][..],
            &[true, false][..]
        )
    );
    let x = Tensor::randn([2, 1, 8, 8], (Kind::Double, Device::Cpu));
    let mut rng = nas::space::rng(3);
    for _ in 0..3 {
        let arch = s.sample(&mut rng).unwrap();
        let text = s.encode(&arch);
        let op_of = |layer: usize| {
            let key = if layer == 1 {
                "enas_macro_net.l1.op=".to_string()
            } else {
                format!("enas_macro_net.l{layer}.0.op=")
            };
            text.split(' ')
                .find_map(|kv| kv.strip_prefix(key.as_str()))
                .unwrap_or_else(|| panic!("{key} in {text}"))
                .to_string()
        };
        let mut vs = nn::VarStore::new(Device::Cpu);
        let size = NetworkSize {
            in_channels: Some(1),
            ..NetworkSize::default()
        };
        let alone = build_arch(&vs.root(), &s, &arch, size).unwrap();
        vs.set_kind(Kind::Double);
        let mut copied = 0;
        tch::no_grad(|| {
            for (n, t) in net.named_weights() {
                let single = match n.split_once(".edges.") {
                    Some((_, rest)) => {
                        let (edge, tail) = rest.split_once('.').unwrap();
                        let layer: usize = edge.split_once("<-").unwrap().0.parse().unwrap();
                        let Some(param) = tail.strip_prefix(&format!("{}.", op_of(layer))) else {
                            continue;
                        };
                        n.replacen(tail, param, 1)
                    }
                    None => n.clone(),
                };
                let mut v = vs
                    .variables()
                    .remove(&single)
                    .unwrap_or_else(|| panic!("{single} ({text})"));
                v.copy_(&t);
                copied += 1;
            }
        });
        assert_eq!(copied, vs.trainable_variables().len(), "{text}");
        let alone_count = nas::compile::op::parameter_count(&vs);
        assert_eq!(net.path_weight_count(&arch).unwrap(), alone_count, "{text}");
        let through = net
            .forward(&x, &net.path_mix(&arch).unwrap(), true)
            .unwrap();
        let expected = alone.forward(&x, true).unwrap();
        let diff = (through - expected).abs().max().double_value(&[]);
        assert!(diff < 1e-10, "{diff} ({text})");
    }
    // Deriving keeps the members whose `on` outweighs their `off`, and gives a valid architecture.
    let mut probs = net.probabilities().unwrap();
    let r = rows
        .iter()
        .position(|r| r.name == "enas_macro_net.l3.1.in:l2")
        .unwrap();
    probs[r][0] = 0.2;
    probs[r][1] = 0.8;
    for (i, row) in rows.iter().enumerate() {
        if i != r && row.labels == ["off", "on"] {
            probs[i][0] = 0.9;
            probs[i][1] = 0.1;
        }
    }
    let derived = net.rows().derive(&s, &probs).unwrap();
    let text = s.encode(&derived);
    assert!(text.contains("enas_macro_net.l3.1.in={l2}"), "{text}");
    assert!(text.contains("enas_macro_net.l4.1.in={}"), "{text}");
    assert_eq!(s.decode(&text).unwrap(), derived);
}

/// The op on edge `to <- from` of a NAS-Bench-201 string (`|op~0|+|op~0|op~1|+…`).
fn nb201_edge_op(text: &str, to: usize, from: usize) -> String {
    let node = text.split('+').nth(to - 1).unwrap();
    node.trim_matches('|')
        .split('|')
        .find_map(|e| e.strip_suffix(&format!("~{from}")))
        .unwrap_or_else(|| panic!("no edge {to}<-{from} in {text}"))
        .to_string()
}

#[test]
fn an_nb201_path_through_the_supernet_is_the_single_architecture() {
    let _g = generator::hold();
    let s = space("nb201", 4, 3);
    let net = Supernet::new(&s, 1, Device::Cpu, Kind::Double, 3).unwrap();
    let x = Tensor::randn([3, 1, 8, 8], (Kind::Double, Device::Cpu));
    let mut rng = nas::space::rng(11);
    let mut texts: Vec<String> = vec![
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|".into(),
        "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|".into(),
    ];
    texts.extend((0..3).map(|_| s.encode(&s.sample(&mut rng).unwrap())));
    for text in texts {
        let arch = s.decode(&text).unwrap();
        let mut vs = nn::VarStore::new(Device::Cpu);
        let size = NetworkSize {
            in_channels: Some(1),
            ..NetworkSize::default()
        };
        let alone = build_arch(&vs.root(), &s, &arch, size).unwrap();
        vs.set_kind(Kind::Double);
        let mut copied = 0;
        tch::no_grad(|| {
            for (n, t) in net.named_weights() {
                let single = match n.split_once(".edges.") {
                    Some((_, rest)) => {
                        let (edge, tail) = rest.split_once('.').unwrap();
                        let (to, from) = edge.split_once("<-").unwrap();
                        let op = nb201_edge_op(&text, to.parse().unwrap(), from.parse().unwrap());
                        let Some(param) = tail.strip_prefix(&format!("{op}.")) else {
                            continue;
                        };
                        n.replacen(tail, param, 1)
                    }
                    None => n.clone(),
                };
                let mut v = vs
                    .variables()
                    .remove(&single)
                    .unwrap_or_else(|| panic!("{single} ({text})"));
                v.copy_(&t);
                copied += 1;
            }
        });
        assert_eq!(copied, vs.trainable_variables().len(), "{text}");
        let alone_count = nas::compile::op::parameter_count(&vs);
        assert_eq!(net.path_weight_count(&arch).unwrap(), alone_count, "{text}");
        let through = net
            .forward(&x, &net.path_mix(&arch).unwrap(), true)
            .unwrap();
        let expected = alone.forward(&x, true).unwrap();
        let diff = (through - expected).abs().max().double_value(&[]);
        assert!(diff < 1e-10, "{text}: {diff}");
    }
    // At the benchmark's size the path counts are `nas params nb201`'s (README): every edge
    // a 3×3 conv 1,531,546, every edge `none` 73,306.
    let full = load_space_with("nb201", &[("classes".to_string(), 10)]).unwrap();
    let big = Supernet::new(&full, 3, Device::Cpu, Kind::Float, 0).unwrap();
    for (op, count) in [("nor_conv_3x3", 1_531_546), ("none", 73_306)] {
        let text = format!("|{op}~0|+|{op}~0|{op}~1|+|{op}~0|{op}~1|{op}~2|");
        let arch = full.decode(&text).unwrap();
        assert_eq!(big.path_weight_count(&arch).unwrap(), count, "{text}");
    }
}
