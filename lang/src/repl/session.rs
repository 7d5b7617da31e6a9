//! The REPL's state and evaluation, without any terminal: [`Session::eval`] takes one complete
//! input and returns a [`Reply`] (text for stdout, text for stderr, success). Running an
//! experiment or training (child processes) and what needs libtorch (`:params`, `:rhai`,
//! answered by the engine) are what it hands to its [`Host`], which the front end implements.

use super::command::{self, Command, Problem};
use super::engine_request::{EngineReply, EngineRequest, SpaceAt};
use super::input::{kind, Kind};
use super::source::{Accepted, SessionSource};
use super::spaces::{Outcome, Saved, SpaceRef};
use crate::check::DefKind;
use crate::syntax::ast::ItemKind;
use rand_chacha::ChaCha8Rng;
use std::fmt::Write;
use std::sync::Arc;

/// The answer to one input.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Reply {
    /// What to print on stdout.
    pub out: String,
    /// What to print on stderr (diagnostics, errors, warnings).
    pub err: String,
    /// Whether the input succeeded.
    pub ok: bool,
    /// Whether the session should end.
    pub quit: bool,
}

impl Reply {
    fn ok(out: String) -> Reply {
        Reply {
            out,
            ok: true,
            ..Reply::default()
        }
    }

    fn fail(err: String) -> Reply {
        Reply {
            err,
            ..Reply::default()
        }
    }
}

impl From<EngineReply> for Reply {
    fn from(r: EngineReply) -> Reply {
        Reply {
            out: r.out,
            err: r.err,
            ok: r.ok,
            quit: false,
        }
    }
}

impl From<Problem> for Reply {
    fn from(p: Problem) -> Reply {
        Reply::fail(p.render())
    }
}

/// A `nas` command to run for the session: `nas run` of an experiment, or `nas train` of an
/// architecture, with the session's text as a file where the command names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRequest {
    /// The session's text (what `<repl>` holds, superseded items blanked).
    pub source: String,
    /// What to run.
    pub job: Job,
    /// Options passed on to the command.
    pub options: Vec<String>,
}

/// What a [`RunRequest`] runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Job {
    /// `nas run SESSION-FILE --experiment NAME`.
    Experiment(String),
    /// `nas train SPACE ARCH`: the space as `SESSION-FILE:NAME` when the session defines it,
    /// else by the name `nas train` knows it by (a stdlib space, `FILE.nas:NAME`).
    Train {
        /// The space's name.
        space: String,
        /// Whether the session defines the space.
        in_session: bool,
        /// The architecture's canonical text.
        arch: String,
    },
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunOutcome {
    /// It finished (its own output went to the terminal).
    Finished,
    /// It failed (it printed why).
    Failed,
    /// Ctrl-C stopped it.
    Interrupted,
    /// It could not be started.
    NotStarted(String),
}

/// What the session needs from its surroundings.
pub trait Host {
    /// Runs a command to its end, Ctrl-C, or failure.
    fn run(&mut self, request: &RunRequest) -> RunOutcome;
    /// Answers a request that needs the engine (libtorch); the error is why the engine could
    /// not be loaded, rendered with its hint.
    fn engine(&mut self, request: &EngineRequest) -> Result<EngineReply, String>;
}

/// Settings of a session.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Colour diagnostics.
    pub color: bool,
    /// Whether Ctrl-C was pressed since the input began (polled by Rhai snippets).
    pub interrupted: fn() -> bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            color: false,
            interrupted: || false,
        }
    }
}

/// One REPL session: its definitions, current space, architectures and Rhai variables.
pub struct Session {
    pub(super) options: Options,
    pub(super) source: SessionSource,
    /// The current space: its name and the generation of the program it was lowered from.
    pub(super) current: Option<SpaceRef>,
    /// Every architecture printed so far (`#1` is the first).
    pub(super) saved: Vec<Saved>,
    pub(super) rng: ChaCha8Rng,
    /// The seed the engine's Rhai state starts from at the next snippet, until it has
    /// started (a new session, or `:reset`).
    pub(super) rhai_restart: Option<u64>,
    /// A `:seed` the engine's Rhai generator has not seen yet.
    pub(super) rhai_reseed: Option<u64>,
}

impl Session {
    /// An empty session.
    pub fn new(options: Options) -> Session {
        Session {
            options,
            source: SessionSource::new(),
            current: None,
            saved: Vec::new(),
            rng: crate::space::rng(0),
            rhai_restart: Some(0),
            rhai_reseed: None,
        }
    }

    /// The checked program of the session's definitions.
    pub fn program(&self) -> &crate::check::Program {
        self.source.program()
    }

    /// The name of the current space, if one is chosen.
    pub fn current_space(&self) -> Option<&str> {
        self.current.as_ref().map(|c| c.name.as_str())
    }

    /// Evaluates one complete input: definitions, or a command.
    pub fn eval(&mut self, input: &str, host: &mut dyn Host) -> Reply {
        match kind(input) {
            Kind::Empty => Reply::ok(String::new()),
            Kind::Source => self.define(input),
            Kind::Command => match command::parse(input) {
                Ok(c) => self.command(c, host),
                Err(p) => p.into(),
            },
        }
    }

    fn define(&mut self, input: &str) -> Reply {
        match self.source.add(input, self.options.color) {
            Ok(accepted) => self.accepted(accepted),
            Err(rendered) => Reply::fail(rendered),
        }
    }

    /// Reports what was defined; a new space becomes the current one.
    fn accepted(&mut self, accepted: Accepted) -> Reply {
        let mut out = String::new();
        for d in &accepted.defined {
            let verb = if d.replaced { "redefined" } else { "defined" };
            let _ = write!(out, "{verb} {} {}", d.keyword, d.name);
            if d.keyword == "space" {
                match self.select(&d.name) {
                    Ok(line) => {
                        let _ = write!(out, "; {line}");
                    }
                    Err(reply) => {
                        let why = reply.err.lines().next().unwrap_or("").to_string();
                        let _ = write!(out, "; it cannot be used yet: {why}");
                    }
                }
            }
            out.push('\n');
        }
        Reply {
            out,
            err: accepted.warnings,
            ok: true,
            quit: false,
        }
    }

    fn command(&mut self, command: Command, host: &mut dyn Host) -> Reply {
        let result: Outcome = match command {
            Command::Help(None) => Ok(super::help::all()),
            Command::Help(Some(name)) => super::help::one(&name).ok_or_else(|| {
                Problem::new(
                    format!("there is no command `:{name}`"),
                    "`:help` lists every command",
                )
                .into()
            }),
            Command::Quit => {
                return Reply {
                    ok: true,
                    quit: true,
                    ..Reply::default()
                }
            }
            Command::Reset => {
                let options = self.options;
                *self = Session::new(options);
                Ok("the session is empty\n".to_string())
            }
            Command::Load(file) => {
                return match self.source.load(&file, self.options.color) {
                    Ok(accepted) => {
                        let mut reply = self.accepted(accepted);
                        if reply.out.is_empty() {
                            reply.out = format!("loaded {file}: it defines nothing new\n");
                        } else {
                            reply.out = format!("loaded {file}\n{}", reply.out);
                        }
                        reply
                    }
                    Err(rendered) => Reply::fail(rendered),
                };
            }
            Command::List => Ok(self.list()),
            Command::Use(name) => self.select(&name).map(|line| format!("{line}\n")),
            Command::Count { space, unique } => self.count(space.as_deref(), unique),
            Command::Sample { space, n, seed } => self.sample(space.as_deref(), n, seed),
            Command::Mutate(arch) => self.mutate(arch.as_deref()),
            Command::Show { arch, dot } => self.show(arch.as_deref(), dot),
            Command::Params(arch) => return self.params(arch.as_deref(), host),
            Command::Check(file) => return self.check(file.as_deref()),
            Command::Run {
                experiment,
                options,
            } => return self.run(experiment, options, host),
            Command::Train { arch, options } => return self.train(arch.as_deref(), options, host),
            Command::Rhai(code) => return self.rhai(&code, host),
            Command::Seed(seed) => {
                self.rng = crate::space::rng(seed);
                match &mut self.rhai_restart {
                    Some(restart) => *restart = seed,
                    None => self.rhai_reseed = Some(seed),
                }
                Ok(format!("the session's generator is seeded with {seed}\n"))
            }
        };
        match result {
            Ok(out) => Reply::ok(out),
            Err(reply) => reply,
        }
    }

    /// The definitions in scope, the session's own first.
    fn list(&self) -> String {
        let program = self.program();
        let mut out = String::new();
        for (m, module) in program.modules.iter().enumerate() {
            let mut names = Vec::new();
            for item in &module.ast.items {
                if matches!(item.kind, ItemKind::Import(_)) {
                    continue;
                }
                if let Some(name) = item.kind.name() {
                    let params: Vec<String> = item
                        .kind
                        .params()
                        .iter()
                        .map(|p| format!("{}: {}", p.name.name, p.ty.kind.name()))
                        .collect();
                    let params = if params.is_empty() {
                        String::new()
                    } else {
                        format!("({})", params.join(", "))
                    };
                    names.push(format!("  {} {}{params}", item.kind.keyword(), name.name));
                }
            }
            if names.is_empty() {
                continue;
            }
            let from = if m == 0 {
                "defined in this session".to_string()
            } else {
                format!("from {}", module.name)
            };
            let _ = writeln!(out, "{from}:");
            for n in names {
                let _ = writeln!(out, "{n}");
            }
        }
        if out.is_empty() {
            out.push_str("nothing is defined yet (`:help` shows how to start)\n");
        }
        match self.current_space() {
            Some(name) => {
                let _ = writeln!(out, "current space: {name}");
            }
            None => out.push_str("no current space\n"),
        }
        out
    }

    /// `:check`: every diagnostic of the session (or of a file), warnings included.
    fn check(&self, file: Option<&str>) -> Reply {
        let color = self.options.color;
        let owned;
        let (program, what) = match file {
            Some(path) => match crate::check::check_file(std::path::Path::new(path)) {
                Ok(p) => {
                    owned = p;
                    (&owned, path.to_string())
                }
                Err(e) => {
                    return Problem::new(format!("cannot read {path}: {e}"), "check the path")
                        .into()
                }
            },
            None => (self.program(), "the session".to_string()),
        };
        let errors = program.diagnostics.iter().filter(|d| d.is_error()).count();
        let warnings = program.diagnostics.len() - errors;
        let summary = format!(
            "checked {what}: {errors} error{}, {warnings} warning{}\n",
            if errors == 1 { "" } else { "s" },
            if warnings == 1 { "" } else { "s" }
        );
        Reply {
            out: summary,
            err: program.render_diagnostics(color),
            ok: errors == 0,
            quit: false,
        }
    }

    /// `:run`: checks that the experiment exists, then hands the run to the host.
    fn run(
        &mut self,
        experiment: Option<String>,
        options: Vec<String>,
        host: &mut dyn Host,
    ) -> Reply {
        let program = self.program();
        let own: Vec<String> = program
            .main()
            .ast
            .items
            .iter()
            .filter(|i| matches!(i.kind, ItemKind::Experiment(_)))
            .filter_map(|i| i.kind.name().map(|n| n.name.to_string()))
            .collect();
        let name = match experiment {
            Some(name) => {
                let found = program
                    .lookup(&name)
                    .and_then(|id| program.def_kind(id))
                    .is_some_and(|k| k == DefKind::Experiment);
                if !found {
                    let hint = match crate::syntax::suggest::did_you_mean(
                        &name,
                        own.iter().map(String::as_str),
                    ) {
                        Some(close) => format!("did you mean `{close}`?"),
                        None => "define one with `experiment NAME { ... }` or `:load` a file that has one".to_string(),
                    };
                    return Problem::new(
                        format!("there is no experiment `{name}` in the session"),
                        hint,
                    )
                    .into();
                }
                name
            }
            None => match own.as_slice() {
                [one] => one.clone(),
                [] => {
                    return Problem::new(
                        "the session defines no experiment",
                        "define one with `experiment NAME { ... }`, then `:run NAME`",
                    )
                    .into()
                }
                many => {
                    return Problem::new(
                        "the session defines several experiments",
                        format!("name one: `:run {}`", many.join("` or `:run ")),
                    )
                    .into()
                }
            },
        };
        let request = RunRequest {
            source: self.source.text(),
            job: Job::Experiment(name.clone()),
            options,
        };
        match host.run(&request) {
            RunOutcome::Finished => Reply::ok(String::new()),
            RunOutcome::Failed => Reply::fail(format!("the run of `{name}` failed\n")),
            RunOutcome::Interrupted => Reply::fail(format!(
                "the run of `{name}` was stopped by Ctrl-C; its finished trials are kept in its trial store\n  hint: continue it with `:run {name} --resume`, or start over with `:run {name} --fresh`\n"
            )),
            RunOutcome::NotStarted(why) => Reply::fail(format!("error: cannot start the run: {why}\n")),
        }
    }

    /// `:train`: finds the architecture and where its space is, then hands `nas train` to
    /// the host.
    fn train(&mut self, arch: Option<&str>, options: Vec<String>, host: &mut dyn Host) -> Reply {
        let (space, arch) = match self.arch(arch) {
            Ok(found) => found,
            Err(reply) => return reply,
        };
        let at = match self.space_at(&space) {
            Ok(at) => at,
            Err(reply) => return reply,
        };
        let name = at.name.clone();
        let request = RunRequest {
            source: self.source.text(),
            job: Job::Train {
                space: at.name,
                in_session: at.in_session,
                arch: space.encode(&arch),
            },
            options,
        };
        match host.run(&request) {
            RunOutcome::Finished => Reply::ok(String::new()),
            RunOutcome::Failed => {
                Reply::fail(format!("training the architecture of `{name}` failed\n"))
            }
            RunOutcome::Interrupted => Reply::fail("training was stopped by Ctrl-C\n".to_string()),
            RunOutcome::NotStarted(why) => {
                Reply::fail(format!("error: cannot start the training: {why}\n"))
            }
        }
    }

    /// Where `space` (of the current space or a printed architecture) is, for a command that
    /// hands it to the host: by the name the session knows it by.
    pub(super) fn space_at(&self, space: &Arc<crate::space::Space>) -> Result<SpaceAt, Reply> {
        match &self.current {
            Some(current) if Arc::ptr_eq(&current.space, space) => Ok(SpaceAt {
                name: current.name.clone(),
                in_session: current.from_session,
            }),
            _ if self.session_spaces().iter().any(|s| s == space.name()) => Ok(SpaceAt {
                name: space.name().to_string(),
                in_session: true,
            }),
            _ if crate::space::stdlib_spaces()
                .iter()
                .any(|s| s == space.name()) =>
            {
                Ok(SpaceAt {
                    name: space.name().to_string(),
                    in_session: false,
                })
            }
            _ => Err(Problem::new(
                format!(
                    "the space `{}` of this architecture is no longer at hand",
                    space.name()
                ),
                "choose its space with `:use`, then name the architecture again",
            )
            .into()),
        }
    }

    /// `:rhai`: the snippet runs in the engine, with the current space.
    fn rhai(&mut self, code: &str, host: &mut dyn Host) -> Reply {
        let space = match self.space(None) {
            Ok(s) => Some(s),
            Err(_) if self.current.is_none() => None,
            Err(reply) => return reply,
        };
        let space = match space.map(|s| self.space_at(&s)).transpose() {
            Ok(at) => at,
            Err(reply) => return reply,
        };
        let request = EngineRequest::Rhai {
            session: self.source.text(),
            space,
            code: code.to_string(),
            color: self.options.color,
            restart: self.rhai_restart,
            reseed: self.rhai_reseed,
        };
        match host.engine(&request) {
            Ok(reply) => {
                self.rhai_restart = None;
                self.rhai_reseed = None;
                reply.into()
            }
            Err(rendered) => Reply::fail(rendered),
        }
    }

    /// Saves `arch` of `space` as the next `#N` and returns its line.
    pub(super) fn save(
        &mut self,
        space: &Arc<crate::space::Space>,
        arch: crate::space::Architecture,
    ) -> String {
        let line = format!("#{} {}", self.saved.len() + 1, space.encode(&arch));
        self.saved.push(Saved {
            space: Arc::clone(space),
            arch,
        });
        line
    }
}

#[cfg(test)]
#[path = "session_tests.rs"]
mod tests;
