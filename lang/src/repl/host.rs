//! The REPL's host in the `nas` launcher: `:run` and `:train` as child processes
//! ([`super::child`]), and the engine (`libnas.so`, libtorch) loaded the first time an input
//! needs it. A session that only defines, counts, samples and shows never loads it; one that
//! cannot load it gets the launcher's error and hint for that input and goes on.

use super::engine_request::{EngineReply, EngineRequest};
use super::session::{Host, RunOutcome, RunRequest};
use crate::engine::Engine;

/// The launcher's host: the engine, once loaded.
#[derive(Default)]
pub struct LazyEngine {
    engine: Option<Engine>,
}

/// Polled by the engine while it answers: whether Ctrl-C was pressed.
extern "C" fn interrupted() -> i32 {
    i32::from(super::signal::interrupted())
}

impl Host for LazyEngine {
    fn run(&mut self, request: &RunRequest) -> RunOutcome {
        super::child::run(request)
    }

    fn engine(&mut self, request: &EngineRequest) -> Result<EngineReply, String> {
        if self.engine.is_none() {
            self.engine = Some(Engine::load().map_err(|e| e.render())?);
        }
        let engine = self.engine.as_ref().ok_or_else(String::new)?;
        engine.repl(request, interrupted).map_err(|e| e.render())
    }
}
