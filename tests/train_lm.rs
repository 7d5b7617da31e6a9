//! A compiled recurrent architecture on the real Penn Treebank trains through the one driver
//! with truncated BPTT and its perplexity falls (an ENAS cell, and TensorFlow's NASCell from
//! `nas_rl_rnn`).

use nas::train::device::Runtime;
use nas::train::lm::{LmTask, TokenSplits};
use nas::train::optim::Optim;
use nas::train::ptb;
use nas::train::schedule::ScheduleKind;
use nas::train::settings::TrainSettings;
use nas::train::trainer::{Split, Trainer};
use std::path::Path;
use tch::{nn, Device};

#[test]
fn a_compiled_enas_rnn_architecture_learns_penn_treebank() {
    use nas::compile::sequence::SequenceNet;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/ptb");
    let corpus = ptb::load_ptb(&dir).unwrap();
    let vocab = corpus.vocab.len() as i64;
    let splits = TokenSplits {
        train: corpus.train.narrow(0, 0, 16 * 401),
        valid: corpus.valid.narrow(0, 0, 10 * 161),
        test: corpus.test.narrow(0, 0, 10 * 161),
    };
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
    let _generators = nas::train::generator::hold();
    tch::manual_seed(0);
    let vs = nn::VarStore::new(Device::Cpu);
    let net = SequenceNet::new(&vs.root(), &space, &arch).unwrap();
    // Two passes of 20 windows of 20 tokens over 16 rows, a constant rate.
    let settings = TrainSettings {
        epochs: 2,
        batch: 16,
        lr: 3e-3,
        optim: Optim::AdamW {
            beta1: 0.9,
            beta2: 0.999,
            weight_decay: 0.0,
        },
        schedule: ScheduleKind::Constant,
        clip_grad_norm: Some(2.5),
        ..TrainSettings::default()
    };
    let task = LmTask::new(&net, &splits, 20, &settings, Runtime::cpu()).unwrap();
    let mut trainer = Trainer::new(task, &vs, &settings, (Runtime::cpu(), 0), None).unwrap();
    let before = trainer.measure(Split::Valid).unwrap().loss.exp();
    assert!(before > 5000.0, "{before}");
    let logs = trainer.fit(true, |_| {}).unwrap();
    assert_eq!(
        logs.iter().map(|l| l.steps).collect::<Vec<_>>(),
        [20, 20],
        "a window of 20 tokens is a step"
    );
    let after = logs[1].valid.unwrap().loss.exp();
    assert!(after < before / 5.0, "perplexity {before} -> {after}");
    // The training perplexity is the last pass's.
    let train = trainer.measure(Split::Train).unwrap().loss;
    assert_eq!(train, logs[1].train_loss);
}

#[test]
fn tensorflows_nascell_from_nas_rl_rnn_learns_penn_treebank() {
    use nas::compile::sequence::SequenceNet;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/ptb");
    let corpus = ptb::load_ptb(&dir).unwrap();
    let vocab = corpus.vocab.len() as i64;
    let splits = TokenSplits {
        train: corpus.train.narrow(0, 0, 16 * 401),
        valid: corpus.valid.narrow(0, 0, 10 * 161),
        test: corpus.test.narrow(0, 0, 10 * 161),
    };
    let space = nas::space::load_space_with(
        "nas_rl_rnn",
        &[("vocab".to_string(), vocab), ("d".to_string(), 32)],
    )
    .unwrap();
    let arch = space
        .decode(include_str!("reference/nascell.arch").trim())
        .unwrap();
    let _generators = nas::train::generator::hold();
    tch::manual_seed(0);
    let vs = nn::VarStore::new(Device::Cpu);
    let net = SequenceNet::new(&vs.root(), &space, &arch).unwrap();
    let settings = TrainSettings {
        epochs: 2,
        batch: 16,
        lr: 3e-3,
        optim: Optim::AdamW {
            beta1: 0.9,
            beta2: 0.999,
            weight_decay: 0.0,
        },
        schedule: ScheduleKind::Constant,
        clip_grad_norm: Some(2.5),
        ..TrainSettings::default()
    };
    let task = LmTask::new(&net, &splits, 20, &settings, Runtime::cpu()).unwrap();
    let mut trainer = Trainer::new(task, &vs, &settings, (Runtime::cpu(), 0), None).unwrap();
    let before = trainer.measure(Split::Valid).unwrap().loss.exp();
    let logs = trainer.fit(true, |_| {}).unwrap();
    let after = logs[1].valid.unwrap().loss.exp();
    assert!(after < before / 5.0, "perplexity {before} -> {after}");
}
