//! `nas report RUN... --trials`: every trial of every seed, in the order each seed submitted
//! them, as one Markdown table — its architecture, its report (else its reward) and the
//! parameter-free ops among its op decisions. A one-shot search that evaluates its derived
//! architecture at every epoch (`darts(evaluate_every: 1)`) reads as its trajectory: whether
//! the derived cell drifts towards skips and pooling as the search goes on.

use super::summary::{run_space, share};
use super::Run;
use crate::search::trial::Trial;
use crate::space::Space;
use std::collections::BTreeMap;
use std::fmt::Write;

/// The trials of `runs`, one Markdown line each.
pub fn table(runs: &[Run]) -> Result<String, String> {
    let metric = super::common(runs.iter().map(|r| r.report_name().unwrap_or(r.metric())))
        .unwrap_or("value");
    let mut out = format!(
        "| run | seed | trial | architecture | {metric} | parameter-free ops |\n| --- | --- | --- | --- | --- | --- |\n"
    );
    let mut spaces: BTreeMap<String, Result<Space, String>> = BTreeMap::new();
    for run in &super::distinct_labels(runs) {
        for (seed, trials) in &run.trials {
            let mut ordered: Vec<&Trial> = trials.iter().collect();
            ordered.sort_by_key(|t| t.id);
            for trial in ordered {
                let value = match (trial.is_ok(), trial.report.or(trial.reward)) {
                    (true, Some(v)) => format!("{v:.2}"),
                    (true, None) => "-".to_string(),
                    (false, _) => format!(
                        "failed: {}",
                        trial.error.as_deref().unwrap_or("no reason recorded")
                    ),
                };
                let free = match (trial.is_ok(), run_space(run, &mut spaces)?) {
                    (false, _) => "-".to_string(),
                    (true, None) => "- (the store names no space)".to_string(),
                    (true, Some(space)) => share(space, &[trial])?,
                };
                let _ = writeln!(
                    out,
                    "| {} | {seed} | {} | `{}` | {} | {free} |",
                    run.label.replace('|', "\\|"),
                    trial.id,
                    trial.arch.replace('|', "\\|"),
                    value.replace('|', "\\|"),
                );
            }
        }
    }
    Ok(out)
}
