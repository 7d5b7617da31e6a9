//! Recurrent cells with named states: the stdlib's `rnn`, `lstm` and `gru` (stdlib/ops.nas)
//! have PyTorch's parameter counts and compute its formulas, and named states carry from step
//! to step and from window to window; `nas_rl_rnn` holds TensorFlow's NASCell and computes it.

use nas::compile::parameter_count;
use nas::compile::sequence::SequenceNet;
use nas::space::{load_space, load_space_with, Space};
use std::collections::HashMap;
use tch::{nn, Device, Kind, Tensor};

fn stdlib(cell: &str, vocab: i64, d: i64) -> Space {
    let args = [("vocab".to_string(), vocab), ("d".to_string(), d)];
    load_space_with(&format!("{cell}_lm"), &args).unwrap_or_else(|e| panic!("{cell}_lm:\n{e}"))
}

fn build(space: &Space) -> (nn::VarStore, SequenceNet) {
    let vs = nn::VarStore::new(Device::Cpu);
    let arch = space.decode("").expect("one architecture");
    let net = SequenceNet::new(&vs.root(), space, &arch).expect("compiles");
    (vs, net)
}

#[test]
fn parameter_counts_are_pytorchs() {
    // `.venv/bin/python benches/rnn_vs_pytorch.py params --dims 8,32,256` (torch 2.11) prints
    // these: nn.RNN/LSTM/GRU(d, d) alone, and with nn.Embedding(10000, d) and
    // nn.Linear(d, 10000) around them.
    let pins = [
        ("rnn", 8, 144, 170_144),
        ("lstm", 8, 576, 170_576),
        ("gru", 8, 432, 170_432),
        ("rnn", 32, 2_112, 652_112),
        ("lstm", 32, 8_448, 658_448),
        ("gru", 32, 6_336, 656_336),
        ("rnn", 256, 131_584, 5_261_584),
        ("lstm", 256, 526_336, 5_656_336),
        ("gru", 256, 394_752, 5_524_752),
    ];
    for (cell, d, module, model) in pins {
        let (vs, _) = build(&stdlib(cell, 10_000, d));
        let in_cell: i64 = vs
            .variables()
            .iter()
            .filter(|(name, _)| name.starts_with("cell."))
            .map(|(_, t)| t.numel() as i64)
            .sum();
        assert_eq!(in_cell, module, "{cell} d={d}: the cell");
        assert_eq!(
            parameter_count(&vs),
            model,
            "{cell} d={d}: the language model"
        );
    }
}

/// The cell's variables by name, with the edge `to<-from`'s weight and bias.
struct Weights(HashMap<String, Tensor>);

impl Weights {
    fn of(vs: &nn::VarStore) -> Self {
        Weights(vs.variables())
    }

    /// `W·x + b` of the edge `to<-from`.
    fn edge(&self, edge: &str, x: &Tensor) -> Tensor {
        let get = |part: &str| {
            let name = format!("cell.edges.{edge}.{part}");
            let known: Vec<&String> = self.0.keys().collect();
            self.0
                .get(&name)
                .unwrap_or_else(|| panic!("no {name}; the variables: {known:?}"))
        };
        x.matmul(&get("weight").tr()) + get("bias")
    }
}

/// Runs `net` on token ids `[2, 5]` in two windows of 3 and 2 steps, carrying the states.
fn two_windows(net: &SequenceNet) -> (Tensor, Tensor) {
    let tokens = Tensor::from_slice(&[1i64, 4, 2, 0, 3, 2, 2, 1, 4, 0]).view([2, 5]);
    let states = net.zero_states(2, Device::Cpu);
    let (first, states) = net
        .forward_states(&tokens.narrow(1, 0, 3), &states, false)
        .unwrap();
    let (second, _) = net
        .forward_states(&tokens.narrow(1, 3, 2), &states, false)
        .unwrap();
    (tokens, Tensor::cat(&[first, second], 1))
}

fn assert_close(ours: &Tensor, reference: &Tensor) {
    let gap = (ours - reference).abs().max().double_value(&[]);
    assert!(gap < 1e-5, "largest difference {gap}");
}

#[test]
fn the_lstm_computes_pytorchs_formulas_over_two_windows() {
    let _generators = nas::train::generator::hold();
    tch::manual_seed(7);
    let space = stdlib("lstm", 5, 4);
    let (vs, net) = build(&space);
    let (tokens, logits) = two_windows(&net);
    let w = Weights::of(&vs);
    let emb = &w.0["layers.0.weight"];
    let (dec_w, dec_b) = (&w.0["layers.2.weight"], &w.0["layers.2.bias"]);
    // Vertices: x 0, h 1, c 2, then the gates i 3, f 4, g 5, o 6.
    let gate = |k: usize, x: &Tensor, h: &Tensor| {
        w.edge(&format!("{k}<-0"), x) + w.edge(&format!("{k}<-1"), h)
    };
    let mut h = Tensor::zeros([2, 4], (Kind::Float, Device::Cpu));
    let mut c = h.zeros_like();
    let mut outputs = Vec::new();
    for t in 0..5 {
        let x = emb.index_select(0, &tokens.select(1, t));
        let i = gate(3, &x, &h).sigmoid();
        let f = gate(4, &x, &h).sigmoid();
        let g = gate(5, &x, &h).tanh();
        let o = gate(6, &x, &h).sigmoid();
        c = &f * &c + &i * &g;
        h = &o * c.tanh();
        outputs.push(h.matmul(&dec_w.tr()) + dec_b);
    }
    assert_close(&logits, &Tensor::stack(&outputs, 1));
}

#[test]
fn the_gru_computes_pytorchs_formulas_over_two_windows() {
    let _generators = nas::train::generator::hold();
    tch::manual_seed(8);
    let space = stdlib("gru", 5, 4);
    let (vs, net) = build(&space);
    let (tokens, logits) = two_windows(&net);
    let w = Weights::of(&vs);
    let emb = &w.0["layers.0.weight"];
    let (dec_w, dec_b) = (&w.0["layers.2.weight"], &w.0["layers.2.bias"]);
    // Vertices: x 0, h 1, then r 2, z 3, r ⊙ (W_hn·h + b_hn) 4, the candidate 5.
    let mut h = Tensor::zeros([2, 4], (Kind::Float, Device::Cpu));
    let mut outputs = Vec::new();
    for t in 0..5 {
        let x = emb.index_select(0, &tokens.select(1, t));
        let r = (w.edge("2<-0", &x) + w.edge("2<-1", &h)).sigmoid();
        let z = (w.edge("3<-0", &x) + w.edge("3<-1", &h)).sigmoid();
        let n = (w.edge("5<-0", &x) + &r * w.edge("4<-1", &h)).tanh();
        h = (1.0 - &z) * &n + &z * &h;
        outputs.push(h.matmul(&dec_w.tr()) + dec_b);
    }
    assert_close(&logits, &Tensor::stack(&outputs, 1));
}

#[test]
fn named_states_take_their_next_values_not_the_delayed_output() {
    // a ← b, b ← a + b + x: on ones the outputs are 1, 2, 4, 7, and then 12 in a second
    // window started from the first one's states (the output's delays would give 1, 2, 4, 8).
    let dir = std::env::temp_dir().join(format!("nas-states-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("fib.nas");
    std::fs::write(
        &file,
        "cell fib(d: int) {\n    input  x\n    state  a, b\n    node   n = sum(a, b, x)\n    \
         next   a = b\n    next   b = n\n    output n\n}\n\n\
         space counter(d: int = 1) {\n    input sequence(4, 1)\n    fib(d)\n}\n",
    )
    .unwrap();
    let space = load_space(&format!("{}:counter", file.display())).unwrap();
    let (vs, net) = build(&space);
    assert_eq!(parameter_count(&vs), 0);
    let ones = Tensor::ones([1, 4, 1], (Kind::Float, Device::Cpu));
    let states = net.zero_states(1, Device::Cpu);
    let (out, states) = net.forward_states(&ones, &states, false).unwrap();
    assert_eq!(
        Vec::<f32>::try_from(out.flatten(0, -1)).unwrap(),
        [1.0, 2.0, 4.0, 7.0]
    );
    let carried: Vec<f64> = states.iter().map(|s| s.double_value(&[0, 0])).collect();
    assert_eq!(carried, [4.0, 7.0]);
    let (out, _) = net
        .forward_states(&ones.narrow(1, 0, 1), &states, false)
        .unwrap();
    assert_eq!(out.double_value(&[0, 0, 0]), 12.0);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_rnn_computes_pytorchs_formula_over_two_windows() {
    let _generators = nas::train::generator::hold();
    tch::manual_seed(9);
    let space = stdlib("rnn", 5, 4);
    let (vs, net) = build(&space);
    let (tokens, logits) = two_windows(&net);
    let w = Weights::of(&vs);
    let emb = &w.0["layers.0.weight"];
    let (dec_w, dec_b) = (&w.0["layers.2.weight"], &w.0["layers.2.bias"]);
    // Vertices: x 0, h 1, then the new state 2 = tanh(W_ih·x + b_ih + W_hh·h + b_hh).
    let mut h = Tensor::zeros([2, 4], (Kind::Float, Device::Cpu));
    let mut outputs = Vec::new();
    for t in 0..5 {
        let x = emb.index_select(0, &tokens.select(1, t));
        h = (w.edge("2<-0", &x) + w.edge("2<-1", &h)).tanh();
        outputs.push(h.matmul(&dec_w.tr()) + dec_b);
    }
    assert_close(&logits, &Tensor::stack(&outputs, 1));
}

/// TensorFlow's `NASCell`, the cell Zoph & Le found on Penn Treebank, as an architecture of
/// the stdlib's `nas_rl_rnn`: leaves 0–7 (add or multiply W·x and W·h, then an activation),
/// inner nodes 8–14 over pairs, c_{t-1} added into node 8 and passed through tanh, the cell
/// state taken from node 12 before its (identity) activation (`tests/reference/nascell.arch`).
const NAS_CELL: &str = include_str!("reference/nascell.arch");

#[test]
fn nas_rl_rnn_holds_tensorflows_nascell_and_computes_it_over_two_windows() {
    let _generators = nas::train::generator::hold();
    tch::manual_seed(10);
    let args = [("vocab".to_string(), 5), ("d".to_string(), 4)];
    let space = load_space_with("nas_rl_rnn", &args).unwrap();
    let arch = space.decode(NAS_CELL.trim()).unwrap();
    let vs = nn::VarStore::new(Device::Cpu);
    let net = SequenceNet::new(&vs.root(), &space, &arch).expect("compiles");
    // The cell's 16 linear maps, each with its bias (NASCell has none: 8 x 2 x d^2).
    let in_cell: i64 = vs
        .variables()
        .iter()
        .filter(|(name, _)| name.starts_with("cell."))
        .map(|(_, t)| t.numel() as i64)
        .sum();
    assert_eq!(in_cell, 16 * (4 * 4 + 4));
    let (tokens, logits) = two_windows(&net);
    let w = Weights::of(&vs);
    let emb = &w.0["layers.0.weight"];
    let (dec_w, dec_b) = (&w.0["layers.2.weight"], &w.0["layers.2.bias"]);
    let graph = space
        .graphs()
        .iter()
        .find(|g| g.name == "nas_rl_rnn_cell")
        .expect("the cell's graph");
    let vertex = |name: &str| {
        graph.inputs.len()
            + graph
                .nodes
                .iter()
                .position(|n| n.name == name)
                .unwrap_or_else(|| panic!("no node {name}"))
    };
    // Leaf i's two projections: W·x + b (from x, vertex 0) and W·h + b (from h, vertex 1).
    let wx = |i: usize, x: &Tensor| w.edge(&format!("{}<-0", vertex(&format!("wx{i}"))), x);
    let wh = |i: usize, h: &Tensor| w.edge(&format!("{}<-1", vertex(&format!("wh{i}"))), h);
    let mut h = Tensor::zeros([2, 4], (Kind::Float, Device::Cpu));
    let mut c = h.zeros_like();
    let mut outputs = Vec::new();
    for t in 0..5 {
        let x = emb.index_select(0, &tokens.select(1, t));
        let l0 = (wx(0, &x) + wh(0, &h)).sigmoid();
        let l1 = (wx(1, &x) + wh(1, &h)).relu();
        let l2 = (wx(2, &x) + wh(2, &h)).sigmoid();
        let l3 = (wx(3, &x) * wh(3, &h)).relu();
        let l4 = (wx(4, &x) + wh(4, &h)).tanh();
        let l5 = (wx(5, &x) + wh(5, &h)).sigmoid();
        let l6 = (wx(6, &x) + wh(6, &h)).tanh();
        let l7 = (wx(7, &x) + wh(7, &h)).sigmoid();
        let m0 = ((l0 * l1).tanh() + &c).tanh();
        let m1 = (l2 + l3).tanh();
        let m2 = (l4 * l5).tanh();
        let m3 = (l6 + l7).sigmoid();
        c = m0 * m1;
        let n1 = (m2 + m3).tanh();
        h = (&c * n1).tanh();
        outputs.push(h.matmul(&dec_w.tr()) + dec_b);
    }
    assert_close(&logits, &Tensor::stack(&outputs, 1));
}
