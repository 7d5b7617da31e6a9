//! `nas report --summary`: one Markdown table of what each run chose, over its seeds — the
//! chosen trial's report (else its reward) as mean ± sample standard deviation, the share of
//! parameter-free ops (ops with no trainable weight: skip, pooling, `none`) among the op
//! decisions of the chosen architectures, and the wall and CPU time each seed took.
//!
//! A seed's choice is its best finished trial by the objective (a one-shot search has one: the
//! architecture it derived). Its ops are read by decoding the architecture in the run's space
//! (recorded in the store's header) and building each chosen op with the op library.

use super::Run;
use crate::compile::ir_op::Resolver;
use crate::compile::named::build_named;
use crate::compile::op::parameter_count;
use crate::search::trial::Trial;
use crate::space::{load_space_with, Architecture, Domain, Space, Value};
use std::collections::BTreeMap;
use std::fmt::Write;
use tch::{nn, Device};

/// The channels each op is first built on to learn how many it gives.
const PROBE_CHANNELS: i64 = 4;

/// The summary table of `runs`, one line per run, as Markdown.
pub fn table(runs: &[Run]) -> Result<String, String> {
    let metric = super::common(runs.iter().map(|r| r.report_name().unwrap_or(r.metric())))
        .unwrap_or("value");
    let mut out = format!(
        "| run | seeds | {metric} (mean ± sample std) | per seed | parameter-free ops | wall time per seed | CPU time per seed |\n| --- | --- | --- | --- | --- | --- | --- |\n"
    );
    let mut spaces: BTreeMap<String, Result<Space, String>> = BTreeMap::new();
    for run in &super::distinct_labels(runs) {
        let chosen: Vec<&Trial> = run
            .trials
            .values()
            .filter_map(|trials| chosen(trials, run.maximize()))
            .collect();
        let values: Vec<f64> = chosen
            .iter()
            .filter_map(|t| t.report.or(t.reward))
            .collect();
        let per_seed = values
            .iter()
            .map(|v| format!("{v:.2}"))
            .collect::<Vec<_>>()
            .join(", ");
        let free = match run_space(run, &mut spaces)? {
            None => "- (the store names no space)".to_string(),
            Some(space) => share(space, &chosen)?,
        };
        let took: Vec<_> = run.took.values().collect();
        let wall: Vec<f64> = took.iter().map(|t| t.wall).collect();
        let cpu: Vec<f64> = took.iter().map(|t| t.cpu).collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {per_seed} | {free} | {} | {} |",
            run.label.replace('|', "\\|"),
            run.trials.len(),
            mean_sample_std(&values),
            seconds(&wall),
            seconds(&cpu),
        );
    }
    Ok(out)
}

/// The space `run` searched (at its size, with any searched settings' decisions), loaded once
/// per distinct space into `spaces`; `None` when the store names no space.
pub(super) fn run_space<'a>(
    run: &Run,
    spaces: &'a mut BTreeMap<String, Result<Space, String>>,
) -> Result<Option<&'a Space>, String> {
    let Some(spec) = run.header.about.as_ref().and_then(|a| a.space.clone()) else {
        return Ok(None);
    };
    let network = run.header.about.as_ref().and_then(|a| a.network.as_ref());
    let key = match network {
        Some(n) => format!("{spec}|{:?}|{:?}", n.args, n.training.get("searched")),
        None => spec.clone(),
    };
    let space = spaces.entry(key).or_insert_with(|| match network {
        Some(n) if n.space == spec => n.space(),
        Some(n) => load_space_with(&spec, &n.args),
        None => load_space_with(&spec, &[]),
    });
    match space {
        Ok(space) => Ok(Some(space)),
        Err(e) => Err(format!("{}: cannot load space `{spec}`: {e}", run.label)),
    }
}

/// The best finished trial of one seed's `trials` by its reward.
fn chosen(trials: &[Trial], maximize: bool) -> Option<&Trial> {
    let sign = if maximize { 1.0 } else { -1.0 };
    trials
        .iter()
        .filter(|t| t.is_ok())
        .filter_map(|t| Some((t, t.reward?)))
        .max_by(|a, b| (a.1 * sign).total_cmp(&(b.1 * sign)))
        .map(|(t, _)| t)
}

/// `mean ± s` with the sample standard deviation (n − 1); one value alone, `-` for none.
pub fn mean_sample_std(values: &[f64]) -> String {
    match values {
        [] => "-".to_string(),
        [one] => format!("{one:.2}"),
        _ => {
            let n = values.len() as f64;
            let mean = values.iter().sum::<f64>() / n;
            let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
            format!("{mean:.2} ± {:.2}", var.sqrt())
        }
    }
}

/// The mean of `values` in seconds, `-` for none.
fn seconds(values: &[f64]) -> String {
    if values.is_empty() {
        return "-".to_string();
    }
    format!("{:.0} s", values.iter().sum::<f64>() / values.len() as f64)
}

/// `k of n (p%)`: the parameter-free ops among the op decisions of every chosen architecture.
pub(super) fn share(space: &Space, chosen: &[&Trial]) -> Result<String, String> {
    let (mut free, mut all) = (0usize, 0usize);
    let mut known: BTreeMap<(usize, u32), bool> = BTreeMap::new();
    for trial in chosen {
        let arch = space.decode(&trial.arch).map_err(|e| {
            format!(
                "`{}` is not an architecture of `{}`: {e}",
                trial.arch,
                space.name()
            )
        })?;
        for (d, k) in op_decisions(space, &arch) {
            let weightless = match known.get(&(d, k)) {
                Some(&w) => w,
                None => {
                    let w = weightless(space, &arch, d, k)?;
                    known.insert((d, k), w);
                    w
                }
            };
            all += 1;
            free += usize::from(weightless);
        }
    }
    if all == 0 {
        return Ok("- (no op decisions)".to_string());
    }
    Ok(format!(
        "{free} of {all} ({:.0}%)",
        100.0 * free as f64 / all as f64
    ))
}

/// The op decisions `arch` sets, with the alternative each takes.
fn op_decisions(space: &Space, arch: &Architecture) -> Vec<(usize, u32)> {
    space
        .decisions()
        .iter()
        .enumerate()
        .filter(|(_, d)| matches!(&d.domain, Domain::Categorical(alts) if alts.iter().all(|a| a.op.is_some())))
        .filter_map(|(d, _)| match arch.values().get(d) {
            Some(Value::Cat(k)) => Some((d, *k)),
            _ => None,
        })
        .collect()
}

/// Whether alternative `k` of the op decision `d` (as `arch` resolves it) has no trainable
/// weight.
fn weightless(space: &Space, arch: &Architecture, d: usize, k: u32) -> Result<bool, String> {
    let op = match &space.decisions()[d].domain {
        Domain::Categorical(alts) => alts.get(k as usize).and_then(|a| a.op.as_ref()),
        _ => None,
    }
    .ok_or_else(|| format!("decision `{}` has no op {k}", space.decisions()[d].name))?;
    let resolver = Resolver {
        space,
        arch,
        alternatives: None,
    };
    let spec = resolver.op(op, 0).map_err(|e| e.to_string())?;
    // Built on as many channels as it gives, as on a cell's edge: a pooling that had to
    // change the channel count would add a projection the op does not have there.
    let build = |c_in: i64| -> Result<(i64, i64), String> {
        let vs = nn::VarStore::new(Device::Cpu);
        let (_, c_out) = build_named(&spec, &vs.root(), c_in).map_err(|e| e.to_string())?;
        Ok((c_out, parameter_count(&vs)))
    };
    let (c_out, weights) = build(PROBE_CHANNELS)?;
    let weights = if c_out == PROBE_CHANNELS {
        weights
    } else {
        build(c_out)?.1
    };
    Ok(weights == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_standard_deviation_divides_by_n_minus_one() {
        // 69.15 ± 18.72 over 86.04, 49.02, 72.38 (an earlier three-seed DARTS row of the README).
        assert_eq!(mean_sample_std(&[86.04, 49.02, 72.38]), "69.15 ± 18.72");
        assert_eq!(mean_sample_std(&[93.0]), "93.00");
        assert_eq!(mean_sample_std(&[]), "-");
    }

    #[test]
    fn nb201_ops_without_weights_are_skip_pooling_and_none() {
        let space = crate::space::load_space("nb201").expect("the stdlib's nb201");
        let arch = space
            .decode(
                "|none~0|+|skip_connect~0|avg_pool_3x3~1|+|nor_conv_1x1~0|nor_conv_3x3~1|none~2|",
            )
            .expect("an nb201 cell");
        let free: Vec<bool> = op_decisions(&space, &arch)
            .iter()
            .map(|&(d, k)| weightless(&space, &arch, d, k).expect("builds"))
            .collect();
        assert_eq!(free, [true, true, true, false, false, true]);
    }
}
