//! `nas report`: what one or more runs found, as one self-contained HTML page with its charts'
//! data beside it as CSV. Each run is a trial store (`runs/NAME-STRATEGY.jsonl`); several runs
//! (say, one per strategy) are overlaid in each chart.
//!
//! Drawn today: best-so-far against finished trials and against the (simulated or measured)
//! clock, as the mean ± standard deviation over each run's seeds; a summary per run; the trial
//! table, sortable by any column; and for proxy runs that report a benchmark column, the
//! proxy-against-accuracy scatter with Spearman's ρ and Kendall's τ; for one-shot runs, α
//! (softmax) per edge over epochs as heat maps, from the α history beside the store
//! ([`crate::search::alpha_log`]); for multi-objective runs, their Pareto fronts
//! ([`fronts`]).

pub mod curves;
pub mod fronts;
pub mod heatmap;
pub mod html;
pub mod plots;
pub mod summary;
pub mod trials;

use crate::search::alpha_log::{self, AlphaEpoch};
use crate::search::store::{self, Header, Took};
use crate::search::trial::Trial;
use crate::trainfree::rank::{kendall_tau_b, spearman};
use curves::{best_so_far, by_time, by_trials, Band, Point};

/// One seed's best-so-far curve.
type SeedCurve = (u64, Vec<Point>);
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// One run read from its trial store.
#[derive(Debug, Clone)]
pub struct Run {
    /// The name shown in legends and tables.
    pub label: String,
    /// The store's header.
    pub header: Header,
    /// Finished trials by seed.
    pub trials: BTreeMap<u64, Vec<Trial>>,
    /// The α history of its one-shot searches (empty for other runs).
    pub alphas: Vec<AlphaEpoch>,
    /// What each seed's run took, where the store recorded it.
    pub took: BTreeMap<u64, Took>,
}

impl Run {
    /// Reads the store at `path`.
    pub fn load(path: &Path) -> Result<Run, String> {
        let (header, loaded) = store::read(path)?;
        Ok(Run {
            label: format!("{} · {}", header.experiment, header.strategy),
            header,
            trials: loaded.trials,
            alphas: alpha_log::read(&alpha_log::file(path)),
            took: loaded.took,
        })
    }

    /// Whether the objective is maximised (stores written before runs recorded it: assumed).
    pub fn maximize(&self) -> bool {
        self.header.about.as_ref().is_none_or(|a| a.maximize)
    }

    fn metric(&self) -> &str {
        self.header.about.as_ref().map_or("reward", |a| &a.metric)
    }

    fn report_name(&self) -> Option<&str> {
        self.header.about.as_ref()?.report.as_deref()
    }

    fn evaluator(&self) -> &str {
        self.header.about.as_ref().map_or("", |a| &a.evaluator)
    }

    /// Each seed's best-so-far points (trials finished, clock, best).
    fn curves(&self) -> Vec<SeedCurve> {
        self.trials
            .iter()
            .map(|(seed, t)| (*seed, best_so_far(t, self.maximize())))
            .collect()
    }
}

/// What `write` produced.
#[derive(Debug, Clone)]
pub struct Written {
    /// The HTML file.
    pub html: PathBuf,
    /// The CSV files of the charts' data.
    pub csv: Vec<PathBuf>,
}

/// Writes the report of `runs` to `html` and the data behind each chart as CSV files in the
/// folder `<html without extension>_data/`.
pub fn write(runs: &[Run], html: &Path) -> Result<Written, String> {
    if runs.is_empty() {
        return Err("no run to report".to_string());
    }
    let runs = distinct_labels(runs);
    let data_dir = html.with_file_name(format!(
        "{}_data",
        html.file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("report")
    ));
    std::fs::create_dir_all(&data_dir)
        .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
    let mut csv = Vec::new();
    let mut save = |name: &str, text: String| -> Result<(), String> {
        let path = data_dir.join(name);
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        csv.push(path);
        Ok(())
    };
    let mut body = String::new();
    body.push_str("<h2>Runs</h2>\n");
    body.push_str(&summary_table(&runs));

    let curves: Vec<Vec<SeedCurve>> = runs.iter().map(Run::curves).collect();
    let mut raw = String::from("run,seed,trials,clock,best\n");
    for (run, per_seed) in runs.iter().zip(&curves) {
        for (seed, points) in per_seed {
            for (n, clock, best) in points {
                let _ = writeln!(raw, "{},{seed},{n},{clock},{best}", csv_field(&run.label));
            }
        }
    }
    save("best_so_far.csv", raw)?;
    let metric = common(runs.iter().map(Run::metric)).unwrap_or("reward");
    let seeds_only =
        |c: &Vec<SeedCurve>| -> Vec<Vec<Point>> { c.iter().map(|(_, p)| p.clone()).collect() };
    let trials_bands: Vec<(String, Band)> = runs
        .iter()
        .zip(&curves)
        .map(|(r, c)| (r.label.clone(), by_trials(&seeds_only(c))))
        .collect();
    let time_bands: Vec<(String, Band)> = runs
        .iter()
        .zip(&curves)
        .map(|(r, c)| (r.label.clone(), by_time(&seeds_only(c), 200)))
        .collect();
    save("best_vs_trials.csv", bands_csv("trials", &trials_bands))?;
    save("best_vs_time.csv", bands_csv("seconds", &time_bands))?;
    let simulated = runs.iter().all(|r| r.evaluator() == "table");
    let clock = if simulated {
        "simulated seconds"
    } else {
        "seconds"
    };
    body.push_str("<h2>Best so far</h2>\n<p class=\"note\">The best reward found after each finished trial; the line is the mean over a run's seeds, the band ± one standard deviation.</p>\n");
    chart(
        &mut body,
        plots::bands(
            "best so far against trials",
            "trials finished",
            metric,
            &trials_bands,
        ),
    );
    if time_bands.iter().all(|(_, b)| b.x.is_empty()) {
        body.push_str("<p class=\"note\">No chart against time: every trial finished at clock 0 (the evaluator recorded no cost; a table evaluator simulates one with `cost:`).</p>\n");
    } else {
        chart(
            &mut body,
            plots::bands(
                &format!("best so far against {clock}"),
                clock,
                metric,
                &time_bands,
            ),
        );
    }

    let proxy: Vec<&Run> = runs
        .iter()
        .filter(|r| r.evaluator() == "proxy" && r.report_name().is_some())
        .collect();
    if !proxy.is_empty() {
        body.push_str("<h2>Proxy against the reported metric</h2>\n");
        let mut data = String::from("run,arch,proxy,report\n");
        let mut series = Vec::new();
        let mut rows = Vec::new();
        for run in &proxy {
            let pairs: Vec<(f64, f64)> = run
                .trials
                .values()
                .flatten()
                .filter_map(|t| Some((t.reward?, t.report?)))
                .collect();
            for t in run.trials.values().flatten() {
                if let (Some(p), Some(r)) = (t.reward, t.report) {
                    let _ = writeln!(
                        data,
                        "{},{},{p},{r}",
                        csv_field(&run.label),
                        csv_field(&t.arch)
                    );
                }
            }
            let (x, y): (Vec<f64>, Vec<f64>) = pairs.iter().copied().unzip();
            rows.push(vec![
                run.label.clone(),
                pairs.len().to_string(),
                spearman(&x, &y).map_or("-".into(), |v| format!("{v:.3}")),
                kendall_tau_b(&x, &y).map_or("-".into(), |v| format!("{v:.3}")),
            ]);
            series.push((run.label.clone(), pairs));
        }
        save("proxy_scatter.csv", data)?;
        body.push_str(&html::table(
            &["run", "architectures", "Spearman ρ", "Kendall τ"],
            &rows,
            false,
        ));
        let report = common(proxy.iter().filter_map(|r| r.report_name())).unwrap_or("report");
        let score = common(proxy.iter().map(|r| r.metric())).unwrap_or("proxy");
        chart(
            &mut body,
            plots::scatter(&format!("{score} against {report}"), score, report, &series),
        );
    }

    if let Some(data) = fronts::section(&runs, &mut body) {
        save("pareto.csv", data)?;
    }

    let one_shot: Vec<&Run> = runs.iter().filter(|r| !r.alphas.is_empty()).collect();
    if !one_shot.is_empty() {
        body.push_str("<h2>α over epochs</h2>\n<p class=\"note\">Each one-shot search's architecture weights after each finished epoch: one map per α row (an edge), the softmax weight of each op shaded and written. The first seed of each run is drawn; the CSV holds every seed.</p>\n");
        let mut data = String::from("run,seed,supernet,epoch,row,op,weight\n");
        for run in &one_shot {
            for a in &run.alphas {
                for row in &a.rows {
                    for (op, w) in row.ops.iter().zip(&row.p) {
                        let _ = writeln!(
                            data,
                            "{},{},{},{},{},{},{w}",
                            csv_field(&run.label),
                            a.seed,
                            a.supernet,
                            a.epoch,
                            csv_field(&row.name),
                            csv_field(op)
                        );
                    }
                }
            }
            alpha_maps(&mut body, run);
        }
        save("alphas.csv", data)?;
    }

    body.push_str(
        "<h2>Trials</h2>\n<p class=\"note\">Click a column's header to sort by it.</p>\n",
    );
    let (header, rows) = trial_rows(&runs);
    let mut trials_csv = header.join(",");
    trials_csv.push('\n');
    for row in &rows {
        let fields: Vec<String> = row.iter().map(|f| csv_field(f)).collect();
        trials_csv.push_str(&fields.join(","));
        trials_csv.push('\n');
    }
    save("trials.csv", trials_csv)?;
    body.push_str(&html::table(&header, &rows, true));

    let title = format!(
        "nas report: {}",
        runs.iter()
            .map(|r| r.label.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    std::fs::write(html, html::page(&title, &body))
        .map_err(|e| format!("cannot write {}: {e}", html.display()))?;
    Ok(Written {
        html: html.to_path_buf(),
        csv,
    })
}

/// The α heat maps of `run`'s first seed, one per α row of each of its supernets.
fn alpha_maps(body: &mut String, run: &Run) {
    let Some(seed) = run.alphas.iter().map(|a| a.seed).min() else {
        return;
    };
    let mut supernets: BTreeMap<&str, Vec<&AlphaEpoch>> = BTreeMap::new();
    for a in run.alphas.iter().filter(|a| a.seed == seed) {
        supernets.entry(a.supernet.as_str()).or_default().push(a);
    }
    for (supernet, epochs) in supernets {
        let _ = writeln!(
            body,
            "<h3>{} · seed {seed} · {supernet}</h3>",
            html::escape(&run.label)
        );
        let rows = epochs.first().map_or(0, |e| e.rows.len());
        for r in 0..rows {
            let Some(first) = epochs[0].rows.get(r) else {
                continue;
            };
            let columns: Vec<(u64, Vec<f64>)> = epochs
                .iter()
                .filter_map(|e| Some((e.epoch, e.rows.get(r)?.p.clone())))
                .collect();
            chart(body, heatmap::alpha_map(&first.name, &first.ops, &columns));
        }
    }
}

/// The runs with labels made unique (a number appended to repeats).
fn distinct_labels(runs: &[Run]) -> Vec<Run> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    runs.iter()
        .map(|r| {
            let n = seen.entry(r.label.clone()).or_insert(0);
            *n += 1;
            let mut run = r.clone();
            if *n > 1 {
                run.label = format!("{} ({n})", r.label);
            }
            run
        })
        .collect()
}

/// The value every item has, if they agree.
fn common<'a>(mut items: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let first = items.next()?;
    items.all(|i| i == first).then_some(first)
}

/// A chart, or the reason there is none, into `body`.
fn chart(body: &mut String, svg: Result<String, String>) {
    match svg {
        Ok(svg) => {
            let _ = writeln!(body, "<div class=\"chart\">{svg}</div>");
        }
        Err(why) => {
            let _ = writeln!(body, "<p class=\"note\">{}</p>", html::escape(&why));
        }
    }
}

fn summary_table(runs: &[Run]) -> String {
    let rows: Vec<Vec<String>> = runs
        .iter()
        .map(|r| {
            let all: Vec<&Trial> = r.trials.values().flatten().collect();
            let failed = all.iter().filter(|t| !t.is_ok()).count();
            let bests: Vec<f64> = r
                .curves()
                .iter()
                .filter_map(|(_, p)| p.last().map(|l| l.2))
                .collect();
            vec![
                r.label.clone(),
                r.evaluator().to_string(),
                format!(
                    "{} {}",
                    if r.maximize() { "maximize" } else { "minimize" },
                    r.metric()
                ),
                r.trials.len().to_string(),
                all.len().to_string(),
                failed.to_string(),
                mean_std(&bests),
            ]
        })
        .collect();
    html::table(
        &[
            "run",
            "evaluator",
            "objective",
            "seeds",
            "trials",
            "failed",
            "best (mean ± std over seeds)",
        ],
        &rows,
        false,
    )
}

fn mean_std(values: &[f64]) -> String {
    match values {
        [] => "-".to_string(),
        [one] => format!("{one:.4}"),
        _ => {
            let n = values.len() as f64;
            let mean = values.iter().sum::<f64>() / n;
            let std = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
            format!("{mean:.4} ± {std:.4}")
        }
    }
}

fn bands_csv(x_name: &str, bands: &[(String, Band)]) -> String {
    let mut out = format!("run,{x_name},mean,std,seeds\n");
    for (label, b) in bands {
        for i in 0..b.x.len() {
            let _ = writeln!(
                out,
                "{},{},{},{},{}",
                csv_field(label),
                b.x[i],
                b.mean[i],
                b.std[i],
                b.seeds[i]
            );
        }
    }
    out
}

fn trial_rows(runs: &[Run]) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let header = vec![
        "run",
        "seed",
        "trial",
        "finished",
        "status",
        "reward",
        "report",
        "fidelity",
        "cost",
        "clock",
        "worker",
        "architecture",
        "error",
    ];
    let number = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v}"));
    let rows = runs
        .iter()
        .flat_map(|r| r.trials.values().flatten().map(move |t| (r, t)))
        .map(|(r, t)| {
            vec![
                r.label.clone(),
                t.seed.to_string(),
                t.id.to_string(),
                t.done.to_string(),
                if t.is_ok() { "ok" } else { "failed" }.to_string(),
                number(t.reward),
                number(t.report),
                number(t.fidelity),
                format!("{:.3}", t.cost),
                format!("{:.3}", t.clock),
                t.worker.to_string(),
                t.arch.clone(),
                t.error.clone().unwrap_or_default(),
            ]
        })
        .collect();
    (header, rows)
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}
