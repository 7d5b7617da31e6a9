//! `ctx`, the strategy's view of its run: evaluation (`evaluate`, `submit`/`next_result`),
//! history and best, budget, parameters, and the `Trial` type.

use super::super::session::Stop;
use super::space_api::script_error;
use super::types::{ArchHandle, Ctx, RngHandle, SpaceHandle, TrialHandle};
use super::RhaiResult;
use rhai::{Array, Dynamic, Engine, FLOAT, INT};
use std::time::Instant;

/// Registers `Ctx` and `Trial`.
pub fn register(engine: &mut Engine) {
    engine
        .register_type_with_name::<TrialHandle>("Trial")
        .register_get("id", |t: &mut TrialHandle| t.trial.id as INT)
        .register_get("arch", |t: &mut TrialHandle| t.arch.clone())
        .register_get("reward", |t: &mut TrialHandle| t.reward)
        .register_get("ok", |t: &mut TrialHandle| t.trial.is_ok())
        .register_get("error", |t: &mut TrialHandle| {
            t.trial.error.clone().unwrap_or_default()
        })
        .register_get("cost", |t: &mut TrialHandle| t.trial.cost)
        .register_get("clock", |t: &mut TrialHandle| t.trial.clock)
        .register_get("report", |t: &mut TrialHandle| {
            t.trial.report.map_or(Dynamic::UNIT, Dynamic::from_float)
        })
        .register_get("fidelity", |t: &mut TrialHandle| {
            t.trial.fidelity.map_or(Dynamic::UNIT, Dynamic::from_float)
        })
        .register_fn("to_string", |t: &mut TrialHandle| trial_text(t))
        .register_fn("to_debug", |t: &mut TrialHandle| trial_text(t));

    engine
        .register_type_with_name::<Ctx>("Ctx")
        .register_get("space", |c: &mut Ctx| c.0.space.clone())
        .register_get("rng", |c: &mut Ctx| c.0.space.rng.clone())
        .register_get("params", |c: &mut Ctx| c.0.params.clone())
        .register_get("seed", |c: &mut Ctx| c.0.session.borrow().seed() as INT)
        .register_get("workers", |c: &mut Ctx| c.0.workers as INT)
        .register_get("clock", |c: &mut Ctx| c.0.session.borrow().clock())
        .register_fn("param", param)
        .register_fn(
            "param",
            |_: &mut Ctx, name: &str, _: Dynamic| -> RhaiResult<Dynamic> {
                Err(script_error(format!(
                "`ctx.param` takes the parameter's name only: declare `{name}` with its type and \
                 default in the script's `// Parameters:` header, and read it with \
                 `ctx.param(\"{name}\")`"
            )))
            },
        )
        .register_fn("evaluate", |c: &mut Ctx, a: ArchHandle| {
            evaluate(c, a, None)
        })
        .register_fn("evaluate", |c: &mut Ctx, a: ArchHandle, f: FLOAT| {
            evaluate(c, a, Some(f))
        })
        .register_fn("evaluate", |c: &mut Ctx, a: ArchHandle, f: INT| {
            evaluate(c, a, Some(f as f64))
        })
        .register_fn("submit", |c: &mut Ctx, a: ArchHandle| submit(c, a, None))
        .register_fn("submit", |c: &mut Ctx, a: ArchHandle, f: FLOAT| {
            submit(c, a, Some(f))
        })
        .register_fn("submit", |c: &mut Ctx, a: ArchHandle, f: INT| {
            submit(c, a, Some(f as f64))
        })
        .register_fn("next_result", next_result)
        .register_fn("pending", |c: &mut Ctx| {
            c.0.session.borrow().pending() as INT
        })
        .register_fn("history", history)
        .register_fn("best", best)
        .register_fn("budget_left", budget_left)
        .register_fn("exhausted", |c: &mut Ctx| {
            c.0.session.borrow().check_budget().is_err()
        })
        .register_fn("fidelities", |c: &mut Ctx| -> Array {
            c.0.session
                .borrow()
                .fidelities()
                .into_iter()
                .map(Dynamic::from_float)
                .collect()
        });

    // Keep the generator and space types nameable in error messages even if a script only
    // reaches them through `ctx`.
    engine.register_type_with_name::<RngHandle>("Rng");
    engine.register_type_with_name::<SpaceHandle>("Space");
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
    c.0.archs.borrow_mut().push(a.clone());
    let trial = with_session(c, |s| s.evaluate(a.arch(), a.key(), fidelity));
    let trial = trial.inspect_err(|_| {
        c.0.archs.borrow_mut().pop();
    })?;
    c.handle(trial)
        .ok_or_else(|| script_error("internal: a trial without a submitted architecture"))
}

fn submit(c: &mut Ctx, a: ArchHandle, fidelity: Option<f64>) -> RhaiResult<INT> {
    c.0.archs.borrow_mut().push(a.clone());
    let id = with_session(c, |s| s.submit(a.arch(), a.key(), fidelity)).inspect_err(|_| {
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
