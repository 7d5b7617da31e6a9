//! Resource bounds enforced (`where params < 5M` on a space or an experiment): sampling,
//! mutation, crossover, neighbours and enumeration give only architectures whose networks
//! meet them, counted here independently by building each network; counting under a bound
//! is exact by enumeration up to its limit and refused beyond; a bound nothing meets is an
//! error that says what was tried; `nas count`, `nas sample` and `nas run` enforce them.

mod cli_common;
mod search_common;

use cli_common::nas_in;
use nas::compile::catalog::{build_arch, NetworkSize};
use nas::compile::parameter_count;
use nas::search::arch_metrics::measured;
use nas::search::prepare::{prepare, Overrides};
use nas::space::{load_space, rng, Architecture, Space};
use proptest::prelude::*;
use search_common::run_with;
use std::path::Path;

/// The parameters of `arch`'s network in `space` (at the space's own size), counted
/// without the space's measure.
fn params(space: &Space, arch: &Architecture) -> i64 {
    let vs = tch::nn::VarStore::new(tch::Device::Cpu);
    build_arch(&vs.root(), space, arch, NetworkSize::default()).expect("builds");
    parameter_count(&vs)
}

/// A small chain space of convolutions whose widths are `widths` (a choice each) and whose
/// network is bounded by `where params < bound`, written to `dir/s.nas`.
fn chain(dir: &Path, widths: &[Vec<i64>], bound: &str) -> String {
    let layers: Vec<String> = widths
        .iter()
        .map(|w| {
            let alts: Vec<String> = w.iter().map(i64::to_string).collect();
            format!("conv({}, 3) >> relu", alts.join(" | "))
        })
        .collect();
    let text = format!(
        "space s {{\n    input image(3, 8, 8)\n    {} >> global_avg_pool >> linear(10)\n    where params < {bound}\n}}\n",
        layers.join(" >> ")
    );
    let file = dir.join("s.nas");
    std::fs::write(&file, text).expect("writes");
    format!("{}:s", file.display())
}

/// The space of `spec`, its bound measured by the engine's counter.
fn bounded(spec: &str) -> Space {
    measured(load_space(spec).expect("lowers"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// Generated spaces with a bound between their smallest and largest network: every
    /// architecture sampling, mutation, crossover and neighbours give meets it.
    #[test]
    fn every_architecture_drawn_meets_the_bound(
        widths in prop::collection::vec(prop::collection::vec(1i64..24, 2..4), 1..4),
        seed in 0u64..1000,
    ) {
        let dir = tempfile::tempdir().expect("temp dir");
        let spec = chain(dir.path(), &widths, "1G");
        let open = load_space(&spec).expect("lowers");
        // The bound: the median of the space's networks, so some meet it and some do not.
        let sizes: Vec<i64> = measured(open.clone())
            .enumerate(1_000)
            .expect("small")
            .iter()
            .map(|a| params(&open, a))
            .collect();
        let mut sorted = sizes.clone();
        sorted.sort_unstable();
        let median = sorted[sorted.len() / 2].max(sorted[0] + 1);
        let spec = chain(dir.path(), &widths, &median.to_string());
        let space = bounded(&spec);
        let meets = |a: &Architecture| params(&space, a) < median;
        let mut r = rng(seed);
        let mut drawn = Vec::new();
        for _ in 0..4 {
            drawn.push(space.sample(&mut r).expect("samples"));
        }
        for a in drawn.clone() {
            if let Ok(m) = space.mutate(&a, &mut r) {
                drawn.push(m);
            }
            drawn.extend(space.neighbours(&a));
        }
        drawn.push(space.crossover(&drawn[0], &drawn[1], &mut r).expect("crosses"));
        for a in &drawn {
            prop_assert!(meets(a), "{} breaks the bound {median}", space.encode(a));
        }
        // Counting is exact: the architectures under the bound, counted one by one.
        let under = sizes.iter().filter(|&&p| p < median).count();
        prop_assert_eq!(space.count().expect("counts").to_string(), under.to_string());
        prop_assert_eq!(space.enumerate(1_000).expect("enumerates").len(), under);
    }
}

#[test]
fn a_bound_nothing_meets_says_what_was_tried() {
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = chain(dir.path(), &[vec![8, 16], vec![8, 16]], "100");
    let space = bounded(&spec);
    let e = space.sample(&mut rng(0)).expect_err("nothing meets it");
    let text = e.to_string();
    assert!(text.contains("`where params < 100`"), "{text}");
    assert!(text.contains("those tried had params from"), "{text}");
    assert!(
        e.hint().is_some_and(|h| h.contains("loosen the bound")),
        "{e:?}"
    );
    assert_eq!(space.count().expect("counts").to_string(), "0");
}

#[test]
fn a_bounded_space_without_a_measure_refuses_to_sample() {
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = chain(dir.path(), &[vec![8, 16]], "1M");
    let space = load_space(&spec).expect("lowers");
    assert_eq!(space.resource_bounds().len(), 1);
    let e = space.sample(&mut rng(0)).expect_err("cannot measure");
    assert!(e.to_string().contains("needs its networks built"), "{e}");
}

#[test]
fn nas_count_and_sample_enforce_a_space_s_bound() {
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = chain(dir.path(), &[vec![4, 8, 16, 32], vec![4, 8, 16, 32]], "2k");
    let space = load_space(&spec).expect("lowers");
    let under = bounded(&spec)
        .enumerate(100)
        .expect("small")
        .iter()
        .filter(|a| params(&space, a) < 2000)
        .count();
    assert!(
        under > 0 && under < 16,
        "the bound splits the space: {under}"
    );
    let (ok, out, err) = nas_in(dir.path(), &["count", &spec]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), under.to_string());
    let (ok, out, err) = nas_in(dir.path(), &["sample", &spec, "-n", "8", "--seed", "3"]);
    assert!(ok, "{err}");
    for line in out.lines() {
        let a = space.decode(line).expect("decodes");
        assert!(params(&space, &a) < 2000, "{line} breaks the bound");
    }
    // Too tight: a clear error and a failing exit.
    let tight = chain(dir.path(), &[vec![4, 8]], "10");
    let (ok, _, err) = nas_in(dir.path(), &["sample", &tight]);
    assert!(!ok && err.contains("could not sample"), "{err}");
}

#[test]
fn counting_a_large_bounded_space_is_refused_not_guessed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let widths: Vec<Vec<i64>> = (0..8).map(|_| (1..=5).collect()).collect();
    let spec = chain(dir.path(), &widths, "5k");
    let (ok, out, err) = nas_in(dir.path(), &["count", &spec]);
    assert!(!ok && out.is_empty(), "{out}");
    assert!(err.contains("is not computed"), "{err}");
}

#[test]
fn a_bound_on_the_wrong_metric_or_unit_is_a_diagnostic() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases = [
        ("where latency < 5s", "cannot combine an int and a duration"),
        ("where latncy < 5", "unknown name `latncy`"),
        ("where params < 5h", "cannot combine an int and a duration"),
        ("where params < flops", "the metric goes on the left"),
        ("where params < 5 * 1000", "compares with a number"),
        ("where params + 1 < 5", "names a metric on its left"),
        ("where edges < 5", "can only be constrained in a cell"),
    ];
    for (line, expected) in cases {
        let text = format!(
            "space s {{\n    input image(3, 8, 8)\n    conv(4 | 8, 3) >> global_avg_pool >> linear(10)\n    {line}\n}}\n"
        );
        std::fs::write(dir.path().join("s.nas"), text).expect("writes");
        let (ok, out, err) = nas_in(dir.path(), &["check", "s.nas"]);
        let said = format!("{out}{err}");
        assert!(!ok && said.contains(expected), "{line}: {said}");
    }
    let experiment = r#"
import "stdlib/spaces/nb201.nas"
experiment e {
    space     nb201
    evaluate  table(file: "nb201/nb201.csv")
    strategy  random
    budget    trials: 4
    objective maximize cifar10_valid_12
    where     parms < 5M
}
"#;
    std::fs::write(dir.path().join("e.nas"), experiment).expect("writes");
    let (ok, out, err) = nas_in(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &["check", &dir.path().join("e.nas").display().to_string()],
    );
    let said = format!("{out}{err}");
    assert!(!ok && said.contains("did you mean `params`?"), "{said}");
}

/// An experiment's own bound on the NB201 table: every trial of random search and of
/// regularised evolution meets it, and the run is the same with it written on the space.
#[test]
fn an_experiment_s_bound_holds_for_every_trial_of_a_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    for strategy in ["random", "evolution(population: 6, tournament: 3)"] {
        let text = format!(
            r#"
import "stdlib/spaces/nb201.nas"
experiment e {{
    space     nb201
    evaluate  table(file: "nb201/nb201.csv")
    strategy  {strategy}
    budget    trials: 16
    objective maximize cifar10_valid_12, minimize params
    where     params < 400k
}}
"#
        );
        let file = dir.path().join("e.nas");
        std::fs::write(&file, text).expect("writes");
        let prepared = prepare(&file, &Overrides::default()).unwrap_or_else(|e| {
            panic!(
                "prepares (the NB201 table is data/nb201/nb201.csv.gz): {:?}",
                e.diagnostics
            )
        });
        let (results, _) = run_with(
            &prepared.config,
            &[1],
            None,
            nas::search::store::Loaded::default(),
        )
        .unwrap_or_else(|e| panic!("runs: {:?}", e.diagnostics));
        let trials = &results[0].trials;
        assert_eq!(trials.len(), 16, "{strategy}");
        for t in trials {
            let p = t.metrics.get("params").copied().expect("params recorded");
            assert!(p < 400_000.0, "{strategy}: {} has {p} weights", t.arch);
        }
    }
}

/// Measuring builds networks, whose weights are drawn from libtorch's generator; the draw is
/// undone, so a run measures the same with a cold cache as with a warm one.
#[test]
fn measuring_a_bound_leaves_libtorch_s_generator_as_it_was() {
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = chain(dir.path(), &[vec![4, 8, 16], vec![4, 8]], "1M");
    let space = bounded(&spec);
    let _generators = nas::train::generator::hold();
    tch::manual_seed(11);
    let undisturbed = tch::Tensor::rand([8], (tch::Kind::Float, tch::Device::Cpu));
    tch::manual_seed(11);
    for seed in 0..3 {
        space.sample(&mut rng(seed)).expect("samples");
    }
    let after = tch::Tensor::rand([8], (tch::Kind::Float, tch::Device::Cpu));
    assert!(
        undisturbed.equal(&after),
        "measuring drew from the generator"
    );
}

/// A NAS-Bench-201-style cell of three ops (none, skip, a 1×1 convolution: 3^6 = 729
/// architectures, many alike) in a tiny network, bounded by `where params BOUND`, in
/// `dir/cell.nas`.
fn cell_space(dir: &Path, bound: &str) -> String {
    let text = format!(
        r#"
op conv1(c: int) = relu >> conv(c, 1) >> batchnorm
choice cell_op(c: int) = none | skip | conv1(c)

cell tri(c: int) {{
    input  x0
    node   x1 = sum(x0 >> cell_op(c))
    node   x2 = sum(x0 >> cell_op(c), x1 >> cell_op(c))
    node   x3 = sum(x0 >> cell_op(c), x1 >> cell_op(c), x2 >> cell_op(c))
    output x3
}}

space s {{
    input image(3, 8, 8)
    conv(4, 3) >> batchnorm >> tri(4) >> global_avg_pool >> linear(10)
    {bound}
}}
"#
    );
    let file = dir.join(format!("cell{}.nas", bound.len()));
    std::fs::write(&file, text).expect("writes");
    format!("{}:s", file.display())
}

#[test]
fn unique_architectures_are_counted_under_a_bound() {
    let dir = tempfile::tempdir().expect("temp dir");
    let count = |spec: &str, unique: bool| -> u64 {
        let mut args = vec!["count", spec];
        if unique {
            args.push("--unique");
        }
        let (ok, out, err) = nas_in(dir.path(), &args);
        assert!(ok, "{err}");
        out.trim().parse().expect("a count")
    };
    let open = cell_space(dir.path(), "");
    let unique = count(&open, true);
    assert!(unique < 729, "{unique}");
    // A bound every network meets leaves the unique count as it was.
    assert_eq!(
        count(&cell_space(dir.path(), "where params >= 0"), true),
        unique
    );
    // A bound that splits the space: a class counts when a network of it meets the bound,
    // each network counted here by building it.
    let space = load_space(&open).expect("lowers");
    let all = space.enumerate(1_000).expect("small");
    let mut sizes: Vec<i64> = all.iter().map(|a| params(&space, a)).collect();
    sizes.sort_unstable();
    let median = sizes[sizes.len() / 2];
    let tight = cell_space(dir.path(), &format!("where params < {median}"));
    let mut keys: Vec<u64> = all
        .iter()
        .filter(|a| params(&space, a) < median)
        .map(|a| {
            space
                .equivalence_key(a, nas::space::Equivalence::Function)
                .expect("a key")
        })
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let under = count(&tight, true);
    assert_eq!(under, keys.len() as u64);
    assert!(under > 0 && under < unique, "{under} of {unique}");
    assert!(under <= count(&tight, false));
}
