//! Nodes whose kind is a decision (`node a = sum(..) | prod(..)`): one categorical decision
//! labelled by what each alternative computes, the decisions inside an alternative guarded by
//! it, and a compiled cell holding only the chosen alternative's parameters.

use nas::check::check_source;
use nas::compile::network::SpaceNet;
use nas::compile::parameter_count;
use nas::space::{lower_space, rng, Domain, Space};
use num_bigint::BigUint;
use tch::{nn, Device, Kind, Tensor};

fn lower(text: &str) -> Space {
    let program = check_source("test.nas", text);
    assert!(
        !program.has_errors(),
        "{}",
        program.render_diagnostics(false)
    );
    lower_space(&program, "s").unwrap_or_else(|d| panic!("{}", d.render(&program.sources)))
}

const RECURRENT: &str = "cell kinds(d: int) {
    input x, h
    node n1 = sum(2 of [x, h] >> linear(d)) | prod(x, h) | sum(1 of [x, h] >> tanh)
    output n1
}
space s {
    input sequence(35, 1)
    embedding(100, 8) >> linear(8) >> kinds(8) >> linear(100)
}
";

#[test]
fn a_node_kind_is_one_decision_with_guarded_inner_decisions() {
    let s = lower(RECURRENT);
    let kind = s
        .decisions()
        .iter()
        .find(|d| d.name == "kinds.n1")
        .expect("the kind decision");
    let Domain::Categorical(alts) = &kind.domain else {
        panic!("{:?}", kind.domain)
    };
    let labels: Vec<&str> = alts.iter().map(|a| a.label.as_str()).collect();
    assert_eq!(labels, ["linear", "prod", "tanh"]);
    // linear: 1 pair; prod: fixed inputs; tanh: 2 single picks.
    assert_eq!(s.count().unwrap(), BigUint::from(4u32));
    let guarded = s.decisions().iter().filter(|d| d.guard.is_some()).count();
    assert_eq!(guarded, 2, "{:?}", s.decisions());
    let arch = s.decode("kinds.n1=prod").unwrap();
    assert_eq!(s.encode(&arch), "kinds.n1=prod");
    // Drawn, the node is its chosen alternative; the others are left out.
    let text = s.show_text(&arch);
    assert!(text.contains("n1.prod = product(x, h)"), "{text}");
    assert!(text.contains("n1 = n1.prod"), "{text}");
    assert!(
        !text.contains("absent") && !text.contains("n1.linear"),
        "{text}"
    );
    let all = s.enumerate(100).unwrap();
    assert_eq!(all.len(), 4);
    let mut hashes: Vec<u64> = all.iter().map(|a| s.iso_hash(a)).collect();
    hashes.sort_unstable();
    hashes.dedup();
    assert_eq!(hashes.len(), 4, "each kind computes another function");
    let mut r = rng(7);
    for _ in 0..200 {
        let a = s.sample(&mut r).unwrap();
        assert_eq!(s.decode(&s.encode(&a)).unwrap(), a);
        s.validate(&s.mutate(&a, &mut r).unwrap()).unwrap();
    }
}

const IMAGE: &str = "cell block(c: int) {
    input x
    node y = sum(x >> conv(c, 3), x) | concat(x, x) >> conv(c, 1)
    output y
}
space s(c: int = 4) {
    input image(4, 8, 8)
    block(c) >> global_avg_pool >> linear(2)
}
";

/// Builds `text` of the space in [`IMAGE`]; returns its parameter count and output shape.
fn build(s: &Space, text: &str) -> (i64, Vec<i64>) {
    let arch = s.decode(text).unwrap();
    let vs = nn::VarStore::new(Device::Cpu);
    let net = SpaceNet::new(&vs.root(), s, &arch, 4).unwrap_or_else(|e| panic!("{e}"));
    let x = Tensor::ones([1, 4, 8, 8], (Kind::Float, Device::Cpu));
    let y = nas::compile::Layer::forward(&net, &x, false).unwrap();
    (parameter_count(&vs), y.size())
}

#[test]
fn a_compiled_cell_holds_only_the_chosen_kind() {
    let s = lower(IMAGE);
    assert_eq!(s.count().unwrap(), BigUint::from(2u32));
    let name = &s.decisions()[0].name;
    let Domain::Categorical(alts) = &s.decisions()[0].domain else {
        panic!("{:?}", s.decisions()[0].domain)
    };
    let labels: Vec<&str> = alts.iter().map(|a| a.label.as_str()).collect();
    assert_eq!(labels, ["conv", "concat_conv"]);
    // A 3×3 conv 4 → 4 (144) plus the 4 → 2 classifier (10).
    assert_eq!(build(&s, &format!("{name}=conv")), (154, vec![1, 2]));
    // A 1×1 conv 8 → 4 (32) plus the classifier.
    assert_eq!(build(&s, &format!("{name}=concat_conv")), (42, vec![1, 2]));
}

#[test]
fn edges_count_the_chosen_alternatives_inputs_only() {
    // Each kind reads 2 inputs and the output reads the node: 3 edges, whichever kind (the
    // node's reading of its chosen kind is not one), so `edges <= 3` keeps both kinds and the
    // 3 pairs of `2 of`, and `edges <= 2` none (which the check rejects).
    let text = |limit: u32| {
        format!(
            "cell k(d: int) {{
    input x, h, g
    node n = sum(2 of [x, h, g]) | prod(x, h)
    output n
    where edges <= {limit}
}}
space s {{
    input sequence(5, 1)
    embedding(10, 4) >> linear(4) >> linear(4) >> k(4) >> linear(10)
}}
"
        )
    };
    assert_eq!(lower(&text(3)).count().unwrap(), BigUint::from(4u32));
    // A space no architecture meets is rejected by the check (it could not be sampled).
    let empty = check_source("test.nas", &text(2)).render_diagnostics(false);
    assert!(
        empty.contains("[unsupported]") && empty.contains("no architecture meets its constraints"),
        "{empty}"
    );
}

#[test]
fn alternatives_of_tensor_lists_or_outside_cells_are_errors() {
    let text = "cell c(d: int) {
    input x, h
    node n = 2 of [x, h] | 1 of [x, h]
    output sum(n)
}
";
    let program = check_source("test.nas", text);
    let rendered = program.render_diagnostics(false);
    assert!(
        rendered.contains("alternatives cannot be tensor lists"),
        "{rendered}"
    );
}

/// `mean` merges a cell's terms and parallel ops' outputs into their element-wise mean.
#[test]
fn mean_averages_a_nodes_terms_and_parallel_ops() {
    let s = lower(
        "cell avg(c: int) {
    input x
    node y = mean(x, x >> relu, x >> sigmoid) | sum(x, x >> relu, x >> sigmoid)
    output y
}
space s(c: int = 4) {
    input image(4, 2, 2)
    mean(skip, relu) >> avg(c)
}
",
    );
    let Domain::Categorical(alts) = &s.decisions()[0].domain else {
        panic!("{:?}", s.decisions()[0].domain)
    };
    assert_eq!(alts.len(), 2, "the mean, then the sum");
    let x = Tensor::randn([3, 4, 2, 2], (Kind::Float, Device::Cpu));
    let first = (&x + x.relu()) / 2.0;
    let terms = &first + first.relu() + first.sigmoid();
    for (alt, expected) in alts.iter().zip([&terms / 3.0, terms.shallow_clone()]) {
        let label = &alt.label;
        let arch = s
            .decode(&format!("{}={label}", s.decisions()[0].name))
            .unwrap();
        let vs = nn::VarStore::new(Device::Cpu);
        let net = SpaceNet::new(&vs.root(), &s, &arch, 4).unwrap_or_else(|e| panic!("{e}"));
        let y = nas::compile::Layer::forward(&net, &x, false).unwrap();
        assert!(y.allclose(&expected, 1e-6, 1e-6, false), "{label}");
    }
}
