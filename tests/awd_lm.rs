//! AWD-LSTM's setting (the stdlib spaces `awd_lstm`, `awd_gru`, `awd_rnn` and the language-model
//! evaluator's regularisers): stacked cells, a decoder tied to the embedding, weight drop on
//! the recurrent weights only, and a run of it on Penn Treebank. Seeds libtorch's generator.

use nas::compile::parameter_count;
use nas::compile::sequence::{PassNoise, SequenceNet};
use nas::space::load_space_with;
use nas::train::device::Runtime;
use nas::train::generator;
use nas::train::lm::{LmTask, TokenSplits};
use nas::train::optim::Optim;
use nas::train::ptb;
use nas::train::schedule::ScheduleKind;
use nas::train::settings::{LmRegularisers, TrainSettings};
use nas::train::trainer::Trainer;
use std::path::Path;
use tch::{nn, Device, Kind, Tensor};

/// The stdlib space `awd_CELL` at these sizes, built.
fn awd(cell: &str, vocab: i64, emb: i64, d: i64) -> (nn::VarStore, SequenceNet) {
    let args = [
        ("vocab".to_string(), vocab),
        ("emb".to_string(), emb),
        ("d".to_string(), d),
    ];
    let space = load_space_with(&format!("awd_{cell}"), &args).unwrap();
    let arch = space.decode("").unwrap();
    let vs = nn::VarStore::new(Device::Cpu);
    let net = SequenceNet::new(&vs.root(), &space, &arch).unwrap();
    (vs, net)
}

#[test]
fn parameter_counts_are_pytorchs_awd_models_with_the_decoder_tied() {
    let _generator = generator::hold();
    // `.venv/bin/python benches/rnn_vs_pytorch.py params --dims 8 --awd 400:600,8:16` (torch
    // 2.11): an nn.Embedding, three nn.LSTM/GRU/RNN (emb -> d -> d -> emb) and a decoder
    // whose weight is the embedding's, counted once.
    let pins = [
        ("lstm", 400, 600, 10_902_800),
        ("gru", 400, 600, 9_179_600),
        ("rnn", 400, 600, 5_733_200),
        ("lstm", 8, 16, 94_672),
        ("gru", 8, 16, 93_504),
        ("rnn", 8, 16, 91_168),
    ];
    for (cell, emb, d, count) in pins {
        let (vs, _) = awd(cell, 10_000, emb, d);
        assert_eq!(parameter_count(&vs), count, "awd_{cell} emb={emb} d={d}");
    }
}

#[test]
fn the_decoder_reads_the_embedding_table_itself() {
    let _generator = generator::hold();
    tch::manual_seed(0);
    let (vs, net) = awd("lstm", 50, 8, 16);
    let vars = vs.variables();
    let table = &vars["layers.0.weight"];
    let bias = vars
        .iter()
        .find(|(name, _)| name.ends_with(".bias") && name.starts_with("layers."))
        .map(|(_, t)| t)
        .unwrap();
    let ids = Tensor::from_slice(&[1i64, 4, 2, 9, 3, 7]).view([2, 3]);
    let check = |net: &SequenceNet| {
        let pass = net
            .pass(
                &ids,
                &net.zero_states(2, Device::Cpu),
                false,
                PassNoise::default(),
            )
            .unwrap();
        let expected = pass.last_input.matmul(&table.tr()) + bias;
        (pass.output - expected).abs().max().double_value(&[])
    };
    assert!(check(&net) < 1e-5);
    // Changing the table changes the decoder: no copy was taken.
    tch::no_grad(|| {
        let _ = table.shallow_clone().f_mul_scalar_(3.0).unwrap();
    });
    assert!(check(&net) < 1e-5);
}

#[test]
fn weight_drop_takes_the_recurrent_weights_and_no_others() {
    let _generator = generator::hold();
    let (vs, net) = awd("lstm", 50, 8, 16);
    // An LSTM's four gates read h through their own linear map: 4 per cell, 3 cells, each
    // square (d×d, the last cell emb×emb); the maps of x (the step's input) are left alone.
    let mut shapes: Vec<Vec<i64>> = net.recurrent_weights().iter().map(Tensor::size).collect();
    shapes.sort();
    let mut expected = vec![vec![8, 8]; 4];
    expected.extend(vec![vec![16, 16]; 8]);
    assert_eq!(shapes, expected);
    // They are the variables themselves, on the edges from vertex 1, h (x is vertex 0).
    let vars = vs.variables();
    for w in net.recurrent_weights() {
        let (name, _) = vars
            .iter()
            .find(|(_, v)| v.data_ptr() == w.data_ptr())
            .expect("a variable");
        assert!(name.contains("<-1."), "{name}");
    }
}

/// One step of plain SGD at rate 0 on a 20-token window of Penn Treebank under `lm`; returns
/// the recurrent weights before and after, and their gradients.
fn one_step(lm: LmRegularisers) -> (Vec<Tensor>, Vec<Tensor>, Vec<Tensor>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/ptb");
    let corpus = ptb::load_ptb(&dir).unwrap();
    let vocab = corpus.vocab.len() as i64;
    let splits = TokenSplits {
        train: corpus.train.narrow(0, 0, 4 * 21),
        valid: corpus.valid.narrow(0, 0, 10 * 21),
        test: corpus.test.narrow(0, 0, 10 * 21),
    };
    tch::manual_seed(1);
    let (vs, net) = awd("lstm", vocab, 8, 16);
    let before: Vec<Tensor> = net.recurrent_weights().iter().map(Tensor::copy).collect();
    let settings = TrainSettings {
        max_steps: Some(1),
        batch: 4,
        lr: 0.0,
        optim: Optim::Sgd {
            momentum: 0.0,
            nesterov: false,
            weight_decay: 0.0,
        },
        schedule: ScheduleKind::Constant,
        lm,
        ..TrainSettings::default()
    };
    let task = LmTask::new(&net, &splits, 20, &settings, Runtime::cpu()).unwrap();
    let mut trainer = Trainer::new(task, &vs, &settings, (Runtime::cpu(), 0), None).unwrap();
    trainer.fit(false, |_| {}).unwrap();
    let after = net.recurrent_weights().iter().map(Tensor::copy).collect();
    let grads = net.recurrent_weights().iter().map(Tensor::grad).collect();
    (before, after, grads)
}

/// The share of exactly zero entries in `grads`.
fn zero_share(grads: &[Tensor]) -> f64 {
    let zeros: i64 = grads
        .iter()
        .map(|g| g.eq(0.0).sum(Kind::Int64).int64_value(&[]))
        .sum();
    let all: i64 = grads.iter().map(|g| g.numel() as i64).sum();
    zeros as f64 / all as f64
}

#[test]
fn a_step_under_weight_drop_puts_the_weights_back_and_masks_their_gradients() {
    let _generator = generator::hold();
    let lm = LmRegularisers {
        weight_drop: 0.5,
        ..LmRegularisers::default()
    };
    let (before, after, grads) = one_step(lm);
    // Rate 0: the step leaves the weights as they were, unmasked.
    for (b, a) in before.iter().zip(&after) {
        assert!(b.equal(a));
    }
    // Half of the 2,304 entries were dropped: their gradient is exactly zero (the standard
    // error of the share is 0.01); without weight drop almost none is.
    let dropped = zero_share(&grads);
    assert!((0.4..0.6).contains(&dropped), "{dropped}");
    let (_, _, plain) = one_step(LmRegularisers::default());
    assert!(zero_share(&plain) < 0.05, "{}", zero_share(&plain));
}

#[test]
fn a_decoder_that_cannot_share_the_table_is_an_error() {
    let _generator = generator::hold();
    let build = |pipeline: &str| {
        let text = format!(
            "import \"stdlib/ops.nas\"\nspace s {{\n    input sequence(20, 1)\n    {pipeline}\n}}\n"
        );
        let program = nas::check::check_source("test.nas", &text);
        assert!(
            !program.has_errors(),
            "{}",
            program.render_diagnostics(false)
        );
        let space = nas::space::lower_space(&program, "s").unwrap();
        let arch = space.decode("").unwrap();
        let vs = nn::VarStore::new(Device::Cpu);
        SequenceNet::new(&vs.root(), &space, &arch)
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    assert_eq!(
        build("embedding(50, 8) >> lstm(8) >> tied_linear(50)"),
        Ok(())
    );
    let wide = build("embedding(50, 8) >> lstm(16) >> tied_linear(50)").unwrap_err();
    assert!(wide.contains("make the last cell 8 wide"), "{wide}");
    let vocab = build("embedding(50, 8) >> lstm(8) >> tied_linear(60)").unwrap_err();
    assert!(vocab.contains("its output 60"), "{vocab}");
    let alone = build("linear(8) >> lstm(8) >> tied_linear(8)").unwrap_err();
    assert!(alone.contains("no `embedding` comes before it"), "{alone}");
}

#[test]
fn variable_windows_scale_the_rate_by_their_length() {
    let _generator = generator::hold();
    use nas::train::lm::{window_lengths, window_rng};
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/ptb");
    let corpus = ptb::load_ptb(&dir).unwrap();
    let vocab = corpus.vocab.len() as i64;
    // 4 rows of 201 tokens: 200 to predict, 10 windows of about 20.
    let splits = TokenSplits {
        train: corpus.train.narrow(0, 0, 4 * 201),
        valid: corpus.valid.narrow(0, 0, 10 * 21),
        test: corpus.test.narrow(0, 0, 10 * 21),
    };
    tch::manual_seed(2);
    let (vs, net) = awd("lstm", vocab, 8, 16);
    let bias = vs
        .variables()
        .into_iter()
        .find(|(name, _)| name.starts_with("layers.") && name.ends_with(".bias"))
        .map(|(_, t)| t)
        .unwrap();
    let before = bias.copy();
    let settings = TrainSettings {
        max_steps: Some(1),
        batch: 4,
        lr: 1.0,
        optim: Optim::Sgd {
            momentum: 0.0,
            nesterov: false,
            weight_decay: 0.0,
        },
        schedule: ScheduleKind::Constant,
        clip_grad_norm: Some(1e9),
        lm: LmRegularisers {
            variable_bptt: true,
            ..LmRegularisers::default()
        },
        ..TrainSettings::default()
    };
    let task = LmTask::new(&net, &splits, 20, &settings, Runtime::cpu()).unwrap();
    let mut trainer = Trainer::new(task, &vs, &settings, (Runtime::cpu(), 0), None).unwrap();
    trainer.fit(false, |_| {}).unwrap();
    // The first window of pass 1 in a run seeded 0, as the task drew it.
    let first = window_lengths(&mut window_rng(0, 1), 10, 200, 20)[0];
    assert_ne!(
        first, 20,
        "pick a seed whose first window is not the nominal length"
    );
    // Plain SGD: the step is −rate · (length / 20) · gradient.
    let step = (&bias - &before) / bias.grad();
    let ratios: Vec<f64> = Vec::try_from(step.flatten(0, -1)).unwrap();
    let finite: Vec<&f64> = ratios.iter().filter(|r| r.is_finite()).collect();
    assert!(finite.len() > 20);
    let expected = -(first as f64) / 20.0;
    for r in finite {
        assert!((r - expected).abs() < 1e-3, "{r} vs {expected}");
    }
}
