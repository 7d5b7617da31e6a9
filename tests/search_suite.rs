//! Searches: strategies, evaluators, experiments, the runner and its settings: one test binary over the files below, each its own module (one link
//! instead of one per file; `cargo test --release --test search_suite -- search_cli::` runs one file's).

mod cli_common;
mod data_common;
mod search_common;

#[path = "search_cli.rs"]
mod search_cli;
#[path = "search_continue.rs"]
mod search_continue;
#[path = "search_evaluators.rs"]
mod search_evaluators;
#[path = "search_experiment.rs"]
mod search_experiment;
#[path = "search_formula.rs"]
mod search_formula;
#[path = "search_latency.rs"]
mod search_latency;
#[path = "search_lm.rs"]
mod search_lm;
#[path = "search_mnas.rs"]
mod search_mnas;
#[path = "search_multi_objective.rs"]
mod search_multi_objective;
#[path = "search_predictors.rs"]
mod search_predictors;
#[path = "search_resume.rs"]
mod search_resume;
#[path = "search_runner.rs"]
mod search_runner;
#[path = "search_sandbox.rs"]
mod search_sandbox;
#[path = "search_settings.rs"]
mod search_settings;
#[path = "search_strategies.rs"]
mod search_strategies;
#[path = "strategy_api.rs"]
mod strategy_api;
