//! `nas proxies` end to end on the real NAS-Bench-201 table and Fashion-MNIST, kept tiny.

use crate::cli_common::nas;

const TABLE: &str = "data/nb201/nb201.csv";

#[test]
fn ranks_a_few_sampled_cells_against_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("scores.jsonl");
    let (ok, stdout, stderr) = nas(&[
        "proxies",
        "nb201",
        "--table",
        TABLE,
        "--column",
        "cifar10_test_200",
        "--n",
        "5",
        "--proxy",
        "params",
        "--proxy",
        "synflow",
        "--proxy",
        "naswot",
        "--batch",
        "8",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(ok, "{stdout}{stderr}");
    assert!(stdout.starts_with("5 architectures of nb201"), "{stdout}");
    for proxy in ["params", "synflow", "naswot"] {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(proxy))
            .unwrap_or_else(|| panic!("no {proxy} line:\n{stdout}"));
        let rho: f64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        assert!((-1.0..=1.0).contains(&rho), "{line}");
    }
    let lines = std::fs::read_to_string(&out).unwrap();
    assert_eq!(lines.lines().count(), 5);
    let first: serde_json::Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    assert!(first["params"].as_f64().unwrap() > 0.0, "{first}");
    assert!(first["arch"].as_str().unwrap().starts_with('|'), "{first}");
}

#[test]
fn unknown_proxies_and_columns_are_clear_errors() {
    let (ok, _, stderr) = nas(&[
        "proxies",
        "nb201",
        "--table",
        TABLE,
        "--column",
        "cifar10_test_200",
        "--proxy",
        "zen",
    ]);
    assert!(!ok);
    assert!(
        stderr.contains("unknown proxy `zen`") && stderr.contains("naswot"),
        "{stderr}"
    );
    let (ok, _, stderr) = nas(&["proxies", "nb201", "--table", TABLE, "--column", "accuracy"]);
    assert!(!ok);
    assert!(stderr.contains("no column `accuracy`"), "{stderr}");
}

#[test]
fn an_interrupted_run_resumes_from_its_scores_file_with_the_same_ranking() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("scores.jsonl");
    let out = out.to_str().unwrap();
    let args = |resume: bool| {
        let mut a = vec![
            "proxies",
            "nb201",
            "--table",
            TABLE,
            "--column",
            "cifar10_test_200",
            "--n",
            "6",
            "--proxy",
            "params",
            "--proxy",
            "naswot",
            "--batch",
            "8",
            "--out",
            out,
        ];
        if resume {
            a.push("--resume");
        }
        a
    };
    let (ok, whole, stderr) = nas(&args(false));
    assert!(ok, "{whole}{stderr}");
    let (ok, _, stderr) = nas(&args(false));
    assert!(!ok && stderr.contains("--resume"), "{stderr}");

    // A run killed while writing its fourth line.
    let text = std::fs::read_to_string(out).unwrap();
    let mut cut: String = text.lines().take(3).map(|l| format!("{l}\n")).collect();
    cut.push_str(&text.lines().nth(3).unwrap()[..20]);
    std::fs::write(out, cut).unwrap();

    let (ok, resumed, stderr) = nas(&args(true));
    assert!(ok, "{resumed}{stderr}");
    assert!(resumed.contains("(3 read back"), "{resumed}");
    let ranks = |s: &str| -> Vec<String> {
        s.lines()
            .filter(|l| l.starts_with("params") || l.starts_with("naswot"))
            .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
            .collect()
    };
    assert_eq!(ranks(&resumed), ranks(&whole));
    assert_eq!(std::fs::read_to_string(out).unwrap().lines().count(), 6);
}
