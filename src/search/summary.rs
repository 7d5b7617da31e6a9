//! What a finished experiment prints: the best trials of a run as a table, totals, and for
//! many seeds the `mean ± std` of the reported metric of each run's chosen architecture; and
//! the CSV form of the trials.

use super::numeric::{mean, sample_std_dev};
use super::runner::SeedResult;
use super::trial::Trial;
use std::fmt::Write;

/// Totals over all runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Totals {
    /// Finished trials.
    pub trials: usize,
    /// Failed trials.
    pub failed: usize,
    /// Trials that ran now (not replayed from the store).
    pub live: usize,
}

/// Counts the trials of `results`; `live` is the number that ran in this invocation.
pub fn totals(results: &[SeedResult], live: usize) -> Totals {
    let trials = results.iter().map(|r| r.trials.len()).sum();
    let failed = results
        .iter()
        .flat_map(|r| &r.trials)
        .filter(|t| !t.is_ok())
        .count();
    Totals {
        trials,
        failed,
        live,
    }
}

fn num(x: Option<f64>) -> String {
    x.map_or("-".to_string(), |v| format!("{v:.4}"))
}

/// The `top` best trials of one run (best first by the objective), as an aligned table whose
/// reward and report columns are headed by the metrics' names.
pub fn best_table(
    trials: &[Trial],
    maximize: bool,
    top: usize,
    (reward, report): (&str, &str),
) -> String {
    let sign = if maximize { 1.0 } else { -1.0 };
    let mut ok: Vec<&Trial> = trials.iter().filter(|t| t.is_ok()).collect();
    ok.sort_by(|a, b| {
        let level = |t: &Trial| t.fidelity.unwrap_or(f64::INFINITY);
        level(b)
            .total_cmp(&level(a))
            .then((b.reward.unwrap_or(0.0) * sign).total_cmp(&(a.reward.unwrap_or(0.0) * sign)))
            .then(a.id.cmp(&b.id))
    });
    let rows: Vec<[String; 6]> = ok
        .iter()
        .take(top)
        .enumerate()
        .map(|(i, t)| {
            [
                (i + 1).to_string(),
                t.id.to_string(),
                num(t.reward),
                num(t.report),
                t.fidelity.map_or("full".to_string(), |f| f.to_string()),
                t.arch.clone(),
            ]
        })
        .collect();
    let head = ["rank", "trial", reward, report, "fidelity", "architecture"];
    let mut widths = head.map(str::len);
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let line = |cells: &[String]| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                s.push_str(c);
            } else {
                let _ = write!(s, "{c:>w$}  ", w = widths[i]);
            }
        }
        s.trim_end().to_string()
    };
    out.push_str(&line(&head.map(String::from)));
    out.push('\n');
    for r in &rows {
        out.push_str(&line(r));
        out.push('\n');
    }
    out
}

/// The reported metric of each run's chosen trial (runs without one are left out).
pub fn chosen_reports(results: &[SeedResult]) -> Vec<f64> {
    results
        .iter()
        .filter_map(|r| r.best.as_ref()?.report)
        .collect()
}

/// `mean ± std` (sample standard deviation) of `xs`, with 2 decimals.
pub fn mean_std(xs: &[f64]) -> String {
    format!("{:.2} ± {:.2}", mean(xs), sample_std_dev(xs))
}

/// The trials as CSV, one row each, with a header.
pub fn to_csv(results: &[SeedResult]) -> String {
    let mut out =
        String::from("seed,id,done,arch,fidelity,status,reward,report,cost,clock,worker,error\n");
    let quote = |s: &str| {
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let opt = |x: Option<f64>| x.map_or(String::new(), |v| v.to_string());
    for t in results.iter().flat_map(|r| &r.trials) {
        let status = if t.is_ok() { "ok" } else { "failed" };
        let _ = writeln!(
            out,
            "{},{},{},{},{},{status},{},{},{},{},{},{}",
            t.seed,
            t.id,
            t.done,
            quote(&t.arch),
            opt(t.fidelity),
            opt(t.reward),
            opt(t.report),
            t.cost,
            t.clock,
            t.worker,
            quote(t.error.as_deref().unwrap_or("")),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::trial::Status;
    use super::*;

    fn t(id: u64, reward: Option<f64>, fidelity: Option<f64>) -> Trial {
        Trial {
            seed: 0,
            id,
            done: id,
            arch: format!("|a~{id}|"),
            fidelity,
            continued_from: None,
            status: if reward.is_some() {
                Status::Ok
            } else {
                Status::Failed
            },
            reward,
            report: reward.map(|r| r + 1.0),
            cost: 1.0,
            clock: id as f64,
            worker: 0,
            error: reward
                .is_none()
                .then(|| "not in the table, \"x\"".to_string()),
            metrics: Default::default(),
        }
    }

    #[test]
    fn table_ranks_top_fidelity_first() {
        let trials = vec![
            t(0, Some(5.0), Some(12.0)),
            t(1, Some(3.0), None),
            t(2, Some(4.0), None),
            t(3, None, None),
        ];
        let table = best_table(&trials, true, 2, ("acc", "test"));
        let head: Vec<&str> = table
            .lines()
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .collect();
        assert_eq!(
            head,
            ["rank", "trial", "acc", "test", "fidelity", "architecture"]
        );
        let rows: Vec<&str> = table.lines().collect();
        assert_eq!(rows.len(), 3);
        assert!(
            rows[1].contains("|a~2|") && rows[2].contains("|a~1|"),
            "{table}"
        );
        let min = best_table(&trials, false, 1, ("loss", "report"));
        assert!(
            min.lines().nth(1).is_some_and(|l| l.contains("|a~1|")),
            "{min}"
        );
    }

    #[test]
    fn csv_quotes_errors_and_mean_std_formats() {
        let r = SeedResult {
            seed: 0,
            trials: vec![t(3, None, None)],
            best: None,
            ending: "x".into(),
            from_store: false,
        };
        let csv = to_csv(&[r]);
        assert!(
            csv.lines()
                .nth(1)
                .is_some_and(|l| l.ends_with("\"not in the table, \"\"x\"\"\"")),
            "{csv}"
        );
        assert_eq!(mean_std(&[1.0, 2.0, 3.0]), "2.00 ± 1.00");
    }
}
