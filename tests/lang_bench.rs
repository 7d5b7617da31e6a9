//! Speed of the front end on a generated 1 MB `.nas` file. The measurement is ignored by
//! default (it takes a few seconds):
//! `cargo test --release --test front_end_suite -- lang_bench:: --ignored --nocapture`
//! (`NAS_BENCH_RUNS=N` sets the repetitions per phase; 15 by default).
//! It reports MB/s for lexing alone (the baseline: the fastest any front end could be with
//! this lexer), lexing + parsing, and the full parse + check (which includes dropping the
//! checked program), as medians of wall-clock time and of the thread's CPU time, with the
//! load average before and after (the CPU-time figures are the steadier ones on a loaded
//! machine).

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

/// The CPU time this thread has used (unaffected by time spent waiting for a core, so it
/// is steadier than wall-clock time on a shared, loaded machine).
fn thread_cpu_time() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec for the duration of the call.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    assert_eq!(status, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

/// Wall-clock and CPU times of repeated runs of one phase.
#[derive(Default)]
struct Times {
    wall: Vec<Duration>,
    cpu: Vec<Duration>,
}

impl Times {
    /// Runs `f` once and records its times.
    fn measure(&mut self, f: impl FnOnce()) {
        let (wall, cpu) = (Instant::now(), thread_cpu_time());
        f();
        self.cpu.push(thread_cpu_time() - cpu);
        self.wall.push(wall.elapsed());
    }

    /// A report line: median wall time and MB/s, then median CPU time and MB/s.
    fn line(&self, label: &str, megabytes: f64) -> String {
        let median = |times: &[Duration]| {
            let mut sorted = times.to_vec();
            sorted.sort();
            sorted[sorted.len() / 2]
        };
        let (wall, cpu) = (median(&self.wall), median(&self.cpu));
        format!(
            "{label:<20} wall {:>7.1} ms {:>7.1} MB/s   cpu {:>7.1} ms {:>7.1} MB/s",
            wall.as_secs_f64() * 1e3,
            megabytes / wall.as_secs_f64(),
            cpu.as_secs_f64() * 1e3,
            megabytes / cpu.as_secs_f64(),
        )
    }
}

/// The repetitions per phase: `NAS_BENCH_RUNS`, else 15.
fn runs() -> usize {
    std::env::var("NAS_BENCH_RUNS")
        .ok()
        .and_then(|runs| runs.parse().ok())
        .filter(|&runs| runs > 0)
        .unwrap_or(15)
}

#[test]
#[ignore = "measures speed on a 1 MB file (a few seconds)"]
fn parse_and_check_speed() {
    let text = generate(1 << 20);
    let megabytes = text.len() as f64 / 1e6;
    let load = |label: &str| {
        let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        println!("load average {label}: {}", load.trim());
    };
    load("before");
    let (mut lexing, mut parsing, mut checking) =
        (Times::default(), Times::default(), Times::default());
    // The phases take turns, so a burst of load from other processes hits all of them alike.
    for _ in 0..runs() {
        lexing.measure(|| assert!(!lex(FileId(0), &text).tokens.is_empty()));
        parsing.measure(|| assert!(!parse(FileId(0), &text).has_errors()));
        checking.measure(|| assert!(!check_source("bench.nas", &text).has_errors()));
    }
    load("after");
    println!(
        "input: {megabytes:.2} MB generated .nas ({} blocks), {} runs per phase, medians",
        text.matches("# block").count(),
        lexing.wall.len()
    );
    println!("{}", lexing.line("lex only (baseline)", megabytes));
    println!("{}", parsing.line("lex + parse", megabytes));
    println!("{}", checking.line("parse + check", megabytes));
}
