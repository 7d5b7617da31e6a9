//! Golden tests of the front end. `tests/lang/errors/CODE.nas` (or `CODE.CASE.nas`, for more
//! cases of one kind) must produce diagnostics whose first is of kind CODE, rendered exactly as
//! in `CODE.out` (`CODE.CASE.out`); `tests/lang/ok/NAME.nas` must
//! check without errors, with the checked form (`nas check --dump`) exactly as in
//! `NAME.checked`. Set `UPDATE_GOLDEN=1` to rewrite the expected files after a deliberate change.

use nas::check::{check_file, dump};
use std::fs;
use std::path::{Path, PathBuf};

/// Every diagnostic kind the front end reports, each of which must have a golden file.
/// (`too-large` needs a 64 MB file; tests/lang_fuzz.rs covers it.)
const KINDS: &[&str] = &[
    "syntax",
    "bad-token",
    "bad-number",
    "too-deep",
    "import-not-found",
    "duplicate-definition",
    "unknown-name",
    "ambiguous-name",
    "not-callable",
    "type-mismatch",
    "misplaced",
    "missing-argument",
    "unknown-argument",
    "arity",
    "choice-needs-alternatives",
    "cell-structure",
    "space-structure",
    "unknown-entry",
    "missing-entry",
    "unused-import",
    "unused-input",
    "unused-let",
    "unreachable-node",
    "undeclared-state",
    "duplicate-next",
    "state-without-next",
    "state-order",
    "state-inputs",
    "cycle",
    "recursive-definition",
    "shape",
    "shape-mismatch",
    "empty-range",
    "division-by-zero",
    "overflow",
    "bad-pick",
    "bad-repeat",
    "shape-check-incomplete",
    "experiment",
    "strategy-header",
    "unsupported",
    "constraint",
    "when-condition",
];

fn cases(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|entry| entry.expect("dir entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "nas"))
        .collect();
    files.sort();
    files
}

/// Compares `actual` with the file `expected`, or rewrites it under `UPDATE_GOLDEN`.
fn compare(expected: &Path, actual: &str, failures: &mut Vec<String>) {
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        fs::write(expected, actual).expect("write golden file");
        return;
    }
    match fs::read_to_string(expected) {
        Ok(text) if text == actual => {}
        Ok(text) => failures.push(format!(
            "{}:\n--- expected\n{text}\n--- actual\n{actual}",
            expected.display()
        )),
        Err(_) => failures.push(format!(
            "{} is missing; actual:\n{actual}",
            expected.display()
        )),
    }
}

#[test]
fn error_programs_render_their_diagnostics() {
    let mut failures = Vec::new();
    for path in cases("tests/lang/errors") {
        let program = check_file(&path).expect("readable");
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let code = stem.split('.').next().unwrap_or_default();
        let first = program.diagnostics.first().map(|d| d.code);
        if first != Some(code) {
            failures.push(format!("{}: first diagnostic is {first:?}", path.display()));
        }
        compare(
            &path.with_extension("out"),
            &program.render_diagnostics(false),
            &mut failures,
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_diagnostic_kind_has_a_golden_file() {
    for kind in KINDS {
        let path = format!("tests/lang/errors/{kind}.nas");
        assert!(Path::new(&path).exists(), "{path} is missing");
    }
}

#[test]
fn accepted_programs_have_their_checked_form() {
    let mut failures = Vec::new();
    for path in cases("tests/lang/ok") {
        let program = check_file(&path).expect("readable");
        if program.has_errors() {
            failures.push(program.render_diagnostics(false));
            continue;
        }
        let mut actual = program.render_diagnostics(false);
        actual.push_str(&dump(&program));
        compare(&path.with_extension("checked"), &actual, &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
