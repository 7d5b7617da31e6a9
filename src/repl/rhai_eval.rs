//! `:rhai CODE`: a Rhai snippet run in the strategies' sandbox, with `space` (the current
//! space, as strategies see `ctx.space`) and `rng` (the session's generator) in scope.
//! Variables and functions persist between snippets until the current space changes; errors
//! render as diagnostics pointing into the snippet. Ctrl-C stops a running snippet.

use crate::search::host::{
    self, ArchHandle, Limits, RngHandle, SpaceHandle, Trace, TIME_LIMIT_TOKEN,
};
use crate::search::rng::SearchRng;
use crate::space::Space;
use crate::syntax::SourceMap;
use rhai::{Dynamic, EvalAltResult, Scope, AST};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The name diagnostics give a snippet.
pub const SNIPPET_NAME: &str = "<rhai>";
/// Most seconds one snippet may run.
pub const SNIPPET_SECONDS: f64 = 60.0;
/// The token with which Ctrl-C stops a snippet.
const INTERRUPT_TOKEN: &str = "nas: interrupted";

/// Rhai variables and functions kept between snippets.
pub struct RhaiState {
    scope: Scope<'static>,
    functions: AST,
    rng: RngHandle,
    space: Option<Arc<Space>>,
}

impl RhaiState {
    /// An empty state whose generator is seeded with `seed`.
    pub fn new(seed: u64) -> RhaiState {
        RhaiState {
            scope: Scope::new(),
            functions: AST::empty(),
            rng: RngHandle(Rc::new(RefCell::new(SearchRng::new(seed)))),
            space: None,
        }
    }

    /// Reseeds the generator.
    pub fn reseed(&mut self, seed: u64) {
        *self.rng.0.borrow_mut() = SearchRng::new(seed);
    }

    /// Runs `code`. Returns what it printed and its value; on failure, what it printed and the
    /// rendered diagnostic.
    pub fn eval(
        &mut self,
        code: &str,
        space: Option<Arc<Space>>,
        interrupted: impl Fn() -> bool + 'static,
        color: bool,
    ) -> Result<String, (String, String)> {
        self.enter(space);
        let printed = Rc::new(RefCell::new(String::new()));
        let sink = Rc::clone(&printed);
        let mut engine = host::engine(
            &Limits::default(),
            Rc::new(Cell::new(Duration::ZERO)),
            Rc::new(move |s: &str| {
                let mut out = sink.borrow_mut();
                out.push_str(s);
                out.push('\n');
            }),
            &Trace::default(),
        );
        let started = Instant::now();
        engine.on_progress(move |ops| {
            if ops % 1024 != 0 {
                None
            } else if interrupted() {
                Some(Dynamic::from(INTERRUPT_TOKEN.to_string()))
            } else if started.elapsed().as_secs_f64() > SNIPPET_SECONDS {
                Some(Dynamic::from(TIME_LIMIT_TOKEN.to_string()))
            } else {
                None
            }
        });
        let result = engine
            .compile_with_scope(&self.scope, code)
            .map_err(Box::<EvalAltResult>::from)
            .and_then(|ast| {
                let whole = self.functions.merge(&ast);
                let value = engine.eval_ast_with_scope::<Dynamic>(&mut self.scope, &whole)?;
                self.functions = self.functions.merge(&ast.clone_functions_only());
                Ok(value)
            });
        let out = printed.borrow().clone();
        match result {
            Ok(value) => {
                let mut out = out;
                if !value.is_unit() {
                    out.push_str(&show(&value));
                    out.push('\n');
                }
                Ok(out)
            }
            Err(e) => Err((out, render_error(&e, code, color))),
        }
    }

    /// Puts `space` and `rng` in scope; a different space clears the variables.
    fn enter(&mut self, space: Option<Arc<Space>>) {
        let Some(space) = space else {
            self.scope.set_or_push("rng", self.rng.clone());
            return;
        };
        let same = self.space.as_ref().is_some_and(|s| Arc::ptr_eq(s, &space));
        if !same {
            self.scope.clear();
            self.space = Some(Arc::clone(&space));
        }
        self.scope.set_or_push(
            "space",
            SpaceHandle {
                space,
                rng: self.rng.clone(),
            },
        );
        self.scope.set_or_push("rng", self.rng.clone());
    }
}

/// A value as the REPL prints it: architectures by their canonical string.
fn show(value: &Dynamic) -> String {
    if let Some(arch) = value.clone().try_cast::<ArchHandle>() {
        return arch.key().to_string();
    }
    if let Some(items) = value.clone().try_cast::<rhai::Array>() {
        let parts: Vec<String> = items.iter().map(show).collect();
        return format!("[{}]", parts.join(", "));
    }
    value.to_string()
}

/// The diagnostic of a failed snippet, rendered.
fn render_error(e: &EvalAltResult, code: &str, color: bool) -> String {
    let mut sources = SourceMap::new();
    let file = sources.add(SNIPPET_NAME, code);
    if let EvalAltResult::ErrorTerminated(token, _) = e {
        if token.to_string() == INTERRUPT_TOKEN {
            return "the snippet was stopped by Ctrl-C\n".to_string();
        }
    }
    let mut d = crate::search::strategy::runtime_diagnostic(e, file, code, None);
    if let Some(rest) = d.message.strip_prefix("the strategy") {
        d.message = format!("the snippet{rest}");
    }
    d.render_with(&sources, color)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Arc<Space> {
        let program = crate::check::check_source(
            "t.nas",
            "space t {\n input image(3, 8, 8)\n conv(8, 3 | 5) >> global_avg_pool >> linear(2)\n}",
        );
        assert!(
            !program.has_errors(),
            "{}",
            program.render_diagnostics(false)
        );
        Arc::new(crate::space::lower_space(&program, "t").expect("lower"))
    }

    #[test]
    fn snippets_see_the_space_and_keep_variables() {
        let mut state = RhaiState::new(0);
        let space = tiny();
        let out = state
            .eval("space.count()", Some(Arc::clone(&space)), || false, false)
            .expect("count");
        assert_eq!(out, "2\n");
        state
            .eval(
                "let a = space.sample(); fn twice(x) { x * 2 }",
                Some(Arc::clone(&space)),
                || false,
                false,
            )
            .expect("let");
        let out = state
            .eval(
                "print(twice(21)); a.key",
                Some(Arc::clone(&space)),
                || false,
                false,
            )
            .expect("a persists");
        assert!(out.starts_with("42\n"), "{out}");
        assert!(
            out.lines().nth(1).is_some_and(|key| key.contains('=')),
            "{out}"
        );
    }

    #[test]
    fn errors_point_into_the_snippet() {
        let mut state = RhaiState::new(0);
        let (_, rendered) = state
            .eval("let x = 1;\nspace.nope()", Some(tiny()), || false, false)
            .expect_err("no such function");
        assert!(rendered.contains("<rhai>:2:"), "{rendered}");
        let (_, rendered) = state
            .eval("let = ;", Some(tiny()), || false, false)
            .expect_err("syntax");
        assert!(rendered.contains("<rhai>"), "{rendered}");
    }

    #[test]
    fn an_interrupt_stops_a_loop() {
        let mut state = RhaiState::new(0);
        let (_, rendered) = state
            .eval("loop { }", None, || true, false)
            .expect_err("interrupted");
        assert!(rendered.contains("Ctrl-C"), "{rendered}");
    }
}
