//! Strategy scripts: finding one by name (a stdlib script named by its file stem, or a user's
//! own `.rhai` file), compiling it, running its `fn search(ctx)` in the sandbox, and turning
//! every Rhai error into the crate's one [`Diagnostic`] type.

use super::host::{Ctx, TIME_LIMIT_TOKEN};
use super::session::Stop;
use crate::syntax::{Diagnostic, FileId, SourceMap, Span};
use rhai::{Engine, EvalAltResult, ParseError, Position, AST};
use std::path::{Path, PathBuf};

/// A loaded strategy script.
#[derive(Debug, Clone, PartialEq)]
pub struct Strategy {
    /// Its name (the file stem).
    pub name: String,
    /// Where it was read from.
    pub path: PathBuf,
    /// Its text.
    pub source: String,
}

/// Where a strategy named `name` is looked for: `name` itself when it names a `.rhai` file,
/// then `<dir>/<name>.rhai` and `<dir>/strategies/<name>.rhai` beside the experiment, then
/// the stdlib's `strategies/<name>.rhai`.
pub fn candidates(name: &str, experiment_dir: &Path, stdlib: Option<&Path>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if name.ends_with(".rhai") {
        let p = Path::new(name);
        out.push(if p.is_absolute() {
            p.to_path_buf()
        } else {
            experiment_dir.join(p)
        });
        return out;
    }
    out.push(experiment_dir.join(format!("{name}.rhai")));
    out.push(
        experiment_dir
            .join("strategies")
            .join(format!("{name}.rhai")),
    );
    if let Some(lib) = stdlib {
        out.push(lib.join("strategies").join(format!("{name}.rhai")));
    }
    out
}

/// The names of the stdlib's strategies, sorted.
pub fn stdlib_names(stdlib: Option<&Path>) -> Vec<String> {
    let Some(dir) = stdlib.map(|d| d.join("strategies")) else {
        return Vec::new();
    };
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let p = e.path();
            (p.extension()? == "rhai").then(|| p.file_stem()?.to_str().map(str::to_string))?
        })
        .collect();
    names.sort();
    names
}

/// How diagnostics name the script at `path`: `stdlib/strategies/NAME.rhai` for the
/// stdlib's (as imports name stdlib files), else the path.
pub fn shown(path: &Path, stdlib: Option<&Path>) -> String {
    match stdlib.and_then(|lib| path.strip_prefix(lib).ok()) {
        Some(rest) => Path::new("stdlib").join(rest).display().to_string(),
        None => path.display().to_string(),
    }
}

/// Reads the first existing candidate for `name`; the error lists where it looked.
pub fn load(name: &str, experiment_dir: &Path, stdlib: Option<&Path>) -> Result<Strategy, String> {
    let places = candidates(name, experiment_dir, stdlib);
    for path in &places {
        if path.is_file() {
            let source = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or(name)
                .to_string();
            return Ok(Strategy {
                name: stem,
                path: path.clone(),
                source,
            });
        }
    }
    let looked: Vec<String> = places.iter().map(|p| shown(p, stdlib)).collect();
    Err(format!(
        "no strategy `{name}` (looked in {})",
        looked.join(", ")
    ))
}

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

/// Compiles `strategy` with `engine`; a syntax error or a missing `fn search(ctx)` is a
/// diagnostic in `file` (the script's id in the caller's source map).
pub fn compile(engine: &Engine, strategy: &Strategy, file: FileId) -> Result<AST, Box<Diagnostic>> {
    let ast = engine
        .compile(&strategy.source)
        .map_err(|e| Box::new(parse_diagnostic(&e, file, &strategy.source)))?;
    if !ast
        .iter_functions()
        .any(|f| f.name == "search" && f.params.len() == 1)
    {
        let span = Span::new(file, 0..strategy.source.len().min(1));
        return Err(Box::new(
            Diagnostic::error("strategy-no-search", format!("strategy `{}` defines no `fn search(ctx)`", strategy.name), span, "")
                .with_hint("a strategy script defines `fn search(ctx) { ... }`, which the runner calls once per run"),
        ));
    }
    Ok(ast)
}

/// Compiles `strategy` (the file `file` of a source map) as the runner will, without running
/// it: a syntax error or a missing `fn search(ctx)` is a diagnostic in the script.
pub fn check_script(strategy: &Strategy, file: FileId) -> Result<(), Box<Diagnostic>> {
    thread_local! {
        /// Scripts (by their text) this thread has compiled without a problem: a file with
        /// many experiments naming one strategy builds the engine and compiles it once.
        static COMPILED: std::cell::RefCell<std::collections::HashSet<String>> =
            std::cell::RefCell::default();
    }
    if COMPILED.with(|c| c.borrow().contains(&strategy.source)) {
        return Ok(());
    }
    let engine = super::host::engine(
        &super::host::Limits::default(),
        std::rc::Rc::new(std::cell::Cell::new(std::time::Duration::ZERO)),
        std::rc::Rc::new(|_: &str| {}),
        &super::host::Trace::default(),
    );
    compile(&engine, strategy, file)?;
    COMPILED.with(|c| c.borrow_mut().insert(strategy.source.clone()));
    Ok(())
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

/// The byte span of the token at a Rhai position (1-based line and column).
fn span_at(pos: Position, file: FileId, source: &str) -> Span {
    let (Some(line), Some(col)) = (pos.line(), pos.position()) else {
        return Span::new(file, 0..0);
    };
    let mut offset = 0;
    for (i, text) in source.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let start = offset
                + text
                    .char_indices()
                    .nth(col.saturating_sub(1))
                    .map_or(text.len(), |(b, _)| b);
            let rest = &source[start..];
            let word = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            let len = if word == 0 {
                rest.chars().next().map_or(0, char::len_utf8)
            } else {
                word
            };
            return Span::new(file, start..start + len);
        }
        offset += text.len();
    }
    Span::new(file, source.len()..source.len())
}

fn parse_diagnostic(e: &ParseError, file: FileId, source: &str) -> Diagnostic {
    Diagnostic::error(
        "strategy-syntax",
        format!("the strategy script does not parse: {}", e.err_type()),
        span_at(e.position(), file, source),
        "here",
    )
    .with_hint("strategies are Rhai scripts; see stdlib/strategies/ for examples")
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

/// A source map holding just the strategy, with the script's file id.
pub fn source_map(strategy: &Strategy) -> (SourceMap, FileId) {
    let mut map = SourceMap::new();
    let id = map.add(strategy.shown(), strategy.source.clone());
    (map, id)
}

impl Strategy {
    /// How diagnostics name the script (see [`shown`]).
    pub fn shown(&self) -> String {
        shown(&self.path, crate::paths::stdlib_dir().as_deref())
    }
}
