//! The space commands of a session: choosing the current space (`:use`), `:count`, `:sample`,
//! `:mutate`, `:show` and `:params` (measured by the engine), and naming architectures (`#N`,
//! canonical text, JSON).

use super::command::Problem;
use super::engine_request::EngineRequest;
use super::session::{Host, Reply, Session};
use crate::check::DefKind;
use crate::space::{load_space, lower_space, stdlib_spaces, Architecture, Equivalence, Space};
use std::fmt::Write;
use std::sync::Arc;

/// Most architectures `:count unique` hashes before giving up.
pub const UNIQUE_LIMIT: u128 = 10_000_000;
/// Most architectures one `:sample` prints.
pub const SAMPLE_LIMIT: usize = 10_000;

/// The current space: its name, where it came from, and the IR.
#[derive(Clone)]
pub struct SpaceRef {
    /// The name it was chosen by.
    pub name: String,
    /// Defined in the session (re-lowered when the session changes), else from a file.
    pub from_session: bool,
    /// The session's generation it was lowered at.
    pub generation: u64,
    /// The IR.
    pub space: Arc<Space>,
}

/// An architecture the session printed, with the space it belongs to.
pub struct Saved {
    /// Its space (kept even if the session's space is redefined later).
    pub space: Arc<Space>,
    /// The architecture.
    pub arch: Architecture,
}

/// A command's result: its output, or the reply that reports its failure.
pub type Outcome = Result<String, Reply>;

impl Session {
    /// Finds the space `name`: a session space, `FILE.nas:NAME`, or a stdlib space.
    fn resolve(&self, name: &str) -> Result<SpaceRef, Reply> {
        let program = self.program();
        let generation = self.source.generation();
        if let Some(id) = program.lookup(name) {
            return match program.def_kind(id) {
                Some(DefKind::Space) => match lower_space(program, name) {
                    Ok(space) => Ok(SpaceRef {
                        name: name.to_string(),
                        from_session: true,
                        generation,
                        space: Arc::new(space),
                    }),
                    Err(d) => Err(Reply {
                        err: d.render_with(&program.sources, self.options.color),
                        ..Reply::default()
                    }),
                },
                Some(kind) => Err(Problem::new(
                    format!(
                        "`{name}` is {} {}, not a space",
                        article(kind.word()),
                        kind.word()
                    ),
                    "name a `space` (`:list` shows what is defined)",
                )
                .into()),
                None => {
                    Err(Problem::new(format!("`{name}` is not a space"), "name a `space`").into())
                }
            };
        }
        let stdlib = stdlib_spaces();
        if name.contains(".nas:") || stdlib.iter().any(|s| s == name) {
            return load_space(name)
                .map(|space| SpaceRef {
                    name: name.to_string(),
                    from_session: false,
                    generation,
                    space: Arc::new(space),
                })
                .map_err(|rendered| Reply {
                    err: rendered,
                    ..Reply::default()
                });
        }
        let own = self.session_spaces();
        let candidates = own
            .iter()
            .map(String::as_str)
            .chain(stdlib.iter().map(String::as_str));
        let hint = match crate::syntax::suggest::did_you_mean(name, candidates) {
            Some(close) => format!("did you mean `{close}`?"),
            None => format!(
                "define it with `space {name} {{ ... }}`, or use a stdlib space ({})",
                stdlib.join(", ")
            ),
        };
        Err(Problem::new(format!("there is no space `{name}`"), hint).into())
    }

    /// The names of the spaces defined in (or loaded into) the session.
    pub fn session_spaces(&self) -> Vec<String> {
        let program = self.program();
        program
            .modules
            .iter()
            .flat_map(|m| m.ast.items.iter())
            .filter(|i| matches!(i.kind, crate::syntax::ast::ItemKind::Space(_)))
            .filter_map(|i| i.kind.name().map(|n| n.name.to_string()))
            .filter(|n| {
                program
                    .lookup(n)
                    .and_then(|id| program.def_kind(id))
                    .is_some_and(|k| k == DefKind::Space)
            })
            .collect()
    }

    /// Makes `name` the current space; returns a line describing it.
    pub(super) fn select(&mut self, name: &str) -> Result<String, Reply> {
        let chosen = self.resolve(name)?;
        let count = chosen.space.count().map_or_else(
            |e| format!("not countable: {e}"),
            |n| format!("{n} architectures"),
        );
        let line = format!("current space: {name} ({count})");
        self.current = Some(chosen);
        Ok(line)
    }

    /// The space named `name` (which becomes current), or the current one, re-lowered if the
    /// session changed since.
    pub(super) fn space(&mut self, name: Option<&str>) -> Result<Arc<Space>, Reply> {
        if let Some(name) = name {
            self.select(name)?;
        }
        let Some(current) = &self.current else {
            return Err(Problem::new(
                "there is no current space",
                "define a `space`, or choose one with `:use nb201`",
            )
            .into());
        };
        if current.from_session && current.generation != self.source.generation() {
            let name = current.name.clone();
            self.current = Some(self.resolve(&name)?);
        }
        self.current
            .as_ref()
            .map(|c| Arc::clone(&c.space))
            .ok_or_else(|| {
                Problem::new("there is no current space", "choose one with `:use`").into()
            })
    }

    /// The architecture `text` names: `#N`, JSON, or a canonical string of the current space;
    /// nothing means the last one printed.
    pub(super) fn arch(&mut self, text: Option<&str>) -> Result<(Arc<Space>, Architecture), Reply> {
        let Some(text) = text.map(str::trim) else {
            return match self.saved.last() {
                Some(s) => Ok((Arc::clone(&s.space), s.arch.clone())),
                None => Err(Problem::new(
                    "there is no architecture yet",
                    "`:sample` one, or name one as `#N` or by its canonical string",
                )
                .into()),
            };
        };
        if let Some(number) = text.strip_prefix('#') {
            let index: usize = number.parse().map_err(|_| {
                Reply::from(Problem::new(
                    format!("`{text}` is not an architecture number"),
                    "write `#1`, `#2`, ...",
                ))
            })?;
            return match index.checked_sub(1).and_then(|i| self.saved.get(i)) {
                Some(s) => Ok((Arc::clone(&s.space), s.arch.clone())),
                None => Err(Problem::new(
                    format!("there is no architecture {text}"),
                    format!("the session has printed #1 to #{}", self.saved.len()),
                )
                .into()),
            };
        }
        let space = self.space(None)?;
        let decoded = if text.starts_with('{') {
            match serde_json::from_str(text) {
                Ok(json) => space.from_json(&json),
                Err(e) => {
                    return Err(Problem::new(
                        format!("the architecture is not valid JSON: {e}"),
                        "write `#N`, a canonical string (see `:sample`), or the JSON form",
                    )
                    .into())
                }
            }
        } else {
            space.decode(text)
        };
        decoded.map(|a| (space, a)).map_err(space_problem)
    }

    /// `:count`.
    pub(super) fn count(&mut self, name: Option<&str>, unique: bool) -> Outcome {
        let space = self.space(name)?;
        if unique {
            let n = space
                .count_unique(Equivalence::Function, UNIQUE_LIMIT)
                .map_err(space_problem)?;
            Ok(format!("{n} unique architectures (different functions)\n"))
        } else {
            let n = space.count().map_err(space_problem)?;
            Ok(format!("{n} architectures\n"))
        }
    }

    /// `:sample`.
    pub(super) fn sample(&mut self, name: Option<&str>, n: usize, seed: Option<u64>) -> Outcome {
        if n > SAMPLE_LIMIT {
            return Err(Problem::new(
                format!("{n} is more architectures than one `:sample` prints"),
                format!("ask for at most {SAMPLE_LIMIT}, or use `nas sample` and a file"),
            )
            .into());
        }
        let space = self.space(name)?;
        let mut own = seed.map(crate::space::rng);
        let mut out = String::new();
        for _ in 0..n {
            let rng = own.as_mut().unwrap_or(&mut self.rng);
            let arch = space.sample(rng).map_err(space_problem)?;
            let line = self.save(&space, arch);
            let _ = writeln!(out, "{line}");
        }
        Ok(out)
    }

    /// `:mutate`.
    pub(super) fn mutate(&mut self, text: Option<&str>) -> Outcome {
        let (space, arch) = self.arch(text)?;
        let child = space.mutate(&arch, &mut self.rng).map_err(space_problem)?;
        Ok(format!("{}\n", self.save(&space, child)))
    }

    /// `:show`.
    pub(super) fn show(&mut self, text: Option<&str>, dot: bool) -> Outcome {
        let (space, arch) = self.arch(text)?;
        Ok(if dot {
            space.show_dot(&arch)
        } else {
            format!("{}\n{}", space.encode(&arch), space.show_text(&arch))
        })
    }

    /// `:params`: the engine builds the network and measures it.
    pub(super) fn params(&mut self, text: Option<&str>, host: &mut dyn Host) -> Reply {
        let found = self
            .arch(text)
            .and_then(|(space, arch)| Ok((self.space_at(&space)?, space.encode(&arch))));
        let (at, arch) = match found {
            Ok(found) => found,
            Err(reply) => return reply,
        };
        let request = EngineRequest::Params {
            session: self.source.text(),
            space: at,
            arch,
        };
        match host.engine(&request) {
            Ok(reply) => reply.into(),
            Err(rendered) => Reply {
                err: rendered,
                ..Reply::default()
            },
        }
    }
}

/// A space operation's error as a problem.
fn space_problem(e: crate::space::SpaceError) -> Reply {
    let hint = e.hint().unwrap_or("see `:help`").to_string();
    Problem::new(e.to_string(), hint).into()
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}
