//! What the REPL asks of the engine (libtorch), and its answers: plain data that crosses into
//! `libnas.so` as JSON, so the session itself never needs libtorch. The front end loads the
//! engine the first time an input needs it ([`crate::engine`]); a session that only defines,
//! counts, samples and shows never does.
//!
//! A request carries the session's text and where its space is, not the lowered space: the
//! engine lowers it again with [`SpaceAt::lower`], the same way the session did.

use crate::check::{check_with_loader, FsLoader};
use crate::space::{load_space, lower_space, Space};
use serde::{Deserialize, Serialize};

use super::source::SESSION_NAME;

/// Where a request's space is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SpaceAt {
    /// Its name: a space of the session, a stdlib space, or `FILE.nas:NAME`.
    pub name: String,
    /// Whether the session defines it (it is lowered from the session's text).
    pub in_session: bool,
}

impl SpaceAt {
    /// Lowers the space: from `session` (the session's text, checked as `<repl>` in the
    /// working folder, as the session checks it) when the session defines it, else by name.
    pub fn lower(&self, session: &str) -> Result<Space, String> {
        if !self.in_session {
            return load_space(&self.name);
        }
        let program = check_with_loader(SESSION_NAME, session, &mut FsLoader);
        if program.has_errors() {
            return Err(program.render_diagnostics(false));
        }
        lower_space(&program, &self.name).map_err(|d| d.render_with(&program.sources, false))
    }
}

/// A request to the engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum EngineRequest {
    /// `:params`: build an architecture's network on the CPU and count its parameters and
    /// multiply-accumulates.
    Params {
        /// The session's text.
        session: String,
        /// The architecture's space.
        space: SpaceAt,
        /// The architecture's canonical text.
        arch: String,
    },
    /// `:rhai`: run a snippet in the strategies' sandbox, whose variables persist in the
    /// engine between snippets until the current space changes.
    Rhai {
        /// The session's text.
        session: String,
        /// The current space, if there is one.
        space: Option<SpaceAt>,
        /// The snippet.
        code: String,
        /// Colour the diagnostics.
        color: bool,
        /// Forget every variable first and seed the snippets' generator with this (a new or
        /// `:reset` session).
        restart: Option<u64>,
        /// Reseed the generator first (`:seed` since the last snippet).
        reseed: Option<u64>,
    },
}

/// The engine's answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineReply {
    /// What to print on stdout.
    pub out: String,
    /// What to print on stderr.
    pub err: String,
    /// Whether the request succeeded.
    pub ok: bool,
}
