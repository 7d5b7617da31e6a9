//! The Rhai host API: the custom types and functions a strategy script sees, and the
//! sandboxed engine they are registered in. A script defines `fn search(ctx)`; everything it
//! can do goes through `ctx` (the space, evaluation, history, budget, parameters, the seeded
//! generator) and the numeric helpers. It has no file, process or module access.

mod ctx_api;
mod math_api;
mod space_api;
mod types;

pub use math_api::{GpHandle, TpeHandle};
pub use space_api::{choice_vector, feature_vector, index_in, ENUMERATE_LIMIT};
pub use types::{ArchData, ArchHandle, Ctx, CtxState, RngHandle, SpaceHandle, TrialHandle};

use rhai::{Dynamic, Engine, EvalAltResult};
use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// What host functions return to Rhai.
pub type RhaiResult<T> = Result<T, Box<EvalAltResult>>;

/// The token with which the time limit stops a script.
pub const TIME_LIMIT_TOKEN: &str = "nas: script time limit";

/// The sandbox's limits on one run of a script.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Most Rhai operations (a runaway loop stops here).
    pub max_operations: u64,
    /// Most seconds of script time (time spent waiting for evaluations does not count).
    pub max_seconds: f64,
    /// Most elements of one array, and entries of one map.
    pub max_collection: usize,
    /// Most bytes of one string.
    pub max_string: usize,
    /// Deepest function-call nesting.
    pub max_call_depth: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_operations: 2_000_000_000,
            max_seconds: 600.0,
            max_collection: 1_000_000,
            max_string: 10_000_000,
            max_call_depth: 128,
        }
    }
}

/// A sandboxed engine with the whole host API registered. `host_time` is the time spent in
/// evaluations so far (kept up to date by `ctx`), which the time limit leaves out; `print`
/// receives the script's `print` and `debug` output.
pub fn engine(limits: &Limits, host_time: Rc<Cell<Duration>>, print: Rc<dyn Fn(&str)>) -> Engine {
    let mut engine = Engine::new();
    engine.set_module_resolver(rhai::module_resolvers::DummyModuleResolver::new());
    engine.disable_symbol("eval");
    engine.set_max_operations(limits.max_operations);
    engine.set_max_array_size(limits.max_collection);
    engine.set_max_map_size(limits.max_collection);
    engine.set_max_string_size(limits.max_string);
    engine.set_max_call_levels(limits.max_call_depth);
    let started: Cell<Option<Instant>> = Cell::new(None);
    let limit = Duration::from_secs_f64(limits.max_seconds.max(0.0));
    engine.on_progress(move |ops| {
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
    space_api::register(&mut engine);
    ctx_api::register(&mut engine);
    math_api::register(&mut engine);
    engine
}
