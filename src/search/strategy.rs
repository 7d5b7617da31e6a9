//! Running strategy scripts: their `fn search(ctx)` in the sandbox, and every Rhai runtime
//! error turned into the crate's one [`Diagnostic`] type. Finding and compiling a script is the
//! front end's (`nas_lang::experiment::script`, re-exported here).

use super::host::{Ctx, TIME_LIMIT_TOKEN};
use super::session::Stop;
use crate::syntax::{Diagnostic, FileId};
pub use nas_lang::experiment::script::{
    candidates, check_script, compile, load, shown, source_map, span_at, stdlib_names, Strategy,
};
use rhai::{Engine, EvalAltResult, Position, AST};

/// How a script run ended.
#[derive(Debug)]
pub enum Ending {
    /// `search` returned.
    Returned,
    /// The host stopped it: a budget was spent (normal), or something failed.
    Stopped(Stop),
    /// The script failed (an error, a limit); [`runtime_diagnostic`] explains it.
    Failed(Box<EvalAltResult>),
}

/// Runs the script's `search(ctx)`.
pub fn run(engine: &Engine, ast: &AST, ctx: Ctx) -> Ending {
    let mut scope = rhai::Scope::new();
    let result = engine.call_fn::<rhai::Dynamic>(&mut scope, ast, "search", (ctx.clone(),));
    let stop = ctx.0.stop.borrow_mut().take();
    match (result, stop) {
        (Ok(_), _) => Ending::Returned,
        (Err(_), Some(stop)) => Ending::Stopped(stop),
        (Err(e), None) => Ending::Failed(e),
    }
}

/// Whether Rhai reported `e` without a usable position (limits hit inside a function carry
/// none), so that the runner must locate it.
pub fn is_unplaced(e: &EvalAltResult) -> bool {
    innermost(e).position().is_none()
}

fn innermost(e: &EvalAltResult) -> &EvalAltResult {
    match e {
        EvalAltResult::ErrorInFunctionCall(_, _, inner, _) => innermost(inner),
        other => other,
    }
}

/// Converts a Rhai runtime error into a diagnostic at its innermost position (or at `at`,
/// where the runner located an error Rhai left without one), with the call sites that led
/// there as secondary labels.
pub fn runtime_diagnostic(
    e: &EvalAltResult,
    file: FileId,
    source: &str,
    at: Option<Position>,
) -> Diagnostic {
    let mut calls = Vec::new();
    let mut inner = e;
    while let EvalAltResult::ErrorInFunctionCall(name, _, err, pos) = inner {
        calls.push((name.clone(), *pos));
        inner = err;
    }
    let span = span_at(at.unwrap_or(inner.position()), file, source);
    let (code, message, hint) = match inner {
        EvalAltResult::ErrorTooManyOperations(_) => (
            "strategy-operation-limit",
            "the strategy ran past its operation limit".to_string(),
            "a loop that never ends? Strategies should loop while `ctx.budget_left() > 0`",
        ),
        EvalAltResult::ErrorTerminated(token, _) if token.to_string() == TIME_LIMIT_TOKEN => (
            "strategy-time-limit",
            "the strategy ran past its time limit".to_string(),
            "a loop that never ends? Time spent in evaluations does not count, only the script's own",
        ),
        EvalAltResult::ErrorDataTooLarge(what, _) => (
            "strategy-memory-limit",
            format!("the strategy built a value too large ({what})"),
            "a collection that grows without bound? Keep only what the search needs",
        ),
        EvalAltResult::ErrorStackOverflow(_) => (
            "strategy-stack-limit",
            "the strategy nested function calls too deeply".to_string(),
            "unbounded recursion? Use a loop",
        ),
        EvalAltResult::ErrorModuleNotFound(..) => (
            "strategy-sandbox",
            "strategies cannot import modules or files".to_string(),
            "everything a strategy needs comes through `ctx` and the numeric helpers",
        ),
        EvalAltResult::ErrorFunctionNotFound(sig, _) => (
            "strategy-runtime",
            format!("no function `{sig}` in the strategy API"),
            "`nas api` lists every function of the strategy API with its arguments",
        ),
        other => (
            "strategy-runtime",
            format!("the strategy failed: {}", message_of(other)),
            "fix the script at the marked place",
        ),
    };
    let mut d = Diagnostic::error(code, message, span, "here").with_hint(hint);
    for (name, pos) in calls {
        if !pos.is_none() {
            d = d.with_label(
                span_at(pos, file, source),
                format!("in the call to `{name}`"),
            );
        }
    }
    d
}

fn message_of(e: &EvalAltResult) -> String {
    let text = e.to_string();
    // Rhai appends " (line L, position P)"; the diagnostic shows the place itself.
    match text.rfind(" (line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}
