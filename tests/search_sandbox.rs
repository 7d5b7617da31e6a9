//! The sandbox: runaway loops, unbounded allocation and recursion are stopped with a
//! diagnostic at the script's line; scripts cannot import files or call `eval`; script errors
//! render through the crate's one ariadne path.

use crate::search_common::*;
use nas::search::host::Limits;
use nas::search::runner::RunError;
use nas::syntax::diagnostic::render_all;

fn fail(source: &str, limits: Limits) -> (RunError, String) {
    let space = nb201();
    let mut cfg = config(
        space.clone(),
        synthetic_table(&space),
        inline_strategy("bad", source),
        10,
    );
    cfg.limits = limits;
    let err = run(&cfg, &[0]).expect_err("the script must be stopped");
    let text = render_all(&err.diagnostics, &err.sources, false);
    (err, text)
}

fn line_of(text: &str, source: &str, needle: &str) -> usize {
    let line = source
        .lines()
        .position(|l| l.contains(needle))
        .expect("needle in source")
        + 1;
    assert!(
        text.contains(&format!("bad.rhai:{line}:")),
        "expected line {line} in:\n{text}"
    );
    line
}

#[test]
fn an_endless_loop_hits_the_operation_limit_at_its_line() {
    let src = "fn search(ctx) {\n    let x = 0;\n    loop {\n        x += 1;\n    }\n}\n";
    let (err, text) = fail(
        src,
        Limits {
            max_operations: 100_000,
            ..Limits::default()
        },
    );
    assert_eq!(
        err.diagnostics[0].code, "strategy-operation-limit",
        "{text}"
    );
    assert!(
        text.contains("operation limit") && text.contains("Help:"),
        "{text}"
    );
    assert!(
        text.contains("bad.rhai:3:") || text.contains("bad.rhai:4:"),
        "{text}"
    );
}

#[test]
fn an_endless_loop_hits_the_time_limit() {
    let src = "fn search(ctx) {\n    let x = 0;\n    while true {\n        x += 1;\n    }\n}\n";
    let (err, text) = fail(
        src,
        Limits {
            max_seconds: 0.05,
            ..Limits::default()
        },
    );
    assert_eq!(err.diagnostics[0].code, "strategy-time-limit", "{text}");
}

#[test]
fn unbounded_allocation_hits_the_size_limit_at_its_line() {
    let src = "fn search(ctx) {\n    let a = [];\n    loop {\n        a.push(ctx.space.sample());\n    }\n}\n";
    let (err, text) = fail(
        src,
        Limits {
            max_collection: 1000,
            ..Limits::default()
        },
    );
    assert_eq!(err.diagnostics[0].code, "strategy-memory-limit", "{text}");
    line_of(&text, src, "a.push");
}

#[test]
fn unbounded_recursion_is_stopped() {
    let src = "fn deeper(n) { deeper(n + 1) }\nfn search(ctx) {\n    deeper(0);\n}\n";
    let (err, _) = fail(src, Limits::default());
    assert_eq!(err.diagnostics[0].code, "strategy-stack-limit");
}

#[test]
fn scripts_cannot_import_or_eval() {
    let src = "import \"os\" as os;\nfn search(ctx) {\n    ctx.evaluate(ctx.space.sample());\n}\n";
    let (err, text) = fail(src, Limits::default());
    assert_eq!(err.diagnostics[0].code, "strategy-sandbox", "{text}");
    let src = "fn search(ctx) {\n    eval(\"1 + 1\");\n}\n";
    let (err, text) = fail(src, Limits::default());
    assert_eq!(err.diagnostics[0].code, "strategy-syntax", "{text}");
}

#[test]
fn a_runtime_error_points_at_its_line_and_the_call() {
    let src = "fn helper(ctx) {\n    ctx.space.decode(\"|bogus~0|\")\n}\nfn search(ctx) {\n    let a = helper(ctx);\n}\n";
    let (err, text) = fail(src, Limits::default());
    assert_eq!(err.diagnostics[0].code, "strategy-runtime", "{text}");
    line_of(&text, src, "decode");
    assert!(text.contains("in the call to `helper`"), "{text}");
    assert!(text.contains("cannot decode"), "{text}");
}

#[test]
fn a_syntax_error_and_a_missing_search_are_diagnostics() {
    let (err, text) = fail("fn search(ctx) {\n    let = 3;\n}\n", Limits::default());
    assert_eq!(err.diagnostics[0].code, "strategy-syntax", "{text}");
    assert!(text.contains("bad.rhai:2:"), "{text}");
    let (err, _) = fail("fn explore(ctx) {}\n", Limits::default());
    assert_eq!(err.diagnostics[0].code, "strategy-no-search");
}

#[test]
fn an_unknown_function_names_itself() {
    let src = "fn search(ctx) {\n    ctx.space.teleport();\n}\n";
    let (_, text) = fail(src, Limits::default());
    assert!(text.contains("teleport"), "{text}");
    line_of(&text, src, "teleport");
}
