//! Throughput of space operations on NAS-Bench-201 and DARTS (lowered from the stdlib), one
//! core, against a hand-written NB201 sampler in the same run.
//!
//! `cargo run --release --example space_bench [-- SECONDS_PER_CASE]`

use nas::space::{load_space, rng, Architecture, Space};
use rand::Rng;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Runs `f` repeatedly for about `budget` and returns operations per second.
fn rate(budget: Duration, mut f: impl FnMut()) -> f64 {
    let mut n = 0u64;
    let start = Instant::now();
    while start.elapsed() < budget {
        for _ in 0..1000 {
            f();
        }
        n += 1000;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn report(name: &str, per_sec: f64) {
    println!(
        "{name:<44} {:>12.0} /s  {:>8.1} ns/op",
        per_sec,
        1e9 / per_sec
    );
}

/// The baseline: six uniform draws written straight into the benchmark's string.
fn baseline(r: &mut impl Rng, out: &mut String) {
    const OPS: [&str; 5] = [
        "none",
        "skip_connect",
        "nor_conv_1x1",
        "nor_conv_3x3",
        "avg_pool_3x3",
    ];
    out.clear();
    for (node, inputs) in [1, 2, 3].iter().enumerate() {
        if node > 0 {
            out.push('+');
        }
        out.push('|');
        for i in 0..*inputs {
            out.push_str(OPS[r.random_range(0..5)]);
            out.push('~');
            out.push((b'0' + i as u8) as char);
            out.push('|');
        }
    }
}

fn bench_space(space: &Space, budget: Duration) {
    let name = space.name();
    let mut r = rng(1);
    let mut arch = space.sample(&mut r).expect("sample");
    let mut text = String::new();
    report(
        &format!("{name}: sample + encode"),
        rate(budget, || {
            space.sample_into(&mut r, &mut arch).expect("sample");
            text.clear();
            space.encode_into(&arch, &mut text);
            black_box(&text);
        }),
    );
    report(
        &format!("{name}: sample"),
        rate(budget, || {
            space.sample_into(&mut r, &mut arch).expect("sample");
            black_box(&arch);
        }),
    );
    let pool: Vec<Architecture> = (0..1024)
        .map(|_| space.sample(&mut r).expect("sample"))
        .collect();
    let strings: Vec<String> = pool.iter().map(|a| space.encode(a)).collect();
    let mut i = 0usize;
    report(
        &format!("{name}: mutate"),
        rate(budget, || {
            i = (i + 1) & 1023;
            black_box(space.mutate(&pool[i], &mut r).expect("mutate"));
        }),
    );
    report(
        &format!("{name}: crossover"),
        rate(budget, || {
            i = (i + 1) & 1023;
            black_box(
                space
                    .crossover(&pool[i], &pool[(i + 7) & 1023], &mut r)
                    .expect("crossover"),
            );
        }),
    );
    report(
        &format!("{name}: decode"),
        rate(budget, || {
            i = (i + 1) & 1023;
            black_box(space.decode(&strings[i]).expect("decode"));
        }),
    );
    report(
        &format!("{name}: isomorphism hash"),
        rate(budget, || {
            i = (i + 1) & 1023;
            black_box(space.iso_hash(&pool[i]));
        }),
    );
    report(
        &format!("{name}: neighbours (all)"),
        rate(budget / 4, || {
            i = (i + 1) & 1023;
            black_box(space.neighbours(&pool[i]));
        }),
    );
}

fn main() {
    let secs: f64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let budget = Duration::from_secs_f64(secs);
    let mut r = rng(1);
    let mut text = String::new();
    report(
        "baseline: hand-written NB201 sample + encode",
        rate(budget, || {
            baseline(&mut r, &mut text);
            black_box(&text);
        }),
    );
    for name in ["nb201", "darts"] {
        match load_space(name) {
            Ok(space) => bench_space(&space, budget),
            Err(e) => eprintln!("cannot load {name}:\n{e}"),
        }
    }
}
