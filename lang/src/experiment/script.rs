//! Strategy scripts as an experiment names them: finding one by name (a stdlib script named by
//! its file stem, or a user's own `.rhai` file), the sandbox's settings, and compiling a script
//! without running it, every Rhai parse error turned into the crate's one [`Diagnostic`]. The
//! engine runs them (its `search::strategy`), over the host API it registers on [`sandbox`].

use crate::syntax::{Diagnostic, FileId, SourceMap, Span};
use rhai::{Engine, ParseError, Position, AST};
use std::path::{Path, PathBuf};

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

/// A Rhai engine with the sandbox's settings and no host API: no modules or files, no `eval`,
/// and `limits`' operations, sizes and call depth. The engine's host registers its API on it;
/// compiling a script needs nothing more.
pub fn sandbox(limits: &Limits) -> Engine {
    let mut engine = Engine::new();
    engine.set_module_resolver(rhai::module_resolvers::DummyModuleResolver::new());
    engine.disable_symbol("eval");
    engine.set_max_operations(limits.max_operations);
    engine.set_max_array_size(limits.max_collection);
    engine.set_max_map_size(limits.max_collection);
    engine.set_max_string_size(limits.max_string);
    engine.set_max_call_levels(limits.max_call_depth);
    engine
}

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
/// it (parsing needs only the sandbox's settings, not the host API): a syntax error or a missing `fn search(ctx)` is a diagnostic in the script.
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
    let engine = sandbox(&Limits::default());
    compile(&engine, strategy, file)?;
    COMPILED.with(|c| c.borrow_mut().insert(strategy.source.clone()));
    Ok(())
}

/// The byte span of the token at a Rhai position (1-based line and column).
pub fn span_at(pos: Position, file: FileId, source: &str) -> Span {
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
