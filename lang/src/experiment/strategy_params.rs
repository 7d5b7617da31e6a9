//! A strategy's parameters, declared in its script's leading comment, so that `nas check`
//! reads them without running the script:
//!
//! ```text
//! // Parameters:
//! //   population: int = 50   size of the population
//! //   tournament: int = 10   architectures sampled per tournament
//! ```
//!
//! One parameter a line: its name, its type (`int`, `float`, `bool`, `str`, or a list of one
//! of them such as `[str]`), `=` and its default written as in a `.nas` file, then, after at
//! least two spaces, what it does; a line indented further continues the description, and an
//! empty comment line ends the block. `// Parameters: none.` (or no such block) declares none.
//!
//! The experiment's `strategy NAME(key: value, ..)` is checked against the declaration
//! ([`bind`]); the script reads each parameter with `ctx.param("key")`, which gives the
//! experiment's value or the declared default: the header is the one place a default is
//! written.

use super::param::Param;
use crate::syntax::ast::{Arg, Expr, ExprKind, Lit};
use crate::syntax::suggest::did_you_mean;
use crate::syntax::{Diagnostic, FileId, Span};
use std::fmt;

/// The type of a strategy parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamTy {
    /// A whole number.
    Int,
    /// A number (a whole number or a duration, in seconds, is accepted).
    Float,
    /// `true` or `false`.
    Bool,
    /// A string (a bare name is accepted: `schedule: cosine`).
    Str,
    /// A list whose items have the inner type.
    List(Box<ParamTy>),
}

impl ParamTy {
    fn parse(text: &str) -> Option<ParamTy> {
        Some(match text {
            "int" => ParamTy::Int,
            "float" => ParamTy::Float,
            "bool" => ParamTy::Bool,
            "str" => ParamTy::Str,
            _ => {
                let inner = text.strip_prefix('[')?.strip_suffix(']')?.trim();
                ParamTy::List(Box::new(ParamTy::parse(inner)?))
            }
        })
    }

    /// `value` as a value of this type (an int made a float where a float is wanted), or
    /// `None` when it is not one.
    pub fn admit(&self, value: &Param) -> Option<Param> {
        match (self, value) {
            (ParamTy::Int, Param::Int(_))
            | (ParamTy::Float, Param::Float(_))
            | (ParamTy::Bool, Param::Bool(_))
            | (ParamTy::Str, Param::Str(_)) => Some(value.clone()),
            (ParamTy::Float, Param::Int(i)) => Some(Param::Float(*i as f64)),
            (ParamTy::List(inner), Param::List(items)) => items
                .iter()
                .map(|item| inner.admit(item))
                .collect::<Option<Vec<_>>>()
                .map(Param::List),
            _ => None,
        }
    }
}

impl fmt::Display for ParamTy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamTy::Int => write!(f, "int"),
            ParamTy::Float => write!(f, "float"),
            ParamTy::Bool => write!(f, "bool"),
            ParamTy::Str => write!(f, "str"),
            ParamTy::List(inner) => write!(f, "[{inner}]"),
        }
    }
}

/// What kind of value `value` is, for messages ("an int", "a list").
fn kind(value: &Param) -> &'static str {
    match value {
        Param::Int(_) => "an int",
        Param::Float(_) => "a float",
        Param::Bool(_) => "a bool",
        Param::Str(_) => "a str",
        Param::List(_) => "a list",
    }
}

/// One declared parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamDecl {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: ParamTy,
    /// Its default.
    pub default: Param,
    /// What it does, as the header says.
    pub doc: String,
}

impl fmt::Display for ParamDecl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} = {}", self.name, self.ty, self.default)
    }
}

impl fmt::Display for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Param::Int(i) => write!(f, "{i}"),
            Param::Float(x) if x.fract() == 0.0 && x.abs() < 1e15 => write!(f, "{x:.1}"),
            Param::Float(x) => write!(f, "{x}"),
            Param::Bool(b) => write!(f, "{b}"),
            Param::Str(s) => write!(f, "{s:?}"),
            Param::List(items) => {
                write!(f, "[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{item}")?;
                }
                write!(f, "]")
            }
        }
    }
}

/// A problem in a header, at `span` of the script.
fn header_error(span: Span, message: impl Into<String>) -> Diagnostic {
    Diagnostic::error("strategy-header", message, span, "here").with_hint(
        "declare each parameter on its own line: `//   name: int = 10   what it does` \
         (types int, float, bool, str, [str], ...)",
    )
}

/// The parameters the script `source` (the file `file` of a source map) declares.
pub fn declarations(source: &str, file: FileId) -> Result<Vec<ParamDecl>, Diagnostic> {
    let mut decls: Vec<ParamDecl> = Vec::new();
    let mut column: Option<usize> = None;
    let mut in_block = false;
    let mut offset = 0;
    for line in source.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let text = line.trim_end();
        if text.is_empty() && !in_block {
            continue;
        }
        let Some(content) = text.strip_prefix("//") else {
            break;
        };
        let line_span = Span::new(file, start..start + text.len());
        if !in_block {
            if let Some(rest) = content.trim().strip_prefix("Parameters:") {
                match rest.trim() {
                    "" => in_block = true,
                    "none" | "none." => return Ok(decls),
                    _ => return Err(header_error(
                        line_span,
                        "`Parameters:` is followed by the parameters, one a line, or by `none.`",
                    )),
                }
            }
            continue;
        }
        let body = content.trim_start();
        if body.is_empty() {
            break;
        }
        let indent = content.len() - body.len();
        match column {
            Some(c) if indent > c => {
                if let Some(last) = decls.last_mut() {
                    last.doc.push(' ');
                    last.doc.push_str(body);
                }
                continue;
            }
            Some(c) if indent < c => break,
            _ => column = Some(indent),
        }
        let body_start = start + 2 + indent;
        let decl = declaration(body, body_start, file)?;
        if decls.iter().any(|d| d.name == decl.name) {
            return Err(header_error(
                line_span,
                format!("the parameter `{}` is declared twice", decl.name),
            ));
        }
        decls.push(decl);
    }
    if in_block && decls.is_empty() {
        return Err(header_error(
            Span::new(file, 0..0),
            "the `Parameters:` block declares nothing; write `// Parameters: none.` for a \
             strategy without parameters",
        ));
    }
    Ok(decls)
}

/// The reads `ctx.param("name")` in the script `source` (file `file`) of a parameter that
/// `decls` does not declare, each a diagnostic at the name (reads by a computed name are
/// left to the run, where an undeclared one is an error too).
pub fn undeclared_reads(source: &str, file: FileId, decls: &[ParamDecl]) -> Vec<Diagnostic> {
    const READ: &str = "ctx.param(";
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = source[from..].find(READ) {
        let start = from + at + READ.len();
        from = start;
        let rest = &source[start..];
        let lead = rest.len() - rest.trim_start().len();
        let Some(quoted) = rest[lead..].strip_prefix('"') else {
            continue;
        };
        let Some(end) = quoted.find('"') else {
            continue;
        };
        let name = &quoted[..end];
        if decls.iter().any(|d| d.name == name) {
            continue;
        }
        let name_start = start + lead + 1;
        let span = Span::new(file, name_start..name_start + name.len());
        let mut d = Diagnostic::error(
            "strategy-header",
            format!("the script reads the parameter `{name}`, which its header does not declare"),
            span,
            "not declared",
        );
        d = match did_you_mean(name, decls.iter().map(|d| d.name.as_str())) {
            Some(best) => d.with_hint(format!("did you mean `{best}`?")),
            None => d.with_hint(format!(
                "declare it in the `// Parameters:` header: `//   {name}: int = 10   what it does`"
            )),
        };
        found.push(d);
    }
    found
}

/// One declaration line's text (`name: type = default   doc`), starting at byte `at`.
fn declaration(body: &str, at: usize, file: FileId) -> Result<ParamDecl, Diagnostic> {
    let whole = Span::new(file, at..at + body.len());
    let (name, rest) = body
        .split_once(':')
        .ok_or_else(|| header_error(whole, "expected `name: type = default`"))?;
    let name = name.trim();
    if name.is_empty()
        || !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(header_error(
            whole,
            format!("expected `name: type = default`, but `{name}` is not a name"),
        ));
    }
    let (ty_text, rest) = rest
        .split_once('=')
        .ok_or_else(|| header_error(whole, format!("the parameter `{name}` has no default")))?;
    let ty = ParamTy::parse(ty_text.trim()).ok_or_else(|| {
        header_error(
            whole,
            format!(
                "unknown parameter type `{}` (the types are int, float, bool, str and lists \
                 such as [str])",
                ty_text.trim()
            ),
        )
    })?;
    let default_at = at + body.len() - rest.len();
    let lead = rest.len() - rest.trim_start().len();
    let rest = rest.trim_start();
    let end = default_end(rest);
    let (default_text, doc) = rest.split_at(end);
    let default_span = Span::new(file, default_at + lead..default_at + lead + end);
    let bad_default = |why: String| header_error(default_span, why);
    let expr = crate::syntax::parse_expr(file, default_text).map_err(|_| {
        bad_default(format!(
            "the default of `{name}` is not a value: `{default_text}`"
        ))
    })?;
    let value = value(&expr).map_err(|_| {
        bad_default(format!(
            "the default of `{name}` is not a number, bool, string or list"
        ))
    })?;
    let default = ty.admit(&value).ok_or_else(|| {
        bad_default(format!(
            "the default of `{name}` must be {}, but it is {}",
            article(&ty),
            kind(&value)
        ))
    })?;
    Ok(ParamDecl {
        name: name.to_string(),
        ty,
        default,
        doc: doc.trim().to_string(),
    })
}

/// Where a default ends: at two spaces in a row outside a string, or at the end.
fn default_end(text: &str) -> usize {
    let mut in_string = false;
    let mut previous_space = false;
    for (i, c) in text.char_indices() {
        match c {
            '"' => in_string = !in_string,
            ' ' if !in_string && previous_space => return i - 1,
            _ => {}
        }
        previous_space = c == ' ' && !in_string;
    }
    text.len()
}

/// "an int", "a [str]".
fn article(ty: &ParamTy) -> String {
    match ty {
        ParamTy::Int => "an int".to_string(),
        other => format!("a {other}"),
    }
}

/// The value an argument's expression writes: a number, bool, string, bare name (a string),
/// duration (seconds) or list of these.
pub fn value(e: &Expr) -> Result<Param, Diagnostic> {
    let wrong = || {
        Diagnostic::error(
            "type-mismatch",
            "a strategy parameter is a number, bool, string, name or list",
            e.span,
            "not a value",
        )
        .with_hint("write e.g. `population: 50`")
    };
    Ok(match &e.kind {
        ExprKind::Lit(l @ Lit::Int { .. }) => Param::Int(l.int_value().ok_or_else(wrong)?),
        ExprKind::Lit(l @ Lit::Float { .. }) => Param::Float(l.number_value().ok_or_else(wrong)?),
        ExprKind::Lit(Lit::Bool(b)) => Param::Bool(*b),
        ExprKind::Lit(Lit::Str(s)) => Param::Str(s.clone()),
        ExprKind::Lit(Lit::Duration { value, unit }) => {
            Param::Float((*value * unit.seconds()) as f64)
        }
        ExprKind::Neg(inner) => match value(inner)? {
            Param::Int(i) => Param::Int(-i),
            Param::Float(f) => Param::Float(-f),
            _ => return Err(wrong()),
        },
        ExprKind::Ref(r) if r.args.is_none() => Param::Str(r.name.name.to_string()),
        ExprKind::List(items) => Param::List(items.iter().map(value).collect::<Result<_, _>>()?),
        _ => return Err(wrong()),
    })
}

/// The strategy `strategy`'s parameters (declared by `decls` in the script at `script`) bound
/// to the arguments `args`: every declared parameter, in the declared order, with the given
/// value or its default. Every problem is a diagnostic at the argument.
pub fn bind(
    strategy: &str,
    script: &str,
    decls: &[ParamDecl],
    args: &[Arg],
) -> Result<Vec<(String, Param)>, Vec<Diagnostic>> {
    let mut values: Vec<(String, Param)> = decls
        .iter()
        .map(|d| (d.name.clone(), d.default.clone()))
        .collect();
    let mut given: Vec<Option<Span>> = vec![None; decls.len()];
    let mut problems = Vec::new();
    let declared = || {
        if decls.is_empty() {
            format!("`{strategy}` ({script}) declares no parameters")
        } else {
            let list: Vec<String> = decls.iter().map(ToString::to_string).collect();
            format!(
                "the parameters of `{strategy}` ({script}) are {}",
                list.join(", ")
            )
        }
    };
    for arg in args {
        let Some(name) = &arg.name else {
            problems.push(
                Diagnostic::error(
                    "arity",
                    "strategy parameters are named",
                    arg.span,
                    "unnamed",
                )
                .with_note(declared())
                .with_hint("write `name: value`, e.g. `evolution(population: 20)`"),
            );
            continue;
        };
        let Some(index) = decls.iter().position(|d| d.name == name.name.as_str()) else {
            let mut d = Diagnostic::error(
                "unknown-argument",
                format!("the strategy `{strategy}` has no parameter `{}`", name.name),
                name.span,
                "unknown parameter",
            )
            .with_note(declared());
            d = match did_you_mean(&name.name, decls.iter().map(|d| d.name.as_str())) {
                Some(best) => d.with_hint(format!("did you mean `{best}`?")),
                None if decls.is_empty() => d.with_hint(
                    "a strategy script declares its parameters in a `// Parameters:` comment \
                     block at its top",
                ),
                None => d.with_hint("remove it, or declare it in the strategy's script"),
            };
            problems.push(d);
            continue;
        };
        if let Some(first) = given[index] {
            problems.push(
                Diagnostic::error(
                    "arity",
                    format!("the parameter `{}` is given twice", name.name),
                    arg.span,
                    "again here",
                )
                .with_label(first, "first here"),
            );
            continue;
        }
        given[index] = Some(arg.span);
        let decl = &decls[index];
        match value(&arg.value) {
            Err(d) => problems.push(d),
            Ok(v) => match decl.ty.admit(&v) {
                Some(v) => values[index].1 = v,
                None => problems.push(
                    Diagnostic::error(
                        "type-mismatch",
                        format!(
                            "the parameter `{}` of `{strategy}` must be {}, but this is {}",
                            decl.name,
                            article(&decl.ty),
                            kind(&v)
                        ),
                        arg.value.span,
                        format!("this is {}", kind(&v)),
                    )
                    .with_note(format!("declared as `{decl}` in {script}")),
                ),
            },
        }
    }
    if problems.is_empty() {
        Ok(values)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> FileId {
        crate::syntax::SourceMap::new().add("s.rhai", "")
    }

    #[test]
    fn reads_a_header() {
        let source = "// A strategy.\n//\n// Parameters:\n//   population: int = 50   size of the\n//              population\n//   rate: float = 0.5\n//   names: [str] = [\"a\", b]  some names\n//   flag: bool = false\n//\n// More text.\nfn search(ctx) {}\n";
        let decls = declarations(source, file()).expect("a valid header");
        let shown: Vec<String> = decls.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "population: int = 50",
                "rate: float = 0.5",
                "names: [str] = [\"a\", \"b\"]",
                "flag: bool = false"
            ]
        );
        assert_eq!(decls[0].doc, "size of the population");
    }

    #[test]
    fn none_and_missing_blocks_declare_nothing() {
        let none = declarations("// Parameters: none.\nfn search(ctx) {}", file());
        assert_eq!(none.expect("valid"), []);
        let missing = declarations("fn search(ctx) {}", file());
        assert_eq!(missing.expect("valid"), []);
    }

    #[test]
    fn refuses_bad_declarations() {
        for (header, wanted) in [
            ("//   n: int\n", "has no default"),
            ("//   n: integer = 3\n", "unknown parameter type"),
            ("//   n: int = 0.5\n", "must be an int, but it is a float"),
            ("//   n: int = 1\n//   n: int = 2\n", "declared twice"),
            ("//   n: int = (\n", "is not a value"),
        ] {
            let source = format!("// Parameters:\n{header}fn search(ctx) {{}}");
            let error = declarations(&source, file()).expect_err(header);
            assert!(
                error.message.contains(wanted),
                "{header}: {}",
                error.message
            );
            assert_eq!(error.code, "strategy-header");
        }
    }

    #[test]
    fn reads_of_undeclared_parameters_are_found() {
        let source = "// Parameters:\n//   size: int = 3\nfn search(ctx) { ctx.param(\"size\"); ctx.param( \"sise\"); ctx.param(name); }\n";
        let decls = declarations(source, file()).expect("valid");
        let found = undeclared_reads(source, file(), &decls);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].hint.as_deref(), Some("did you mean `size`?"));
        let span = found[0].primary_span().expect("a span");
        assert_eq!(&source[span.range()], "sise");
    }

    fn args(text: &str) -> Vec<Arg> {
        let e = crate::syntax::parse_expr(file(), text).expect("parses");
        match e.kind {
            ExprKind::Ref(r) => r.args.map(|a| a.items).unwrap_or_default(),
            _ => panic!("not a call"),
        }
    }

    #[test]
    fn binds_arguments_over_defaults() {
        let decls = declarations(
            "// Parameters:\n//   population: int = 50\n//   rate: float = 0.5\n",
            file(),
        )
        .expect("valid");
        let bound = bind("evo", "evo.rhai", &decls, &args("evo(rate: 2)")).expect("binds");
        assert_eq!(
            bound,
            [
                ("population".to_string(), Param::Int(50)),
                ("rate".to_string(), Param::Float(2.0))
            ]
        );
        let problems = bind(
            "evo",
            "evo.rhai",
            &decls,
            &args("evo(populaton: 3, rate: true, 4)"),
        )
        .expect_err("three problems");
        let codes: Vec<&str> = problems.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["unknown-argument", "type-mismatch", "arity"]);
        assert_eq!(
            problems[0].hint.as_deref(),
            Some("did you mean `population`?")
        );
    }
}
