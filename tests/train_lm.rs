//! A recurrent language model on the real Penn Treebank: an Elman cell and a gated cell built
//! from the recurrent primitives train with truncated BPTT and their perplexity falls.

use nas::compile::activation::Activation;
use nas::compile::recurrent::{RecurrentCell, RecurrentNode, RecurrentOp};
use nas::train::lm::RecurrentLm;
use nas::train::optim::Optim;
use nas::train::ptb;
use std::path::Path;
use std::sync::Mutex;
use tch::{nn, Device};

/// Seeding and initialising draw from libtorch's one global generator: one test at a time, so
/// that each sees exactly the numbers its seed gives.
static GENERATOR: Mutex<()> = Mutex::new(());

fn node(op: RecurrentOp, inputs: &[usize]) -> RecurrentNode {
    RecurrentNode {
        op,
        inputs: inputs.to_vec(),
    }
}

/// h' = z·h + (1−z)·tanh(W·x + U·h), z = sigmoid(W_z·x + U_z·h).
fn gated(p: &nn::Path, dim: i64) -> Result<RecurrentCell, nas::compile::CompileError> {
    let nodes = vec![
        node(RecurrentOp::Linear, &[0, 1]),
        node(RecurrentOp::Act(Activation::Sigmoid), &[2]),
        node(RecurrentOp::Linear, &[0, 1]),
        node(RecurrentOp::Act(Activation::Tanh), &[4]),
        node(RecurrentOp::Blend, &[3, 1, 5]),
    ];
    RecurrentCell::new(p, dim, 1, nodes, vec![6])
}

#[test]
fn perplexity_falls_on_penn_treebank() {
    let _g = GENERATOR.lock().unwrap_or_else(|e| e.into_inner());
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/ptb");
    let corpus = ptb::load_ptb(&dir).unwrap();
    let vocab = corpus.vocab.len() as i64;
    let rows = ptb::batchify(&corpus.train.narrow(0, 0, 16 * 401), 16).unwrap();
    let valid = ptb::batchify(&corpus.valid.narrow(0, 0, 8 * 201), 8).unwrap();
    tch::manual_seed(0);
    let vs = nn::VarStore::new(Device::Cpu);
    let lm = RecurrentLm::new(&vs.root(), vocab, 32, |p| gated(p, 32)).unwrap();
    let mut opt = Optim::AdamW {
        beta1: 0.9,
        beta2: 0.999,
        weight_decay: 0.0,
    }
    .build(&vs, 3e-3)
    .unwrap();
    let before = lm.perplexity(&valid, 20).unwrap();
    // A uniform guess over 10,000 words has perplexity 10,000.
    assert!(before > 5000.0, "{before}");
    for _ in 0..2 {
        lm.train_pass(&mut opt, &rows, 20, 0.25 * 10.0, None)
            .unwrap();
    }
    let after = lm.perplexity(&valid, 20).unwrap();
    assert!(after < before / 5.0, "perplexity {before} -> {after}");
    assert!(vs.variables().contains_key("cell.node_2.in_1.weight"));
}

#[test]
fn a_compiled_enas_rnn_architecture_learns_penn_treebank() {
    let _g = GENERATOR.lock().unwrap_or_else(|e| e.into_inner());
    use nas::compile::sequence::SequenceNet;
    use nas::train::lm::{perplexity_of, train_pass};
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/ptb");
    let corpus = ptb::load_ptb(&dir).unwrap();
    let vocab = corpus.vocab.len() as i64;
    let rows = ptb::batchify(&corpus.train.narrow(0, 0, 16 * 401), 16).unwrap();
    let valid = ptb::batchify(&corpus.valid.narrow(0, 0, 8 * 201), 8).unwrap();
    // The stdlib space at width 32 with PTB's vocabulary; `nas sample enas_rnn -n 1 --seed 3`.
    let space = nas::space::load_space_with(
        "enas_rnn",
        &[("vocab".to_string(), vocab), ("d".to_string(), 32)],
    )
    .unwrap();
    let arch = space
        .decode(
            "enas_rnn_cell.n1.op=tanh enas_rnn_cell.n2.in={n1} enas_rnn_cell.n2.op0=rnn_identity \
enas_rnn_cell.n3.in={n1} enas_rnn_cell.n3.op0=rnn_sigmoid enas_rnn_cell.n4.in={n1} \
enas_rnn_cell.n4.op0=rnn_sigmoid enas_rnn_cell.n5.in={n1} enas_rnn_cell.n5.op0=rnn_sigmoid \
enas_rnn_cell.n6.in={n3} enas_rnn_cell.n6.op0=rnn_relu enas_rnn_cell.n7.in={n5} \
enas_rnn_cell.n7.op0=rnn_relu enas_rnn_cell.n8.in={n2} enas_rnn_cell.n8.op0=rnn_identity \
enas_rnn_cell.n9.in={n2} enas_rnn_cell.n9.op0=rnn_identity enas_rnn_cell.n10.in={n3} \
enas_rnn_cell.n10.op0=rnn_sigmoid enas_rnn_cell.n11.in={n3} enas_rnn_cell.n11.op0=rnn_identity \
enas_rnn_cell.n12.in={n9} enas_rnn_cell.n12.op0=rnn_relu",
        )
        .unwrap();
    tch::manual_seed(0);
    let vs = nn::VarStore::new(Device::Cpu);
    let net = SequenceNet::new(&vs.root(), &space, &arch).unwrap();
    let mut opt = Optim::AdamW {
        beta1: 0.9,
        beta2: 0.999,
        weight_decay: 0.0,
    }
    .build(&vs, 3e-3)
    .unwrap();
    let forward = |x: &tch::Tensor, s: &[tch::Tensor], train| net.forward_states(x, s, train);
    let before = perplexity_of(forward, net.zero_states(8, Device::Cpu), &valid, 20).unwrap();
    assert!(before > 5000.0, "{before}");
    for _ in 0..2 {
        let states = net.zero_states(16, Device::Cpu);
        train_pass(forward, states, &mut opt, &rows, (20, 2.5), None).unwrap();
    }
    let after = perplexity_of(forward, net.zero_states(8, Device::Cpu), &valid, 20).unwrap();
    assert!(after < before / 5.0, "perplexity {before} -> {after}");
}
