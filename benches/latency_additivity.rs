//! How well the per-op latency table predicts a whole network's latency (a benchmark, not a
//! test: it asserts nothing about time). ProxylessNAS and FBNet score an architecture by the
//! sum of its ops' latencies, each op timed alone at the input shape it sees in the network
//! (`src/oneshot/latency.rs`, the table both searches use); this measures that additivity on
//! this machine.
//!
//! `cargo bench --bench latency_additivity [-- --archs N --batch B --threads T]` draws N
//! architectures (default 100, seed 0) of each of two spaces, `nb201` (c 16, n 5, on 3×32×32
//! images) and FBNet's layer-wise `fbnet` (c 16, n 4, on 3×128×128 images), and for each:
//!
//! - the table's prediction: the supernet of the space on the CPU, every candidate op timed
//!   alone at its shape (a fresh table, so nothing comes from an earlier run), summed over the
//!   ops the architecture chooses where it runs (`latency_lut`);
//! - the measured latency: the architecture's network compiled alone and timed the same way
//!   (the median of 30 forward passes in inference mode after 5 untimed ones).
//!
//! It prints one Markdown row per space: Spearman's ρ and Kendall's τ between predicted and
//! measured, the mean relative error |lut − measured| / measured, and the mean share of the
//! measured time that the table leaves out (the stem, the fixed layers and the head, which a
//! searched layer's table has no row for, so ranking is what the sum can get right, not the
//! total).

use nas::compile::catalog::{build_arch, NetworkSize};
use nas::oneshot::latency::{measure, op_latencies, path_latency, LatencyTable};
use nas::oneshot::supernet::Supernet;
use nas::space::{load_space_with, Architecture, Space};
use nas::trainfree::rank::{kendall_tau_b, spearman};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tch::{nn, Device, Kind};

/// One space of the study: its stdlib name, its arguments and the images it runs on.
struct Study {
    name: &'static str,
    args: &'static [(&'static str, i64)],
    image: [i64; 3],
}

const STUDIES: [Study; 2] = [
    Study {
        name: "nb201",
        args: &[("c", 16), ("n", 5)],
        image: [3, 32, 32],
    },
    Study {
        name: "fbnet",
        args: &[("c", 16), ("n", 4), ("classes", 10)],
        image: [3, 128, 128],
    },
];

/// What the command line sets.
struct Options {
    archs: usize,
    batch: i64,
    threads: i32,
}

fn options() -> Options {
    let mut o = Options {
        archs: 100,
        batch: 1,
        threads: 1,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.windows(2) {
        let value = || {
            pair[1]
                .parse::<i64>()
                .unwrap_or_else(|_| panic!("{} takes a number, not {}", pair[0], pair[1]))
        };
        match pair[0].as_str() {
            "--archs" => o.archs = value() as usize,
            "--batch" => o.batch = value(),
            "--threads" => o.threads = value() as i32,
            _ => {}
        }
    }
    o
}

/// The measured latency of `arch`'s network alone, in milliseconds.
fn whole(space: &Space, arch: &Architecture, study: &Study, batch: i64) -> f64 {
    let _no_grad = tch::no_grad_guard();
    let vs = nn::VarStore::new(Device::Cpu);
    let size = NetworkSize {
        in_channels: Some(study.image[0]),
        ..NetworkSize::default()
    };
    let net = build_arch(&vs.root(), space, arch, size).expect("the network builds");
    let [c, h, w] = study.image;
    measure(net.as_ref(), [batch, c, h, w], Device::Cpu).expect("the network runs")
}

fn main() {
    let o = options();
    tch::set_num_threads(o.threads);
    tch::manual_seed(0);
    let cache = tempfile::tempdir().expect("a temporary folder");
    println!(
        "batch {}, {} libtorch thread(s), {} architectures per space (seed 0)\n",
        o.batch, o.threads, o.archs
    );
    println!("| space | images | Spearman ρ | Kendall τ | mean relative error | share outside the table | measured ms (min–max) |");
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    for study in &STUDIES {
        let args: Vec<(String, i64)> = study
            .args
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect();
        let space = load_space_with(study.name, &args).expect("a stdlib space");
        let net = Supernet::new(&space, study.image[0], Device::Cpu, Kind::Float, 0)
            .expect("the supernet builds");
        let mut table = LatencyTable::load(&cache.path().join(format!("{}.csv", study.name)))
            .expect("a fresh table");
        let costs =
            op_latencies(&net, &study.image, o.batch, &mut table).expect("every op is timed");
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let (mut predicted, mut measured) = (Vec::new(), Vec::new());
        for _ in 0..o.archs {
            let arch = space.sample(&mut rng).expect("the space samples");
            predicted
                .push(path_latency(net.rows(), &costs, &arch).expect("a path of the supernet"));
            measured.push(whole(&space, &arch, study, o.batch));
        }
        let n = measured.len() as f64;
        let error = predicted
            .iter()
            .zip(&measured)
            .map(|(p, m)| (p - m).abs() / m)
            .sum::<f64>()
            / n;
        let outside = predicted
            .iter()
            .zip(&measured)
            .map(|(p, m)| (m - p) / m)
            .sum::<f64>()
            / n;
        let (lo, hi) = measured
            .iter()
            .fold((f64::INFINITY, 0.0f64), |(lo, hi), &m| {
                (lo.min(m), hi.max(m))
            });
        let [c, h, w] = study.image;
        println!(
            "| {} ({}) | {c}×{h}×{w} | {:.3} | {:.3} | {:.1}% | {:.1}% | {lo:.2}–{hi:.2} |",
            study.name,
            study
                .args
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", "),
            spearman(&predicted, &measured).unwrap_or(f64::NAN),
            kendall_tau_b(&predicted, &measured).unwrap_or(f64::NAN),
            100.0 * error,
            100.0 * outside,
        );
    }
}
