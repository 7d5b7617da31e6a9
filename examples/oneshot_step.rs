//! Times one step of one-shot search on the NAS-Bench-201 supernet (compiled from the stdlib
//! space, `c` and `n` set by `--channels` and `--cells`): an architecture step on a
//! validation batch followed by a weight step on a training batch, as the stdlib strategies
//! take them. `benches/oneshot_vs_pytorch.py` runs it beside a PyTorch implementation of the
//! same step on the same torch install and reports the ratio.
//!
//! `cargo run --release --example oneshot_step -- MODE [--channels C] [--cells N]
//!  [--batch B] [--steps K] [--warmup W] [--threads T] [--seed S]`
//!
//! MODE is `darts1` (first order), `darts2` (second order, finite-difference Hessian-vector
//! product) or `gdas` (hard Gumbel-softmax, first order). Images are random 3×32×32 bytes
//! with random labels (the timing does not depend on them). Prints one line of `key=value`
//! pairs: the median and mean milliseconds per step over K timed steps after W untimed ones,
//! the median CPU milliseconds per step,
//! and the process's peak resident memory once the supernet and data are set up and after the
//! steps.

use nas::oneshot::{Mode, OneShotSearch, SearchConfig, Supernet};
use nas::train::image_set::ImageSet;
use std::time::Instant;
use tch::{Kind, Tensor};

/// What the command line asks for.
struct Options {
    mode: String,
    channels: i64,
    cells: usize,
    batch: i64,
    steps: usize,
    warmup: usize,
    threads: i32,
    seed: u64,
}

fn parse_options() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let mode = args
        .next()
        .ok_or("usage: oneshot_step darts1|darts2|gdas [--channels C] ...")?;
    let mut o = Options {
        mode,
        channels: 16,
        cells: 5,
        batch: 64,
        steps: 5,
        warmup: 2,
        threads: 1,
        seed: 0,
    };
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        let bad = |_| format!("{flag}: `{value}` is not a number");
        match flag.as_str() {
            "--channels" => o.channels = value.parse().map_err(bad)?,
            "--cells" => o.cells = value.parse().map_err(bad)?,
            "--batch" => o.batch = value.parse().map_err(bad)?,
            "--steps" => o.steps = value.parse().map_err(bad)?,
            "--warmup" => o.warmup = value.parse().map_err(bad)?,
            "--threads" => o.threads = value.parse().map_err(bad)?,
            "--seed" => o.seed = value.parse().map_err(bad)?,
            other => return Err(format!("unknown flag {other}")),
        }
    }
    if o.steps == 0 {
        return Err("--steps must be at least 1".into());
    }
    Ok(o)
}

/// `n` random 3×32×32 images with random labels of 10 classes.
fn random_images(n: i64) -> ImageSet {
    ImageSet {
        pixels: Tensor::randint(256, [n, 3, 32, 32], (Kind::Uint8, tch::Device::Cpu)),
        labels: Tensor::randint(10, [n], (Kind::Int64, tch::Device::Cpu)),
        classes: 10,
        mean: vec![0.5; 3],
        std: vec![0.25; 3],
    }
}

/// The CPU time this process has used so far, in milliseconds (steadier than wall-clock
/// time on a shared machine).
fn cpu_ms() -> f64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec it is given and reads nothing else.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut now) };
    now.tv_sec as f64 * 1e3 + now.tv_nsec as f64 / 1e6
}

/// The process's peak resident set so far, in MiB (Linux `VmHWM`).
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

fn run(o: &Options) -> Result<(), String> {
    let (mode, order) = match o.mode.as_str() {
        "darts1" => (Mode::Darts, 1),
        "darts2" => (Mode::Darts, 2),
        "gdas" => (Mode::Gdas, 1),
        other => return Err(format!("unknown mode {other}: darts1, darts2 or gdas")),
    };
    tch::set_num_threads(o.threads);
    tch::manual_seed(o.seed as i64);
    let batches = (o.steps + o.warmup) as i64 + 1;
    let train = random_images(o.batch * batches);
    let valid = random_images(o.batch * batches);
    let args = [
        ("c".to_string(), o.channels),
        ("n".to_string(), o.cells as i64),
        ("classes".to_string(), 10),
    ];
    let space = nas::space::load_space_with("nb201", &args)?;
    let net = Supernet::new(&space, 3, tch::Device::Cpu, Kind::Float, o.seed as i64)
        .map_err(|e| e.to_string())?;
    let config = SearchConfig::darts(o.batch, o.seed);
    let mut search = OneShotSearch::new(net, train, valid, &config).map_err(|e| e.to_string())?;
    search.set_mode(mode);
    let mut step = || -> Result<(), String> {
        search.alpha_step(order).map_err(|e| e.to_string())?;
        search.weight_step().map_err(|e| e.to_string())?;
        Ok(())
    };
    let before = peak_rss_mib();
    for _ in 0..o.warmup {
        step()?;
    }
    let mut ms = Vec::with_capacity(o.steps);
    let mut cpu = Vec::with_capacity(o.steps);
    for _ in 0..o.steps {
        let (t0, c0) = (Instant::now(), cpu_ms());
        step()?;
        ms.push(t0.elapsed().as_secs_f64() * 1e3);
        cpu.push(cpu_ms() - c0);
    }
    cpu.sort_by(f64::total_cmp);
    let mean = ms.iter().sum::<f64>() / ms.len() as f64;
    ms.sort_by(f64::total_cmp);
    println!(
        "median_ms={:.3} mean_ms={:.3} median_cpu_ms={:.3} peak_rss_setup_mib={:.1} peak_rss_mib={:.1}",
        ms[ms.len() / 2],
        mean,
        cpu[cpu.len() / 2],
        before,
        peak_rss_mib()
    );
    Ok(())
}

fn main() {
    if let Err(e) = parse_options().and_then(|o| run(&o)) {
        eprintln!("error: {e}");
        std::process::exit(2);
    }
}
