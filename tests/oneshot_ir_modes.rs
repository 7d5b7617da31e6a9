//! The sampling modes of the supernet compiled from a space's IR, on NAS-Bench-101 (8
//! channels, one cell per stage) and ENAS' macro space (2 channels), 8×8 grey toy images:
//! GDAS' architecture steps move α through the hard sample's straight-through weight and its
//! weight steps train the sampled ops; SNAS' joint step moves α and the weights from one
//! training loss; single paths are drawn from the space's own sampler (NB101's `where edges
//! <= 9` met) and train the weights, as does a given path (ENAS); modes and orders that do not
//! apply are errors.

mod oneshot_common;
use nas::oneshot::rows::RowKind;
use nas::oneshot::{Mode, OneShotSearch, SearchConfig, Supernet};
use nas::space::{load_space_with, Space};
use nas::train::generator;
use oneshot_common::toy;
use tch::{Device, Kind, Tensor};

fn space(name: &str, args: &[(&str, i64)]) -> Space {
    let args: Vec<(String, i64)> = args.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    load_space_with(name, &args).unwrap_or_else(|e| panic!("{e}"))
}

fn search(s: &Space, seed: u64) -> OneShotSearch {
    let net = Supernet::new(s, 1, Device::Cpu, Kind::Float, seed as i64).unwrap();
    let config = SearchConfig {
        arch_lr: 0.05,
        tau: 1.0,
        ..SearchConfig::darts(8, seed)
    };
    OneShotSearch::new(net, toy(16, 1), toy(16, 2), &config).unwrap()
}

fn snapshot(s: &OneShotSearch) -> (Tensor, Vec<Tensor>) {
    let net = s.supernet();
    (
        net.alpha().copy(),
        net.weights().iter().map(Tensor::copy).collect(),
    )
}

/// How many rows of α moved, and how many weight tensors changed, since `before`.
fn moved(s: &OneShotSearch, before: &(Tensor, Vec<Tensor>)) -> (i64, usize) {
    let net = s.supernet();
    let rows = (net.alpha() - &before.0)
        .abs()
        .amax([1i64].as_slice(), false)
        .gt(0.0)
        .sum(Kind::Int64)
        .int64_value(&[]);
    let weights = net
        .weights()
        .iter()
        .zip(&before.1)
        .filter(|(w, b)| w.not_equal_tensor(b).any().int64_value(&[]) != 0)
        .count();
    (rows, weights)
}

/// The number of edges an architecture keeps (members of every `any of`).
fn edges(text: &str) -> usize {
    text.split(' ')
        .filter(|kv| kv.contains(".in="))
        .map(|kv| {
            let set = kv.split_once("={").unwrap().1.trim_end_matches('}');
            set.split(',').filter(|s| !s.is_empty()).count()
        })
        .sum()
}

#[test]
fn gdas_and_snas_steps_on_nb101_move_alpha_and_the_weights() {
    let _g = generator::hold();
    tch::set_num_threads(1);
    let s = space("nb101", &[("c", 8), ("cells", 1), ("classes", 2)]);
    let mut gdas = search(&s, 3);
    gdas.set_mode(Mode::Gdas);
    assert_eq!(gdas.mode(), Mode::Gdas);
    // Second order differentiates the softmax mixture, not a sample.
    assert!(gdas.alpha_step(2).is_err());
    let before = snapshot(&gdas);
    for _ in 0..3 {
        assert!(gdas.alpha_step(1).unwrap().is_finite());
    }
    // Each step moves the rows whose sample computed something (a member sampled `off`
    // computes nothing and gets no gradient that step); the weights stay.
    let (rows, weights) = moved(&gdas, &before);
    assert!(rows >= 5, "{rows} rows moved");
    assert_eq!(weights, 0);
    let before = snapshot(&gdas);
    assert!(gdas.weight_step().unwrap().is_finite());
    let (rows, weights) = moved(&gdas, &before);
    assert_eq!(rows, 0);
    assert!(weights > 0);

    let mut snas = search(&s, 4);
    snas.set_mode(Mode::Snas);
    snas.set_tau(0.5).unwrap();
    assert!(snas.set_tau(0.0).is_err());
    let before = snapshot(&snas);
    assert!(snas.joint_step().unwrap().is_finite());
    // SNAS weighs every live op of every row: all 26 rows and most weights move at once.
    let (rows, weights) = moved(&snas, &before);
    assert_eq!(rows, 26);
    assert!(
        weights > before.1.len() / 2,
        "{weights} of {}",
        before.1.len()
    );
    let derived = snas.derive().unwrap();
    assert!(edges(&s.encode(&derived)) <= 9);
}

#[test]
fn single_paths_come_from_the_space_sampler_and_train_the_weights() {
    let _g = generator::hold();
    tch::set_num_threads(1);
    let s = space("nb101", &[("c", 8), ("cells", 1), ("classes", 2)]);
    let mut search = search(&s, 5);
    search.set_mode(Mode::Path);
    // α takes no part in path mode.
    assert!(search.alpha_step(1).is_err());
    assert!(search.joint_step().is_err());
    let mut texts = std::collections::HashSet::new();
    for _ in 0..50 {
        let arch = search.sample_path().unwrap();
        let text = s.encode(&arch);
        assert!(edges(&text) <= 9, "{text}");
        assert_eq!(s.decode(&text).unwrap(), arch);
        texts.insert(text);
    }
    assert!(texts.len() > 40, "{} distinct of 50", texts.len());
    let before = snapshot(&search);
    for _ in 0..2 {
        assert!(search.weight_step().unwrap().is_finite());
    }
    let (rows, weights) = moved(&search, &before);
    assert_eq!(rows, 0);
    // A path trains only its own slices: some weights, not all.
    assert!(weights > 0 && weights < before.1.len(), "{weights}");
    let arch = search.sample_path().unwrap();
    let acc = search.valid_accuracy(&arch, Some(1)).unwrap();
    assert!((0.0..=1.0).contains(&acc));
    // ENAS' primitives: a step through a given path whatever the mode, its reward on the
    // next validation batch.
    search.set_mode(Mode::Gdas);
    let before = snapshot(&search);
    assert!(search.weight_step_on(&arch).unwrap().is_finite());
    let (rows, weights) = moved(&search, &before);
    assert!(
        rows == 0 && weights > 0 && weights < before.1.len(),
        "{rows} {weights}"
    );
    let reward = search.valid_batch_accuracy(&arch).unwrap();
    assert!((0.0..=1.0).contains(&reward));
    // ProxylessNAS' gates run on its rows (an `off`/`on` member row is a pair of gates);
    // its elastic vertices are timed at the relaxation's widths.
    search.set_mode(Mode::Proxyless);
    let before = snapshot(&search);
    assert!(search.alpha_step(1).unwrap().is_finite());
    assert!(search.weight_step().unwrap().is_finite());
    let (rows, weights) = moved(&search, &before);
    assert!(rows > 0 && weights > 0, "{rows} {weights}");
    let table = search.latencies().unwrap();
    let rows = search.supernet().rows().rows();
    assert_eq!(table.len(), rows.len());
    for (row, ms) in rows.iter().zip(&table) {
        // An op vertex's ops all take time; a member's `off` none.
        match row.kind {
            RowKind::Decision(_) => assert!(ms.iter().all(|&t| t > 0.0), "{}: {ms:?}", row.name),
            _ => assert_eq!(ms[0], 0.0, "{}: {ms:?}", row.name),
        }
    }
}

#[test]
fn gdas_and_snas_run_on_enas_macro_members_switched_off_by_samples() {
    let _g = generator::hold();
    tch::set_num_threads(1);
    let s = space("enas_macro", &[("c", 2), ("classes", 2)]);
    for (mode, seed) in [(Mode::Gdas, 6), (Mode::Snas, 7)] {
        let mut search = search(&s, seed);
        search.set_mode(mode);
        let before = snapshot(&search);
        for _ in 0..2 {
            assert!(search.alpha_step(1).unwrap().is_finite());
            assert!(search.weight_step().unwrap().is_finite());
        }
        let (rows, weights) = moved(&search, &before);
        assert!(
            rows > 0 && weights > 0,
            "{mode:?}: {rows} rows, {weights} weights"
        );
        let derived = search.derive().unwrap();
        assert_eq!(s.decode(&s.encode(&derived)).unwrap(), derived);
    }
}

#[test]
fn every_method_steps_on_the_nb201_supernet_compiled_from_the_stdlib_space() {
    let _g = generator::hold();
    tch::set_num_threads(1);
    let s = space("nb201", &[("c", 4), ("n", 1), ("classes", 2)]);
    // DARTS, first and second order: α and the weights move, the derived cell is the space's.
    let mut darts = search(&s, 8);
    let before = snapshot(&darts);
    assert!(darts.alpha_step(1).unwrap().is_finite());
    assert!(darts.alpha_step(2).unwrap().is_finite());
    let (rows, weights) = moved(&darts, &before);
    assert_eq!((rows, weights), (6, 0));
    assert!(darts.weight_step().unwrap().is_finite());
    let derived = darts.derive().unwrap();
    assert_eq!(s.decode(&s.encode(&derived)).unwrap(), derived);
    // GDAS (architecture and weight steps) and SNAS (joint steps).
    for (mode, seed) in [(Mode::Gdas, 9), (Mode::Snas, 10)] {
        let mut search = search(&s, seed);
        search.set_mode(mode);
        let before = snapshot(&search);
        for _ in 0..3 {
            if mode == Mode::Snas {
                assert!(search.joint_step().unwrap().is_finite());
            } else {
                assert!(search.alpha_step(1).unwrap().is_finite());
                assert!(search.weight_step().unwrap().is_finite());
            }
        }
        let (rows, weights) = moved(&search, &before);
        assert!(rows > 0 && weights > 0, "{mode:?}: {rows} {weights}");
    }
    // RSPS and SPOS: uniform single paths; ENAS: a given path and its reward.
    let mut paths = search(&s, 11);
    paths.set_mode(Mode::Path);
    let before = snapshot(&paths);
    assert!(paths.weight_step().unwrap().is_finite());
    let arch = paths.sample_path().unwrap();
    assert!(paths.weight_step_on(&arch).unwrap().is_finite());
    let (rows, weights) = moved(&paths, &before);
    assert!(rows == 0 && weights > 0, "{rows} {weights}");
    let reward = paths.valid_batch_accuracy(&arch).unwrap();
    assert!((reward * 8.0).fract() == 0.0 && (0.0..=1.0).contains(&reward));
    let acc = paths.valid_accuracy(&arch, None).unwrap();
    assert!((0.0..=1.0).contains(&acc));
}
