//! The REPL's engine half: what a session ([`nas_lang::repl`], which has no libtorch) asks of
//! the engine, answered here. `:params` builds and measures a network ([`params`]); `:rhai`
//! runs a snippet against the strategy host API ([`rhai_eval`]), whose variables live here
//! between snippets. The launcher's REPL reaches [`answer`] through the C entry point
//! `nas_repl_call` (src/entry.rs) once it has loaded this library; `nas repl` run by the
//! engine itself (`NAS_ALWAYS_ENGINE`) calls it directly through [`InProcess`].

pub mod params;
pub mod rhai_eval;

use nas_lang::repl::{EngineReply, EngineRequest, Host, RunOutcome, RunRequest, SpaceAt};
use rhai_eval::RhaiState;
use std::cell::RefCell;
use std::sync::Arc;

use crate::space::Space;

/// What identifies a space for the Rhai variables: a session space by the session's text it
/// was lowered from (any new definition may change it), another by its name alone.
#[derive(PartialEq, Eq)]
enum SpaceKey {
    Session(String, String),
    Named(String),
}

impl SpaceKey {
    fn of(at: &SpaceAt, session: &str) -> SpaceKey {
        if at.in_session {
            SpaceKey::Session(session.to_string(), at.name.clone())
        } else {
            SpaceKey::Named(at.name.clone())
        }
    }
}

/// The Rhai state of the session this engine serves, and the space it last lowered.
struct EngineState {
    rhai: RhaiState,
    space: Option<(SpaceKey, Arc<Space>)>,
}

thread_local! {
    /// The REPL runs on one thread, and its Rhai values are not `Send`.
    static STATE: RefCell<EngineState> = RefCell::new(EngineState {
        rhai: RhaiState::new(0),
        space: None,
    });
}

/// Answers `request`; `interrupted` is polled while a snippet runs (Ctrl-C).
pub fn answer(request: &EngineRequest, interrupted: impl Fn() -> bool + 'static) -> EngineReply {
    match request {
        EngineRequest::Params {
            session,
            space,
            arch,
        } => measure(session, space, arch),
        EngineRequest::Rhai {
            session,
            space,
            code,
            color,
            restart,
            reseed,
        } => STATE.with_borrow_mut(|state| {
            if let Some(seed) = restart {
                *state = EngineState {
                    rhai: RhaiState::new(*seed),
                    space: None,
                };
            }
            if let Some(seed) = reseed {
                state.rhai.reseed(*seed);
            }
            let space = match space {
                None => None,
                Some(at) => match state.lowered(at, session) {
                    Ok(space) => Some(space),
                    Err(err) => return failed(err),
                },
            };
            match state.rhai.eval(code, space, interrupted, *color) {
                Ok(out) => EngineReply {
                    out,
                    err: String::new(),
                    ok: true,
                },
                Err((out, err)) => EngineReply {
                    out,
                    err,
                    ok: false,
                },
            }
        }),
    }
}

impl EngineState {
    /// The space `at` names, lowered again only when it is not the one lowered last (the
    /// same `Arc` keeps the snippets' variables).
    fn lowered(&mut self, at: &SpaceAt, session: &str) -> Result<Arc<Space>, String> {
        let key = SpaceKey::of(at, session);
        if let Some((last, space)) = &self.space {
            if *last == key {
                return Ok(Arc::clone(space));
            }
        }
        let space = Arc::new(at.lower(session)?);
        self.space = Some((key, Arc::clone(&space)));
        Ok(space)
    }
}

/// `:params` of `arch` of the space `at`.
fn measure(session: &str, at: &SpaceAt, arch: &str) -> EngineReply {
    let measured = at.lower(session).and_then(|space| {
        let arch = space.decode(arch).map_err(|e| e.to_string())?;
        params::params_and_flops(&space, &arch).map_err(|p| p.render())
    });
    match measured {
        Ok(out) => EngineReply {
            out,
            err: String::new(),
            ok: true,
        },
        Err(err) => failed(err),
    }
}

/// A failed reply with `err` (a rendered diagnostic or error).
fn failed(err: String) -> EngineReply {
    EngineReply {
        out: String::new(),
        err,
        ok: false,
    }
}

/// The REPL's host inside the engine (`nas repl` with `NAS_ALWAYS_ENGINE`, and tests): runs
/// `:run`/`:train` as child processes and answers engine requests in this process.
#[derive(Debug, Default)]
pub struct InProcess;

impl Host for InProcess {
    fn run(&mut self, request: &RunRequest) -> RunOutcome {
        nas_lang::repl::child::run(request)
    }

    fn engine(&mut self, request: &EngineRequest) -> Result<EngineReply, String> {
        Ok(answer(request, nas_lang::repl::signal::interrupted))
    }
}

#[cfg(test)]
mod tests;
