//! `ctx`, the strategy's view of its run: evaluation (`evaluate`, `submit`/`next_result`),
//! history and best, budget, parameters, and the `Trial` type.

use super::super::session::Stop;
use super::doc::Api;
use super::space_api::script_error;
use super::types::{ArchHandle, Ctx, RngHandle, SpaceHandle, TrialHandle};
use super::RhaiResult;
use rhai::{Array, Dynamic, Engine, FLOAT, INT};
use std::time::Instant;

/// Registers `Ctx` and `Trial`.
pub fn register(engine: &mut Engine) {
    // The generator and space types first: `ctx.rng` and `ctx.space` are listed under their
    // names, and error messages name them even if a script only reaches them through `ctx`.
    Api(engine).ty::<RngHandle>().ty::<SpaceHandle>();
    Api(engine)
        .ty::<TrialHandle>()
        .get("id", "the trial's number in its run, in order of submission from 0", |t: &mut TrialHandle| t.trial.id as INT)
        .get("arch", "the architecture evaluated", |t: &mut TrialHandle| t.arch.clone())
        .get("reward", "the reward, to maximise (negated when the objective minimises; -inf when the trial failed)", |t: &mut TrialHandle| t.reward)
        .get("ok", "whether the evaluation finished without an error", |t: &mut TrialHandle| t.trial.is_ok())
        .get("error", "why the evaluation failed (empty when it did not)", |t: &mut TrialHandle| {
            t.trial.error.clone().unwrap_or_default()
        })
        .get("cost", "seconds the evaluation cost (simulated for tables)", |t: &mut TrialHandle| t.trial.cost)
        .get("clock", "the run's clock when the trial finished, in seconds", |t: &mut TrialHandle| t.trial.clock)
        .get("report", "the reported metric (e.g. test accuracy), or () when there is none", |t: &mut TrialHandle| {
            t.trial.report.map_or(Dynamic::UNIT, Dynamic::from_float)
        })
        .get("objectives", "every objective's value, each to maximise (negated where minimised): the reward first, then the objectives after it in the experiment's order; -inf when the trial failed", |t: &mut TrialHandle| -> Array {
            t.objectives.iter().map(|&v| Dynamic::from_float(v)).collect()
        })
        .get("metrics", "the objectives after the first (`params`, `flops`, `latency`, `latency_lut`) by name, in their own sign; empty in a single-objective run", |t: &mut TrialHandle| -> rhai::Map {
            t.trial.metrics.iter().map(|(k, &v)| (k.into(), Dynamic::from_float(v))).collect()
        })
        .get("fidelity", "the fidelity asked for, or () for full fidelity", |t: &mut TrialHandle| {
            t.trial.fidelity.map_or(Dynamic::UNIT, Dynamic::from_float)
        })
        .get("continued_from", "the id of the trial whose training this one continued, or () when it trained from scratch", |t: &mut TrialHandle| {
            t.trial.continued_from.map_or(Dynamic::UNIT, |id| Dynamic::from_int(id as INT))
        })
        .fun("to_string", ["trial"], "`Trial #id ARCH reward R` (or why it failed)", |t: &mut TrialHandle| trial_text(t))
        .fun("to_debug", ["trial"], "the same as `to_string`", |t: &mut TrialHandle| trial_text(t));

    Api(engine)
        .ty::<Ctx>()
        .get("space", "the space being searched", |c: &mut Ctx| c.0.space.clone())
        .get("rng", "the run's seeded generator (the space's random operations draw from it too)", |c: &mut Ctx| c.0.space.rng.clone())
        .get("params", "every parameter the script declares, as a map: the experiment's value or the default", |c: &mut Ctx| c.0.params.clone())
        .get("seed", "the run's seed", |c: &mut Ctx| c.0.session.borrow().seed() as INT)
        .get("workers", "the number of parallel workers", |c: &mut Ctx| c.0.workers as INT)
        .get("clock", "seconds since the run began (simulated for tables)", |c: &mut Ctx| c.0.session.borrow().clock())
        .fun("param", ["ctx", "name"], "the parameter `name`: the experiment's value, else the default the script's `// Parameters:` header declares", param)
        .fun(
            "param",
            ["ctx", "name", "default"],
            "refused: a default belongs in the script's `// Parameters:` header, and `ctx.param(name)` reads it",
            |_: &mut Ctx, name: &str, _: Dynamic| -> RhaiResult<Dynamic> {
                Err(script_error(format!(
                "`ctx.param` takes the parameter's name only: declare `{name}` with its type and \
                 default in the script's `// Parameters:` header, and read it with \
                 `ctx.param(\"{name}\")`"
            )))
            },
        )
        .fun("evaluate", ["ctx", "arch"], "evaluates `arch` and waits for its trial (results of others that finish first wait for `next_result`)", |c: &mut Ctx, a: ArchHandle| {
            evaluate(c, a, None)
        })
        .fun("evaluate", ["ctx", "arch", "fidelity"], "evaluates `arch` at a fidelity (one of `fidelities()`) and waits for its trial", |c: &mut Ctx, a: ArchHandle, f: FLOAT| {
            evaluate(c, a, Some(f))
        })
        .fun("evaluate", ["ctx", "arch", "fidelity"], "the same, with an integer fidelity", |c: &mut Ctx, a: ArchHandle, f: INT| {
            evaluate(c, a, Some(f as f64))
        })
        .fun("evaluate", ["ctx", "arch", "fidelity", "from"], "evaluates `arch` at a higher fidelity by continuing the training of `from`, an earlier finished trial of `arch`, rather than from scratch (the new trial trains to `fidelity` in all), and waits for it; when `ctx.continues()`", |c: &mut Ctx, a: ArchHandle, f: FLOAT, from: TrialHandle| {
            evaluate_from(c, a, Some(f), from)
        })
        .fun("evaluate", ["ctx", "arch", "fidelity", "from"], "the same, with an integer fidelity", |c: &mut Ctx, a: ArchHandle, f: INT, from: TrialHandle| {
            evaluate_from(c, a, Some(f as f64), from)
        })
        .fun("continues", ["ctx"], "whether the evaluator can continue an earlier trial's training at a higher fidelity (`evaluate(arch, fidelity, trial)`): the `train` evaluator of image classifiers", |c: &mut Ctx| {
            c.0.session.borrow().continues()
        })
        .fun("submit", ["ctx", "arch"], "submits `arch` for evaluation without waiting; returns its trial id", |c: &mut Ctx, a: ArchHandle| submit(c, a, None))
        .fun("submit", ["ctx", "arch", "fidelity"], "submits `arch` at a fidelity without waiting; returns its trial id", |c: &mut Ctx, a: ArchHandle, f: FLOAT| {
            submit(c, a, Some(f))
        })
        .fun("submit", ["ctx", "arch", "fidelity"], "the same, with an integer fidelity", |c: &mut Ctx, a: ArchHandle, f: INT| {
            submit(c, a, Some(f as f64))
        })
        .fun("submit", ["ctx", "arch", "fidelity", "from"], "submits `arch` at a higher fidelity continuing the training of `from` (as `evaluate(arch, fidelity, from)`) without waiting; returns its trial id", |c: &mut Ctx, a: ArchHandle, f: FLOAT, from: TrialHandle| {
            submit_from(c, a, Some(f), from)
        })
        .fun("submit", ["ctx", "arch", "fidelity", "from"], "the same, with an integer fidelity", |c: &mut Ctx, a: ArchHandle, f: INT, from: TrialHandle| {
            submit_from(c, a, Some(f as f64), from)
        })
        .fun("next_result", ["ctx"], "the next finished trial, in finishing order (waits for a running one)", next_result)
        .fun("pending", ["ctx"], "trials submitted whose results the script has not taken yet", |c: &mut Ctx| {
            c.0.session.borrow().pending() as INT
        })
        .fun("history", ["ctx"], "every finished trial, in finishing order", history)
        .fun("best", ["ctx"], "the best finished trial (at the highest fidelity used), or () before any", best)
        .fun("budget_left", ["ctx"], "trials the run may still submit (1 while time is left when only time bounds it; 0 when spent)", budget_left)
        .fun("exhausted", ["ctx"], "whether the budget is spent", |c: &mut Ctx| {
            c.0.session.borrow().check_budget().is_err()
        })
        .fun("fidelities", ["ctx"], "the fidelities the evaluator supports (e.g. epochs)", |c: &mut Ctx| -> Array {
            c.0.session
                .borrow()
                .fidelities()
                .into_iter()
                .map(Dynamic::from_float)
                .collect()
        });
}

fn trial_text(t: &TrialHandle) -> String {
    match (&t.trial.error, t.trial.reward) {
        (Some(e), _) => format!("Trial #{} {} failed: {e}", t.trial.id, t.arch.key()),
        (None, Some(r)) => format!("Trial #{} {} reward {r}", t.trial.id, t.arch.key()),
        (None, None) => format!("Trial #{} {}", t.trial.id, t.arch.key()),
    }
}

/// `ctx.param(name)`: the parameter `name` as the experiment gives it, else the default the
/// script's `// Parameters:` header declares (`nas check` checked names and types against
/// that header; see [`crate::search::strategy_params`]).
fn param(c: &mut Ctx, name: &str) -> RhaiResult<Dynamic> {
    c.0.params.get(name).cloned().ok_or_else(|| {
        script_error(format!(
            "the strategy reads the parameter `{name}`, which its `// Parameters:` header \
             does not declare (declare it as `//   {name}: int = 10   what it does`)"
        ))
    })
}

/// Runs `f` on the session, counting its time as host time; a stop ends the script.
fn with_session<T>(
    c: &Ctx,
    f: impl FnOnce(&mut super::super::session::Session) -> Result<T, Stop>,
) -> RhaiResult<T> {
    let t0 = Instant::now();
    let result = f(&mut c.0.session.borrow_mut());
    c.0.host_time.set(c.0.host_time.get() + t0.elapsed());
    result.map_err(|stop| c.stop(stop))
}

fn evaluate(c: &mut Ctx, a: ArchHandle, fidelity: Option<f64>) -> RhaiResult<TrialHandle> {
    evaluate_continuing(c, a, fidelity, None)
}

/// `ctx.evaluate(arch, fidelity, from)`: a refused continuation is the script's error.
fn evaluate_from(
    c: &mut Ctx,
    a: ArchHandle,
    fidelity: Option<f64>,
    from: TrialHandle,
) -> RhaiResult<TrialHandle> {
    c.0.session
        .borrow()
        .continuation(a.key(), fidelity, from.trial.id)
        .map_err(script_error)?;
    evaluate_continuing(c, a, fidelity, Some(from.trial.id))
}

fn evaluate_continuing(
    c: &mut Ctx,
    a: ArchHandle,
    fidelity: Option<f64>,
    from: Option<u64>,
) -> RhaiResult<TrialHandle> {
    c.0.archs.borrow_mut().push(a.clone());
    let trial = with_session(c, |s| s.evaluate(a.arch(), a.key(), fidelity, from));
    let trial = trial.inspect_err(|_| {
        c.0.archs.borrow_mut().pop();
    })?;
    c.handle(trial)
        .ok_or_else(|| script_error("internal: a trial without a submitted architecture"))
}

fn submit(c: &mut Ctx, a: ArchHandle, fidelity: Option<f64>) -> RhaiResult<INT> {
    submit_continuing(c, a, fidelity, None)
}

/// `ctx.submit(arch, fidelity, from)`: a refused continuation is the script's error.
fn submit_from(
    c: &mut Ctx,
    a: ArchHandle,
    fidelity: Option<f64>,
    from: TrialHandle,
) -> RhaiResult<INT> {
    c.0.session
        .borrow()
        .continuation(a.key(), fidelity, from.trial.id)
        .map_err(script_error)?;
    submit_continuing(c, a, fidelity, Some(from.trial.id))
}

fn submit_continuing(
    c: &mut Ctx,
    a: ArchHandle,
    fidelity: Option<f64>,
    from: Option<u64>,
) -> RhaiResult<INT> {
    c.0.archs.borrow_mut().push(a.clone());
    let id =
        with_session(c, |s| s.submit(a.arch(), a.key(), fidelity, from)).inspect_err(|_| {
            c.0.archs.borrow_mut().pop();
        })?;
    Ok(id as INT)
}

fn next_result(c: &mut Ctx) -> RhaiResult<TrialHandle> {
    let trial = with_session(c, |s| s.next_result())?;
    c.handle(trial)
        .ok_or_else(|| script_error("internal: a trial without a submitted architecture"))
}

fn history(c: &mut Ctx) -> Array {
    let trials: Vec<_> = c.0.session.borrow().history().to_vec();
    trials
        .into_iter()
        .filter_map(|t| c.handle(t))
        .map(Dynamic::from)
        .collect()
}

fn best(c: &mut Ctx) -> Dynamic {
    let trial = c.0.session.borrow().best().cloned();
    trial
        .and_then(|t| c.handle(t))
        .map_or(Dynamic::UNIT, Dynamic::from)
}

/// Trials the run may still submit; when only time limits bound it, 1 while time is left.
fn budget_left(c: &mut Ctx) -> INT {
    let s = c.0.session.borrow();
    if s.check_budget().is_err() {
        return 0;
    }
    match s.budget().trials {
        Some(t) => t.saturating_sub(s.submitted()).min(INT::MAX as u64) as INT,
        None => 1,
    }
}
