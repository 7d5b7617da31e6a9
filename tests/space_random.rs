//! The language keeps its promises on random spaces: a seeded generator writes many small
//! spaces (cells, macro pipelines, chosen depths, `independent`, `any of`, `k of`, value
//! choices, lets, named stages, nested and parallel ops, higher-order ops, and a stage whose
//! shapes only break for one value, which the check must reject naming it) and, for every one
//! `nas check` accepts, checks that the count equals the number enumerated and the number of distinct
//! samples seen, that every sample decodes and re-encodes (text and JSON), that mutation and
//! neighbours stay inside the space, and that sampled architectures build and run.

use nas::check::check_source;
use nas::compile::catalog::{build_arch, NetworkSize};
use nas::compile::shape_and_macs;
use nas::space::{lower_space, rng, Architecture, Space};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashSet;
use tch::{nn, Device, Kind, Tensor};

/// Shared definitions every generated space may use.
const PRELUDE: &str = "\
op blk(c: int, k: int = 3) = conv(c, k) >> batchnorm >> relu
op residual(body: op) = sum(skip, body)
choice pick(c: int) = skip | conv(c, 1) | blk(c) | max_pool(3)
choice wide(c: int) = pick(c) | blk(c, 5)
";

/// How many spaces are generated.
const SPACES: usize = 120;
/// Spaces with at most this many architectures are enumerated and sampled to exhaustion.
const SMALL: u64 = 150;

fn choose<'a>(r: &mut ChaCha8Rng, items: &[&'a str]) -> &'a str {
    items[r.random_range(0..items.len())]
}

/// One node expression of a cell with input `x` and earlier nodes `earlier`.
fn cell_node(r: &mut ChaCha8Rng, earlier: &[String]) -> String {
    // Every node reads the one before it, so that every node reaches the output.
    let prev = earlier[earlier.len() - 1].clone();
    let all = earlier.join(", ");
    match r.random_range(0..8) {
        0 => format!("{prev} >> pick(c)"),
        1 => format!("sum({prev} >> pick(c), x >> pick(c))"),
        2 => format!("sum({prev}, any of [{all}])"),
        3 if earlier.len() >= 2 => format!("sum(2 of [{all}] >> pick(c))"),
        4 => format!("{prev} >> conv(c, k)"),
        5 => format!("sum({prev} >> wide(c), {prev})"),
        6 => format!("{prev} >> residual(blk(c, 1 | 3))"),
        _ => format!("sum(any of [{all}]) >> conv(c, 1)"),
    }
}

/// A cell `name(c: int)` with one input and two or three nodes.
fn cell(r: &mut ChaCha8Rng, name: &str) -> String {
    let mut text = format!("cell {name}(c: int) {{\n    input x\n    let k = 1 | 3\n");
    let mut earlier = vec!["x".to_string()];
    for i in 0..r.random_range(1..=3) {
        let node = cell_node(r, &earlier);
        text.push_str(&format!("    node n{i} = {node}\n"));
        earlier.push(format!("n{i}"));
    }
    let last = earlier.last().cloned().unwrap_or_default();
    if r.random_bool(0.3) {
        text.push_str(&format!("    output concat({last}, x) >> conv(c, 1)\n}}\n"));
    } else {
        text.push_str(&format!("    output {last}\n}}\n"));
    }
    if r.random_bool(0.2) {
        text = text.replace("    output", "    where edges <= 4\n    output");
    }
    if text.contains("sum(any of") && r.random_bool(0.7) {
        text = text.replace("    output", "    where connected\n    output");
    }
    text
}

/// One stage of the space's pipeline (`C` is the channel count every stage keeps).
fn stage(r: &mut ChaCha8Rng, depth: u32) -> String {
    let counts = ["2", "(1..=2)", "(1 | 3)", "n"];
    let count = choose(r, &counts);
    let independent = if r.random_bool(0.5) {
        " independent"
    } else {
        ""
    };
    match r.random_range(0..if depth == 0 { 12 } else { 8 }) {
        0 => "ca(C)".into(),
        1 => format!("ca(C) * {count}{independent}"),
        2 => format!("cb(C) * {count}{independent}"),
        3 => "pick(C)".into(),
        4 => "conv(C, 1 | 3) >> batchnorm".into(),
        5 => "residual(blk(C, 1 | 3))".into(),
        6 => "sum(skip, pick(C))".into(),
        7 => format!("(pick(C) >> relu) * {count}{independent}"),
        8 => format!(
            "({} >> conv(C, 1)) * (1..=2) independent",
            stage(r, depth + 1)
        ),
        9 => format!(
            "({} >> {}) * {count}",
            stage(r, depth + 1),
            stage(r, depth + 1)
        ),
        10 => format!("(ca(C) >> cb(C)) * {count} independent"),
        // Reachable by one value only: the check must reject it, naming the value.
        _ => BROKEN.into(),
    }
}

/// A stage whose shapes disagree when the width doubles.
const BROKEN: &str = "sum(skip, conv(C | 2 * C, 1))";

/// A whole file: the prelude, two cells, and space `s`; and whether it holds the broken stage.
fn program(r: &mut ChaCha8Rng) -> (String, bool) {
    let mut text = PRELUDE.to_string();
    text.push_str(&cell(r, "ca"));
    text.push_str(&cell(r, "cb"));
    let width = if r.random_bool(0.3) { "w" } else { "4" };
    let mut lets = String::new();
    let stages: Vec<String> = (0..r.random_range(1..=3))
        .map(|i| {
            let stage = stage(r, 0);
            // Some stages are named (`let st0 = …`), which renames their decisions only.
            if stage.contains(" * ") && r.random_bool(0.4) {
                lets.push_str(&format!("    let st{i} = {stage}\n"));
                format!("st{i}")
            } else {
                stage
            }
        })
        .collect();
    let broken = lets.contains(BROKEN) || stages.iter().any(|s| s.contains(BROKEN));
    let body = stages.join("\n        >> ").replace('C', width);
    let lets = lets.replace('C', width);
    text.push_str(&format!(
        "space s {{\n    input image(3, 8, 8)\n    let w = 4 | 6\n    let n = 1..=2\n{lets}    conv({width}, 3) >> batchnorm\n        >> {body}\n        >> global_avg_pool >> linear(3)\n}}\n"
    ));
    (text, broken)
}

/// Builds `arch` and runs it on one image; the output must be 3 logits.
fn builds(space: &Space, arch: &Architecture, text: &str) {
    let vs = nn::VarStore::new(Device::Cpu);
    let net = build_arch(&vs.root(), space, arch, NetworkSize::default())
        .unwrap_or_else(|e| panic!("`{}` does not build: {e}\n{text}", space.encode(arch)));
    let x = Tensor::zeros([1, 3, 8, 8], (Kind::Float, Device::Cpu));
    let (shape, _) = shape_and_macs(net.as_ref(), &x)
        .unwrap_or_else(|e| panic!("`{}` does not run: {e}\n{text}", space.encode(arch)));
    assert_eq!(shape, [1, 3], "{text}");
}

/// Every promise on one accepted space.
fn promises(space: &Space, text: &str, seed: u64) {
    let count = space.count().expect("count");
    let mut r = rng(seed);
    let round_trip = |a: &Architecture| {
        let s = space.encode(a);
        let back = space
            .decode(&s)
            .unwrap_or_else(|e| panic!("`{s}` does not decode: {e}\n{text}"));
        assert_eq!(&back, a, "{s}\n{text}");
        let json = space
            .from_json(&space.to_json(a))
            .unwrap_or_else(|e| panic!("JSON of `{s}`: {e}\n{text}"));
        assert_eq!(&json, a, "{text}");
    };
    let small = count <= num_bigint::BigUint::from(SMALL);
    if small {
        let all = space.enumerate(SMALL as u128 * 64).expect("enumerate");
        let distinct: HashSet<String> = all.iter().map(|a| space.encode(a)).collect();
        assert_eq!(num_bigint::BigUint::from(all.len()), count, "{text}");
        assert_eq!(distinct.len(), all.len(), "{text}");
        let mut seen = HashSet::new();
        for _ in 0..all.len() * 30 + 10 {
            let a = space
                .sample(&mut r)
                .unwrap_or_else(|e| panic!("sample: {e} (count {count})\n{text}"));
            space.validate(&a).expect("a sample is in the space");
            seen.insert(space.encode(&a));
        }
        assert_eq!(
            seen, distinct,
            "sampling misses or adds architectures\n{text}"
        );
        all.iter().for_each(round_trip);
    }
    for i in 0..3 {
        let a = space
            .sample(&mut r)
            .unwrap_or_else(|e| panic!("sample: {e} (count {count})\n{text}"));
        round_trip(&a);
        if count > num_bigint::BigUint::from(1u32) {
            let m = space
                .mutate(&a, &mut r)
                .unwrap_or_else(|e| panic!("mutate: {e}\n{text}"));
            space.validate(&m).expect("a mutation is in the space");
            assert_ne!(m, a, "{text}");
            for n in space.neighbours(&a) {
                space.validate(&n).expect("a neighbour is in the space");
            }
        }
        if i < 2 {
            builds(space, &a, text);
        }
    }
}

#[test]
fn every_space_the_check_accepts_keeps_its_promises() {
    let mut r = ChaCha8Rng::seed_from_u64(16);
    let (mut accepted, mut rejected_broken) = (0, 0);
    for i in 0..SPACES {
        let (text, broken) = program(&mut r);
        let program = check_source("random.nas", &text);
        if broken {
            let shown = program.render_diagnostics(false);
            assert!(
                shown.contains("[shape-mismatch]") && shown.contains("when `"),
                "a mismatch behind a decision went unreported:\n{text}\n{shown}"
            );
            rejected_broken += 1;
            continue;
        }
        if program.has_errors() {
            let shown = program.render_diagnostics(false);
            // A rejection must explain itself.
            assert!(shown.contains("Error") && shown.contains("Help"), "{shown}");
            continue;
        }
        accepted += 1;
        let space = lower_space(&program, "s").unwrap_or_else(|d| {
            panic!(
                "accepted by the check but not lowered:\n{}\n{text}",
                d.render(&program.sources)
            )
        });
        promises(&space, &text, i as u64);
    }
    // The generator writes mostly valid spaces; a test that accepts nothing proves nothing.
    assert!(
        (accepted + rejected_broken) * 4 >= SPACES * 3,
        "only {accepted} of {SPACES} accepted ({rejected_broken} broken on purpose)"
    );
    assert!(rejected_broken > 0, "no broken space was generated");
}
