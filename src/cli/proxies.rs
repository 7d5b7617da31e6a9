//! `nas proxies SPACE --table FILE --column COL --n N [--proxy P]...`: train-free scores of N
//! sampled architectures, and how well each proxy ranks them against a benchmark column.

use super::proxies_scores::{record, Previous, ScoresFile};
use crate::compile::catalog::NetworkSize;
use crate::train::fashion_mnist;
use crate::trainfree::builders::CatalogBuilder;
use crate::trainfree::inputs::proxy_data;
use crate::trainfree::proxy::{score, Proxy, ProxyData};
use crate::trainfree::rank::{kendall_tau_b, spearman};
use indicatif::{ProgressBar, ProgressStyle};
pub use nas_lang::cli::proxies::Args;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;
use tch::Device;

/// Runs `nas proxies`.
pub fn run(args: Args) -> ExitCode {
    match proxies(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn proxies(args: Args) -> Result<(), String> {
    let chosen = chosen_proxies(&args.proxies)?;
    if args.threads > 0 {
        tch::set_num_threads(i32::from(args.threads));
    }
    let space = crate::space::load_space(&args.space)?;
    let truth = read_column(&args.table, &args.column)?;
    let device = if args.cpu {
        Device::Cpu
    } else {
        Device::cuda_if_available()
    };
    let data = read_proxy_data(&args)?.on(device)?;
    let (mut out, previous) = match &args.out {
        Some(path) if args.resume => {
            let (file, previous) = ScoresFile::resume(path)?;
            (Some(file), previous)
        }
        Some(path) => (Some(ScoresFile::create(path)?), Previous::new()),
        None => (None, Previous::new()),
    };

    let mut rng = crate::space::rng(args.seed);
    let mut seen = HashSet::new();
    let mut archs = Vec::new();
    let mut draws = 0;
    while archs.len() < args.n && draws < 100 * args.n.max(1) {
        draws += 1;
        let arch = space.sample(&mut rng).map_err(|e| e.to_string())?;
        let text = space.encode(&arch);
        if seen.insert(text.clone()) {
            let accuracy = *truth.get(&text).ok_or_else(|| {
                format!(
                    "architecture {text} is not in {} (is the table keyed by this space's canonical strings?)",
                    args.table.display()
                )
            })?;
            archs.push((text, accuracy));
        }
    }

    let bar = ProgressBar::new(archs.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} architectures  {msg}  eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let size = NetworkSize::default();
    let mut scores: HashMap<Proxy, Vec<f64>> = HashMap::new();
    let mut seconds: HashMap<Proxy, (f64, usize)> = HashMap::new();
    let mut failures: HashMap<Proxy, (usize, String)> = HashMap::new();
    let mut resumed = 0;
    for (i, (arch, accuracy)) in archs.iter().enumerate() {
        let builder = CatalogBuilder {
            space: args.space.clone(),
            arch: arch.clone(),
            size,
        };
        let earlier = previous.get(arch);
        let mut computed = Vec::new();
        for &p in &chosen {
            let outcome = match earlier.and_then(|e| e.get(&p)) {
                Some(outcome) => outcome.clone(),
                None => {
                    let started = Instant::now();
                    let outcome = score(p, &builder, &data, args.seed as i64 + i as i64);
                    let spent = seconds.entry(p).or_default();
                    spent.0 += started.elapsed().as_secs_f64();
                    spent.1 += 1;
                    computed.push((p, outcome.clone()));
                    outcome
                }
            };
            if let Err(reason) = &outcome {
                failures.entry(p).or_insert((0, reason.clone())).0 += 1;
            }
            scores
                .entry(p)
                .or_default()
                .push(outcome.unwrap_or(f64::NAN));
        }
        if computed.is_empty() {
            resumed += 1;
        } else if let Some(file) = out.as_mut() {
            file.append(&record(arch, &args.column, *accuracy, &computed))?;
        }
        bar.inc(1);
    }
    bar.finish_and_clear();

    let truth: Vec<f64> = archs.iter().map(|(_, a)| *a).collect();
    println!(
        "{} architectures of {}, ranked against {} (scored on {}):",
        archs.len(),
        args.space,
        args.column,
        device_name(device)
    );
    if resumed > 0 {
        println!("({resumed} read back from the scores file, not computed again)");
    }
    println!(
        "{:<16} {:>9} {:>9} {:>10} {:>7}",
        "proxy", "spearman", "kendall", "s/arch", "failed"
    );
    for &p in &chosen {
        let values = scores.get(&p).map_or(&[][..], Vec::as_slice);
        let fmt = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.3}"));
        println!(
            "{:<16} {:>9} {:>9} {:>10} {:>7}",
            p.name(),
            fmt(spearman(values, &truth)),
            fmt(kendall_tau_b(values, &truth)),
            fmt(seconds.get(&p).map(|(s, n)| s / *n as f64)),
            failures.get(&p).map_or(0, |f| f.0)
        );
    }
    for (p, (count, reason)) in &failures {
        eprintln!("{}: {count} failure(s), e.g. {reason}", p.name());
    }
    Ok(())
}

/// `cpu` or `cuda:N`.
fn device_name(device: Device) -> String {
    match device {
        Device::Cuda(n) => format!("cuda:{n}"),
        _ => "cpu".to_string(),
    }
}

/// The proxies named on the command line, or all of them.
fn chosen_proxies(names: &[String]) -> Result<Vec<Proxy>, String> {
    if names.is_empty() {
        return Ok(Proxy::ALL.to_vec());
    }
    names
        .iter()
        .map(|n| {
            Proxy::from_name(n).ok_or_else(|| {
                let known: Vec<&str> = Proxy::ALL.iter().map(|p| p.name()).collect();
                format!("unknown proxy `{n}`; known: {}", known.join(", "))
            })
        })
        .collect()
}

/// The table's `column`, keyed by its `arch` column.
fn read_column(path: &Path, column: &str) -> Result<HashMap<String, f64>, String> {
    let text = crate::paths::read_data_text(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let csv = crate::search::csv::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let find = |name: &str| {
        csv.header.iter().position(|h| h == name).ok_or_else(|| {
            format!(
                "{} has no column `{name}` (columns: {})",
                path.display(),
                csv.header.join(", ")
            )
        })
    };
    let (key, value) = (find("arch")?, find(column)?);
    csv.rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let v = row[value].parse::<f64>().map_err(|_| {
                format!(
                    "{} row {}: `{}` in column {column} is not a number",
                    path.display(),
                    i + 2,
                    row[value]
                )
            })?;
            Ok((row[key].clone(), v))
        })
        .collect()
}

/// Fashion-MNIST as the proxies see it: a batch padded to 3×32×32 (the grey channel three
/// times), and 1,000 single-channel 3×3 patches for the thin networks' linear regions.
fn read_proxy_data(args: &Args) -> Result<ProxyData, String> {
    let dir = args
        .data
        .clone()
        .unwrap_or_else(crate::paths::fashion_mnist_dir);
    let train = fashion_mnist::load_fashion_mnist(&dir)
        .map_err(crate::train::named::describe)?
        .train;
    proxy_data(&train, args.batch, args.ntk_batch, args.seed, true)
}
