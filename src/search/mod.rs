//! Search: strategies written in Rhai drive evaluators through a host API; the runner gives
//! them budgets, workers and a crash-safe trial store.
//!
//! - [`host`]: the Rhai host API (`ctx`, the space, the generator, numeric helpers) and its
//!   sandboxed engine; [`strategy`] finds, compiles and runs scripts and renders their errors
//!   as [`crate::syntax::Diagnostic`]s.
//! - [`evaluator`]: the one interface of evaluators: [`table`] looks results up,
//!   [`train_eval`] trains each network (images or language models), [`proxy_eval`] scores
//!   it at initialisation;
//!   [`experiment`] and [`eval_spec`] read an experiment, [`prepare`] loads what it names.
//! - [`session`]: one run's state (budget, workers, history, replay); [`workers`] the
//!   simulated and threaded workers; [`budget`] the limits.
//! - [`store`]: the trial store (a JSON-lines file, or a PostgreSQL database shared with
//!   [`remote`] workers in other processes); [`trial`] its records.
//! - [`runner`]: runs an experiment once per seed and summarises it.
//! - [`numeric`], [`surrogate`], [`rng`]: the numeric cores scripts call.

pub mod alpha_log;
pub mod arch_metrics;
pub mod controller;
pub mod evaluator;
pub mod front;
pub mod held;
pub mod host;
pub mod load_eval;
mod load_lm;
pub mod numeric;
pub mod pareto;
pub mod prepare;
pub mod proxy_eval;
pub mod remote;
pub mod rng;
pub mod runner;
pub mod session;
pub mod store;
pub mod strategy;
pub mod summary;
pub mod surrogate;
pub mod table;
pub mod train_eval;
pub mod trial;
pub mod trial_guard;
pub mod workers;

pub use nas_lang::experiment::{self, budget, csv, eval_spec, strategy_params};
