//! The Rhai host API: the custom types and functions a strategy script sees, and the
//! sandboxed engine they are registered in. A script defines `fn search(ctx)`; everything it
//! can do goes through `ctx` (the space, evaluation, history, budget, parameters, the seeded
//! generator) and the numeric helpers. It has no file, process or module access (the host
//! itself writes one-shot checkpoints beside the trial store: [`checkpoints`]).

mod alpha_api;
mod checkpoints;
mod controller_api;
mod ctx_api;
mod doc;
mod math_api;
mod oneshot_api;
mod pareto_api;
mod predictor_api;
mod reference;
mod space_api;
mod tenas_api;
mod types;

pub use checkpoints::Checkpoints;
pub use controller_api::ControllerHandle;
pub use math_api::{GpHandle, TpeHandle};
pub use predictor_api::PredictorHandle;
pub use reference::reference;
pub use space_api::{choice_vector, decision_features, feature_vector, index_in, ENUMERATE_LIMIT};
pub use types::{ArchData, ArchHandle, Ctx, CtxState, RngHandle, SpaceHandle, TrialHandle};

use rhai::{Dynamic, Engine, EvalAltResult, Position};
use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// What host functions return to Rhai.
pub type RhaiResult<T> = Result<T, Box<EvalAltResult>>;

/// The token with which the time limit stops a script.
pub const TIME_LIMIT_TOKEN: &str = "nas: script time limit";

pub use nas_lang::experiment::script::Limits;

/// What the engine records as a script runs, to place errors that Rhai reports without a
/// position (limits hit inside a function).
#[derive(Debug, Clone, Default)]
pub struct Trace {
    /// Operations run so far.
    pub operations: Rc<Cell<u64>>,
    /// With [`engine_tracking`]: the position of the last step.
    pub position: Rc<Cell<Position>>,
    /// When the current run's script started (set at its first progress report).
    pub started: Rc<Cell<Option<Instant>>>,
}

impl Trace {
    /// Clears what a previous run recorded, so that the engine can run the next one.
    pub fn reset(&self) {
        self.operations.set(0);
        self.position.set(Position::NONE);
        self.started.set(None);
    }
}

/// A sandboxed engine with the whole host API registered. `host_time` is the time spent in
/// evaluations so far (kept up to date by `ctx`), which the time limit leaves out; `print`
/// receives the script's `print` and `debug` output; `trace.operations` counts operations.
pub fn engine(
    limits: &Limits,
    host_time: Rc<Cell<Duration>>,
    print: Rc<dyn Fn(&str)>,
    trace: &Trace,
) -> Engine {
    let mut engine = base_engine(limits, host_time, print, trace);
    register_api(&mut engine);
    engine
}

/// Like [`engine`], but steps through the script recording the position of every step in
/// `trace.position` (slow: only for locating an error by running the script again).
pub fn engine_tracking(limits: &Limits, print: Rc<dyn Fn(&str)>, trace: &Trace) -> Engine {
    let unlimited = Rc::new(Cell::new(Duration::ZERO));
    let mut engine = base_engine(limits, unlimited, print, trace);
    let position = Rc::clone(&trace.position);
    // Rhai marks its debugger API as volatile through `deprecated`; it is the only way to
    // learn where a script was when a limit stopped it inside a function.
    #[allow(deprecated)]
    engine.register_debugger(
        |_, debugger| debugger,
        move |_, event, _, _, pos| {
            if matches!(event, rhai::debugger::DebuggerEvent::Step) && !pos.is_none() {
                position.set(pos);
            }
            Ok(rhai::debugger::DebuggerCommand::StepInto)
        },
    );
    register_api(&mut engine);
    engine
}

fn register_api(engine: &mut Engine) {
    space_api::register(engine);
    ctx_api::register(engine);
    math_api::register(engine);
    pareto_api::register(engine);
    predictor_api::register(engine);
    controller_api::register(engine);
    oneshot_api::register(engine);
    alpha_api::register(engine);
    tenas_api::register(engine);
}

fn base_engine(
    limits: &Limits,
    host_time: Rc<Cell<Duration>>,
    print: Rc<dyn Fn(&str)>,
    trace: &Trace,
) -> Engine {
    let mut engine = nas_lang::experiment::script::sandbox(limits);
    let (operations, started) = (Rc::clone(&trace.operations), Rc::clone(&trace.started));
    let limit = Duration::try_from_secs_f64(limits.max_seconds.max(0.0)).unwrap_or(Duration::MAX);
    engine.on_progress(move |ops| {
        operations.set(ops);
        if ops % 1024 != 0 {
            return None;
        }
        let t0 = match started.get() {
            Some(t) => t,
            None => {
                let now = Instant::now();
                started.set(Some(now));
                now
            }
        };
        let script_time = t0.elapsed().saturating_sub(host_time.get());
        (script_time > limit).then(|| Dynamic::from(TIME_LIMIT_TOKEN.to_string()))
    });
    let out = Rc::clone(&print);
    engine.on_print(move |s| out(s));
    engine.on_debug(move |s, _, pos| print(&format!("[{pos}] {s}")));
    engine
}
