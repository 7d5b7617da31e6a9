//! Speed of the front end on a generated 1 MB `.nas` file. The measurement is ignored by
//! default (it takes a few seconds):
//! `cargo test --release --test lang_bench -- --ignored --nocapture`.
//! It reports MB/s for lexing alone (the baseline: the fastest any front end could be with
//! this lexer), lexing + parsing, and the full parse + check.

use nas::check::check_source;
use nas::syntax::lexer::lex;
use nas::syntax::{parse, FileId};
use std::time::{Duration, Instant};

/// One block of realistic definitions, with names made unique by `i`.
fn block(i: usize) -> String {
    format!(
        "# block {i}: ops, a choice, a cell, a space and an experiment\n\
op rcb_{i}(c: int, k: int, stride: int = 1) = relu >> conv(c, k, stride: stride) >> batchnorm\n\
op sep_{i}(c: int, stride: int = 1) = relu >> sep_conv(c, 3, stride: stride) >> batchnorm >> relu >> sep_conv(c, 3) >> batchnorm\n\
choice edge_{i}(c: int) = none | skip | rcb_{i}(c, 1) | rcb_{i}(c, 3) | sep_{i}(c) | avg_pool(3) | max_pool(3)\n\
\n\
cell cell_{i}(c: int) {{\n\
    input x0\n\
    node x1 = sum(x0 >> edge_{i}(c))\n\
    node x2 = sum(x0 >> edge_{i}(c), x1 >> edge_{i}(c))\n\
    node x3 = sum(x0 >> edge_{i}(c), x1 >> edge_{i}(c), x2 >> edge_{i}(c))\n\
    output x3\n\
}}\n\
\n\
space space_{i}(c: int = 16, n: int = 3, classes: int = 10) {{\n\
    input image(3, 32, 32)\n\
    let k = 3 | 5\n\
    conv(c, k) >> batchnorm\n\
        >> cell_{i}(c) * n >> resblock(2 * c, stride: 2)\n\
        >> cell_{i}(2 * c) * n >> resblock(4 * c, stride: 2)\n\
        >> cell_{i}(4 * c) * (1..=n) independent >> global_avg_pool >> linear(classes)\n\
    where params < 5M\n\
}}\n\
\n\
experiment run_{i} {{\n\
    space space_{i}(c: 16, n: 5)\n\
    data fashion_mnist(resize: 32)\n\
    evaluate train(epochs: 12, batch: 256, optimizer: sgd(lr: 0.1, momentum: 0.9), schedule: cosine)\n\
    strategy evolution(population: 50, tournament: 10)\n\
    budget trials: 200, time: 4h\n\
    objective maximize valid_acc\n\
}}\n\n"
    )
}

/// A program of at least `bytes` bytes.
fn generate(bytes: usize) -> String {
    let mut text = String::with_capacity(bytes + 2048);
    let mut i = 0;
    while text.len() < bytes {
        text.push_str(&block(i));
        i += 1;
    }
    text
}

#[test]
fn generated_program_checks_cleanly() {
    let program = check_source("bench.nas", &generate(8 << 10));
    assert!(
        program.diagnostics.is_empty(),
        "{}",
        program.render_diagnostics(false)
    );
    assert!(!program.traces.is_empty());
}

/// The median time of `runs` calls of `f`.
fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

#[test]
#[ignore = "measures speed on a 1 MB file (a few seconds)"]
fn parse_and_check_speed() {
    let text = generate(1 << 20);
    let megabytes = text.len() as f64 / 1e6;
    let lexing = median(7, || assert!(!lex(FileId(0), &text).tokens.is_empty()));
    let parsing = median(7, || assert!(!parse(FileId(0), &text).has_errors()));
    let checking = median(
        7,
        || assert!(!check_source("bench.nas", &text).has_errors()),
    );
    let rate = |time: Duration| megabytes / time.as_secs_f64();
    println!(
        "input: {megabytes:.2} MB generated .nas ({} blocks)",
        text.matches("# block").count()
    );
    println!(
        "lex only (baseline): {:>8.1} ms  {:>7.1} MB/s",
        lexing.as_secs_f64() * 1e3,
        rate(lexing)
    );
    println!(
        "lex + parse:         {:>8.1} ms  {:>7.1} MB/s",
        parsing.as_secs_f64() * 1e3,
        rate(parsing)
    );
    println!(
        "parse + check:       {:>8.1} ms  {:>7.1} MB/s",
        checking.as_secs_f64() * 1e3,
        rate(checking)
    );
}
