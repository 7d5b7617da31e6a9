//! The runner: runs a strategy once per seed against an evaluator, with budgets, workers, the
//! trial store and resume, and reports each run's best trial.

use super::arch_metrics::Objectives;
use super::budget::Budget;
use super::evaluator::Evaluator;
use super::host::{self, Checkpoints, Ctx, CtxState, Limits, RngHandle, SpaceHandle, Trace};
use super::load_eval::SearchData;
use super::rng::SearchRng;
use super::session::{Session, Stop};
use super::store::{checkpoint_dir, jsonl, Loaded, Stopwatch, Store};
use super::strategy::{self, Ending, Strategy};
use super::trial::Trial;
use crate::space::Space;
use crate::syntax::{Diagnostic, SourceMap};
use crate::train::checkpoint::Snapshot;
use rhai::{Dynamic, Map};
use std::cell::{Cell, RefCell};
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

pub use nas_lang::experiment::param::Param;

/// `param` as a Rhai value.
fn to_dynamic(param: &Param) -> Dynamic {
    match param {
        Param::Int(i) => Dynamic::from_int(*i),
        Param::Float(f) => Dynamic::from_float(*f),
        Param::Bool(b) => Dynamic::from_bool(*b),
        Param::Str(s) => s.clone().into(),
        Param::List(xs) => Dynamic::from_array(xs.iter().map(to_dynamic).collect()),
    }
}

/// Everything one experiment run needs.
#[derive(Clone)]
pub struct RunConfig {
    /// The space searched.
    pub space: Arc<Space>,
    /// The evaluator.
    pub evaluator: Arc<dyn Evaluator>,
    /// The strategy script.
    pub strategy: Strategy,
    /// The parameters the experiment gives, in the order written (checked against the
    /// script's declaration by `nas check`); the runner adds the declared defaults of the
    /// others.
    pub params: Vec<(String, Param)>,
    /// The limits of each run.
    pub budget: Budget,
    /// Whether the (first) objective is maximised.
    pub maximize: bool,
    /// The objectives after the first, measured for every finished trial (`None`: a
    /// single-objective run).
    pub objectives: Option<Arc<Objectives>>,
    /// Parallel workers per run.
    pub workers: usize,
    /// The sandbox's limits.
    pub limits: Limits,
    /// The experiment's `data` entry, which one-shot searches (`ctx.supernet`) train on.
    pub data: Option<SearchData>,
}

/// How one seed's run went.
#[derive(Debug, Clone)]
pub struct SeedResult {
    /// The seed.
    pub seed: u64,
    /// Every finished trial, in finishing order.
    pub trials: Vec<Trial>,
    /// The chosen trial (best reward at the highest fidelity), if any succeeded.
    pub best: Option<Trial>,
    /// Why the run ended.
    pub ending: String,
    /// Whether this run was already complete in the store (nothing ran).
    pub from_store: bool,
}

/// What the runner reports as it goes.
pub trait Observer {
    /// A trial finished (live, not replayed).
    fn trial(&mut self, trial: &Trial, best_so_far: Option<f64>);
    /// The script printed a line.
    fn print(&mut self, line: &str);
    /// A seed's run ended.
    fn seed_done(&mut self, result: &SeedResult);
}

/// A run that stopped with an error: the diagnostics and the sources they point into.
#[derive(Debug)]
pub struct RunError {
    /// What went wrong.
    pub diagnostics: Vec<Diagnostic>,
    /// The strategy's source, for rendering.
    pub sources: SourceMap,
}

/// The best trial of `trials` (same rule as `ctx.best()`).
pub fn best_of(trials: &[Trial], maximize: bool) -> Option<&Trial> {
    let sign = if maximize { 1.0 } else { -1.0 };
    let level = |t: &Trial| t.fidelity.unwrap_or(f64::INFINITY);
    let top = trials
        .iter()
        .filter(|t| t.is_ok())
        .map(level)
        .fold(f64::NEG_INFINITY, f64::max);
    trials
        .iter()
        .filter(|t| t.is_ok() && level(t) == top)
        .max_by(|a, b| {
            let (x, y) = (
                a.reward.unwrap_or(f64::NAN) * sign,
                b.reward.unwrap_or(f64::NAN) * sign,
            );
            x.total_cmp(&y).then(b.id.cmp(&a.id))
        })
}

/// Whether a run that had chosen `current` chooses `trial` instead (see [`best_of`]).
fn supersedes(current: Option<&Trial>, trial: &Trial, maximize: bool) -> bool {
    match current {
        None => trial.is_ok(),
        Some(c) => best_of(&[c.clone(), trial.clone()], maximize).is_some_and(|b| b.id == trial.id),
    }
}

/// Runs `config` once per seed in `seeds`, appending to `store` (if any) and replaying what
/// `loaded` holds; seeds whose run the store shows as ended are not run again. Returns each
/// seed's result.
pub fn run(
    config: &RunConfig,
    seeds: &[u64],
    store: Option<Box<dyn Store>>,
    mut loaded: Loaded,
    observer: Rc<RefCell<dyn Observer>>,
) -> Result<Vec<SeedResult>, RunError> {
    let (sources, file) = strategy::source_map(&config.strategy);
    let fail = |d: Diagnostic| RunError {
        diagnostics: vec![d],
        sources: sources.clone(),
    };
    let compiler = host::engine(
        &config.limits,
        Rc::new(Cell::new(Duration::ZERO)),
        Rc::new(|_: &str| {}),
        &Trace::default(),
    );
    let ast = strategy::compile(&compiler, &config.strategy, file).map_err(|d| fail(*d))?;
    let store = store.map(|s| Rc::new(RefCell::new(s)));
    let declared =
        super::strategy_params::declarations(&config.strategy.source, file).map_err(fail)?;
    let params: Map = declared
        .iter()
        .map(|d| (d.name.as_str(), &d.default))
        .chain(config.params.iter().map(|(k, v)| (k.as_str(), v)))
        .map(|(k, v)| (k.into(), to_dynamic(v)))
        .collect();
    let mut results = Vec::new();
    // One engine serves every seed (building one registers the whole host API, which cost
    // about a millisecond per seed); its clocks and counters are reset before each run.
    let host_time = Rc::new(Cell::new(Duration::ZERO));
    let trace = Trace::default();
    let print_observer = Rc::clone(&observer);
    let say: Rc<dyn Fn(&str)> = Rc::new(move |s: &str| print_observer.borrow_mut().print(s));
    let engine = host::engine(
        &config.limits,
        Rc::clone(&host_time),
        Rc::clone(&say),
        &trace,
    );
    for &seed in seeds {
        let stored = loaded.trials.remove(&seed).unwrap_or_default();
        if let Some(reason) = loaded.ended.remove(&seed) {
            let best = best_of(&stored, config.maximize).cloned();
            let result = SeedResult {
                seed,
                trials: stored,
                best,
                ending: reason,
                from_store: true,
            };
            observer.borrow_mut().seed_done(&result);
            results.push(result);
            continue;
        }
        let mut chosen = best_of(&stored, config.maximize).cloned();
        let mut session = Session::new(
            seed,
            Arc::clone(&config.evaluator),
            config.budget,
            (config.workers, config.maximize),
            config.objectives.clone(),
            stored,
        );
        if let Some(s) = &store {
            let queue = s
                .borrow_mut()
                .queue(seed)
                .map_err(|e| fail(store_diagnostic(e, &sources)))?;
            if let Some(q) = queue {
                session = session.with_queue(q);
            }
        }
        let sink_store = store.clone();
        let sink_observer = Rc::clone(&observer);
        let best = Rc::new(Cell::new(None::<f64>));
        let sign = session.sign();
        let maximize = config.maximize;
        session.set_sink(Box::new(move |t: &Trial, weights: Option<&Snapshot>| {
            // The weights of the trial the run would choose now are kept beside the store:
            // written before its line, the seed's earlier ones removed after it.
            let chooses = t.is_ok() && supersedes(chosen.as_ref(), t, maximize);
            let keep = weights.filter(|_| chooses);
            if let Some(s) = &sink_store {
                let mut s = s.borrow_mut();
                let file = s.file().map(Path::to_path_buf);
                let keep = keep.zip(file.as_deref());
                if let Some((w, file)) = keep {
                    jsonl::keep_weights(file, t, w)?;
                }
                s.append_trial(t)?;
                if let Some((_, file)) = keep {
                    jsonl::prune_weights(file, t)?;
                }
            }
            if chooses {
                chosen = Some(t.clone());
            }
            if let Some(r) = t.reward.filter(|_| t.is_ok()) {
                if best.get().is_none_or(|b| r * sign > b * sign) {
                    best.set(Some(r));
                }
            }
            sink_observer.borrow_mut().trial(t, best.get());
            Ok(())
        }));
        host_time.set(Duration::ZERO);
        trace.reset();
        let checkpoints = store.as_ref().and_then(|s| {
            let file = s.borrow().file()?.to_path_buf();
            let (dir, alphas) = (checkpoint_dir(&file), super::alpha_log::file(&file));
            Some(Checkpoints::new(dir, alphas, seed, Rc::clone(&say)))
        });
        let ctx = new_ctx(
            config,
            seed,
            session,
            &params,
            Rc::clone(&host_time),
            checkpoints,
        );
        let watch = Stopwatch::start();
        let ending = strategy::run(&engine, &ast, ctx.clone());
        let drained = ctx.0.session.borrow_mut().drain();
        let reason = match (&ending, &drained) {
            (_, Err(Stop::Io(e))) | (Ending::Stopped(Stop::Io(e)), _) => {
                return Err(fail(store_diagnostic(e.clone(), &sources)));
            }
            (Ending::Stopped(Stop::Diverged(m)), _) => {
                return Err(fail(store_diagnostic(m.clone(), &sources)))
            }
            (Ending::Failed(e), _) => {
                let at = if strategy::is_unplaced(e) {
                    let history = ctx.0.session.borrow().history().to_vec();
                    locate(config, &ast, seed, history, &params, trace.operations.get())
                } else {
                    None
                };
                let source = &config.strategy.source;
                return Err(fail(strategy::runtime_diagnostic(e, file, source, at)));
            }
            (Ending::Returned, _) => "the strategy returned".to_string(),
            (Ending::Stopped(stop), _) => stop.to_string(),
        };
        if let Some(s) = &store {
            s.borrow_mut()
                .append_end(seed, &reason, Some(watch.took()))
                .map_err(|e| fail(store_diagnostic(e, &sources)))?;
            let file = s.borrow().file().map(Path::to_path_buf);
            if let Some(dir) = file.map(|f| checkpoint_dir(&f)) {
                Checkpoints::clear(&dir, seed).map_err(|e| {
                    let message =
                        format!("cannot remove the checkpoints in {}: {e}", dir.display());
                    fail(store_diagnostic(message, &sources))
                })?;
            }
        }
        let trials = ctx.0.session.borrow().history().to_vec();
        let best = best_of(&trials, config.maximize).cloned();
        let result = SeedResult {
            seed,
            trials,
            best,
            ending: reason,
            from_store: false,
        };
        observer.borrow_mut().seed_done(&result);
        results.push(result);
    }
    if let Some(s) = &store {
        s.borrow_mut()
            .finish()
            .map_err(|e| fail(store_diagnostic(e, &sources)))?;
    }
    Ok(results)
}

fn new_ctx(
    config: &RunConfig,
    seed: u64,
    session: Session,
    params: &Map,
    host_time: Rc<Cell<Duration>>,
    checkpoints: Option<Checkpoints>,
) -> Ctx {
    let rng = RngHandle(Rc::new(RefCell::new(SearchRng::new(seed))));
    Ctx(Rc::new(CtxState {
        session: RefCell::new(session),
        space: SpaceHandle {
            space: Arc::clone(&config.space),
            rng,
        },
        archs: RefCell::new(Vec::new()),
        params: params.clone(),
        workers: config.workers.max(1),
        stop: RefCell::new(None),
        host_time,
        checkpoints,
        data: config.data.clone(),
    }))
}

/// Finds where a run stopped by a limit was, when Rhai gave no position: runs the seed again
/// (replaying its finished trials, so nothing is evaluated), stepping through the script up
/// to the same operation count, and returns the position of the last step.
fn locate(
    config: &RunConfig,
    ast: &rhai::AST,
    seed: u64,
    history: Vec<Trial>,
    params: &Map,
    operations: u64,
) -> Option<rhai::Position> {
    let session = Session::new(
        seed,
        Arc::clone(&config.evaluator),
        config.budget,
        (config.workers, config.maximize),
        config.objectives.clone(),
        history,
    );
    let ctx = new_ctx(
        config,
        seed,
        session,
        params,
        Rc::new(Cell::new(Duration::ZERO)),
        None,
    );
    let limits = Limits {
        max_operations: operations.saturating_add(1),
        max_seconds: f64::MAX,
        ..config.limits
    };
    let trace = Trace::default();
    let engine = host::engine_tracking(&limits, Rc::new(|_: &str| {}), &trace);
    strategy::run(&engine, ast, ctx);
    let at = trace.position.get();
    (!at.is_none()).then_some(at)
}

/// A diagnostic about the run itself (the trial store, resume), not about a place in a file.
pub fn run_diagnostic(code: &'static str, message: String, hint: &str) -> Diagnostic {
    Diagnostic {
        severity: crate::syntax::Severity::Error,
        code,
        message,
        labels: Vec::new(),
        notes: Vec::new(),
        hint: Some(hint.to_string()),
    }
}

fn store_diagnostic(message: String, _sources: &SourceMap) -> Diagnostic {
    run_diagnostic(
        "trial-store",
        message,
        "start afresh with `--fresh`, or restore the strategy and experiment the store was written with",
    )
}
