//! Shared pieces of the search tests: a NAS-Bench-201-shaped space built in Rust, a synthetic
//! table over it, and a runner harness that collects what the runner reports.
#![allow(dead_code)]

use nas::search::budget::Budget;
use nas::search::host::Limits;
use nas::search::runner::{self, Observer, Param, RunConfig, RunError, SeedResult};
use nas::search::store::{JsonlStore, Loaded};
use nas::search::strategy::{self, Strategy};
use nas::search::table::{CostModel, TableConfig, TableEvaluator};
use nas::search::trial::Trial;
use nas::space::*;
use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;

/// The NAS-Bench-201 op labels, in the benchmark's order.
pub const OPS: [&str; 5] = [
    "none",
    "skip_connect",
    "nor_conv_1x1",
    "nor_conv_3x3",
    "avg_pool_3x3",
];

/// A cell space: nodes 1..=`nodes`, each summing every earlier vertex through its own op
/// decision over `ops` (NAS-Bench-201 with 3 nodes and the 5 ops).
pub fn cell_space(ops: &[&str], nodes: usize) -> Space {
    let alts: Vec<Alt> = ops
        .iter()
        .map(|o| Alt::op(Op::new(*o, OpKind::Other)))
        .collect();
    let mut decisions = Vec::new();
    let mut graph_nodes = Vec::new();
    for j in 1..=nodes {
        let mut terms = Vec::new();
        for i in 0..j {
            terms.push(Term {
                source: Source::Vertex(i),
                op: Some(OpRef::Choice(decisions.len())),
            });
            decisions.push(Decision {
                name: format!("x{j}.e{i}"),
                domain: Domain::Categorical(alts.clone()),
                guard: None,
            });
        }
        graph_nodes.push(Node {
            name: format!("x{j}"),
            combine: Combine::Sum,
            terms,
            post: None,
            guard: None,
        });
    }
    let output = Node {
        name: "out".into(),
        combine: Combine::Sum,
        terms: vec![Term {
            source: Source::Vertex(nodes),
            op: None,
        }],
        post: None,
        guard: None,
    };
    let g = Graph {
        name: "cell".into(),
        inputs: vec!["x0".into()],
        nodes: graph_nodes,
        output,
        states: Vec::new(),
    };
    Space::new("cell", decisions, vec![], vec![g]).expect("valid space")
}

/// The NAS-Bench-201 space.
pub fn nb201() -> Space {
    cell_space(&OPS, 3)
}

/// A synthetic benchmark over every architecture of `space`: the reward grows with each
/// edge's op index (weighted by the edge), plus a deterministic pseudo-random wobble; the
/// report is the reward plus a fixed offset; cost is 1 + the number of `nor_conv_3x3` ops.
pub fn synthetic_csv(space: &Space) -> String {
    let mut out = String::from("arch,valid_12,valid_200,test,secs\n");
    for arch in space.enumerate(1_000_000).expect("small space") {
        let key = space.encode(&arch);
        let mut r = 0.0;
        let mut h: u64 = 1469598103934665603;
        for (d, v) in arch.values().iter().enumerate() {
            if let Value::Cat(i) = v {
                r += (*i as f64) * (1.0 + d as f64 * 0.3);
                h = (h ^ (*i as u64 + 7 * d as u64)).wrapping_mul(1099511628211);
            }
        }
        let wobble = (h % 1000) as f64 / 500.0;
        let valid = r + wobble;
        let low = valid * 0.5 + wobble;
        let secs = 1 + key.matches("nor_conv_3x3").count();
        out.push_str(&format!(
            "{key},{low:.4},{valid:.4},{:.4},{secs}\n",
            valid + 1.0
        ));
    }
    out
}

/// A table evaluator over [`synthetic_csv`] (reward `valid_200`, report `test`, cost `secs`).
pub fn synthetic_table(space: &Space) -> TableEvaluator {
    table_with_reward(space, "valid_200")
}

/// A table evaluator over [`synthetic_csv`] with reward column `reward` (which may hold the
/// `{fidelity}` slot).
pub fn table_with_reward(space: &Space, reward: &str) -> TableEvaluator {
    let config = TableConfig {
        key: "arch".into(),
        reward: reward.into(),
        report: Some("test".into()),
        cost: CostModel::Column("secs".into()),
    };
    TableEvaluator::from_csv(&synthetic_csv(space), &config).expect("synthetic table loads")
}

/// The project's stdlib folder.
pub fn stdlib() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("stdlib")
}

/// The stdlib strategy `name`.
pub fn stdlib_strategy(name: &str) -> Strategy {
    let lib = stdlib();
    strategy::load(name, &lib, Some(&lib)).expect("stdlib strategy exists")
}

/// A strategy from inline text.
pub fn inline_strategy(name: &str, source: &str) -> Strategy {
    Strategy {
        name: name.into(),
        path: PathBuf::from(format!("{name}.rhai")),
        source: source.into(),
    }
}

/// What a run reported.
#[derive(Debug, Default)]
pub struct Collected {
    /// Live trials in the order reported.
    pub trials: Vec<Trial>,
    /// Lines the script printed.
    pub printed: Vec<String>,
    /// Finished seeds.
    pub seeds: Vec<u64>,
}

impl Observer for Collected {
    fn trial(&mut self, trial: &Trial, _: Option<f64>) {
        self.trials.push(trial.clone());
    }
    fn print(&mut self, line: &str) {
        self.printed.push(line.to_string());
    }
    fn seed_done(&mut self, result: &SeedResult) {
        self.seeds.push(result.seed);
    }
}

/// A run configuration with `trials` evaluations on `space` and `evaluator`.
pub fn config(
    space: Space,
    evaluator: TableEvaluator,
    strategy: Strategy,
    trials: u64,
) -> RunConfig {
    RunConfig {
        space: Arc::new(space),
        evaluator: Arc::new(evaluator),
        strategy,
        params: Vec::new(),
        budget: Budget {
            trials: Some(trials),
            ..Budget::default()
        },
        maximize: true,
        objectives: None,
        workers: 1,
        limits: Limits::default(),
        data: None,
    }
}

/// Runs `config` for `seeds` without a store.
pub fn run(
    config: &RunConfig,
    seeds: &[u64],
) -> Result<(Vec<SeedResult>, Rc<RefCell<Collected>>), RunError> {
    run_with(config, seeds, None, Loaded::default())
}

/// Runs `config` for `seeds` with a store.
pub fn run_with(
    config: &RunConfig,
    seeds: &[u64],
    store: Option<JsonlStore>,
    loaded: Loaded,
) -> Result<(Vec<SeedResult>, Rc<RefCell<Collected>>), RunError> {
    let seen = Rc::new(RefCell::new(Collected::default()));
    let store = store.map(|s| Box::new(s) as Box<dyn nas::search::store::Store>);
    let results = runner::run(config, seeds, store, loaded, seen.clone())?;
    Ok((results, seen))
}

/// A parameter list from pairs.
pub fn params(pairs: &[(&str, Param)]) -> Vec<(String, Param)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

/// Writes `text` to `e.nas` in `dir` and runs `nas run e.nas` there: (success, stdout, stderr).
pub fn run_experiment(dir: &std::path::Path, text: &str) -> (bool, String, String) {
    std::fs::write(dir.join("e.nas"), text).expect("writes");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_nas"))
        .args(["run", "e.nas"])
        .current_dir(dir)
        .output()
        .expect("nas runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
