//! A compiled recurrent architecture on the real Penn Treebank trains with truncated BPTT and
//! its perplexity falls.

use nas::train::optim::Optim;
use nas::train::ptb;
use std::path::Path;
use tch::{nn, Device};

#[test]
fn a_compiled_enas_rnn_architecture_learns_penn_treebank() {
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
