//! The normative grammar and the shipped `.nas` files agree with the parser: every snippet
//! marked `(* example:` in grammar/nas.ebnf parses, every `.nas` file under stdlib/ and
//! scripts/ parses (stdlib/ops.nas also checks cleanly), and formatting round-trips (parse → fmt → parse gives the same
//! tree) on all of them and on the golden tests.

use nas::check::check_file;
use nas::fmt::{format_source, same_tree};
use nas::syntax::{parse, FileId};
use std::path::{Path, PathBuf};

/// The snippets of the grammar file, with the line each starts on.
fn grammar_snippets() -> Vec<(usize, String)> {
    let text = std::fs::read_to_string("grammar/nas.ebnf").expect("grammar/nas.ebnf");
    let mut snippets = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (number, line) in text.lines().enumerate() {
        match &mut current {
            None if line.trim_start().starts_with("(* example:") => {
                current = Some((number + 2, String::new()))
            }
            None => {}
            Some(_) if line.trim_start().starts_with("*)") => snippets.extend(current.take()),
            Some((_, body)) => {
                body.push_str(line);
                body.push('\n');
            }
        }
    }
    assert!(current.is_none(), "an example block is not closed");
    snippets
}

/// Every `.nas` file under `dir`, recursively (none if `dir` does not exist).
fn nas_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(nas_files(&path));
        } else if path.extension().is_some_and(|e| e == "nas") {
            found.push(path);
        }
    }
    found.sort();
    found
}

/// Asserts that `text` formats to something that parses to the same tree and is stable.
fn assert_round_trip(label: &str, text: &str) {
    let before = parse(FileId(0), text);
    assert!(
        !before.has_errors(),
        "{label} does not parse: {:#?}",
        before.diagnostics
    );
    let formatted = format_source(text).expect("parses");
    let after = parse(FileId(0), &formatted);
    assert!(
        !after.has_errors(),
        "{label}: the formatted text does not parse:\n{formatted}"
    );
    assert!(
        same_tree(&before.file, &after.file),
        "{label}: formatting changed the tree:\n{formatted}"
    );
    assert_eq!(
        format_source(&formatted).expect("parses"),
        formatted,
        "{label}: formatting is not stable"
    );
}

#[test]
fn grammar_snippets_parse_and_round_trip() {
    let snippets = grammar_snippets();
    assert!(
        snippets.len() >= 10,
        "only {} snippets found",
        snippets.len()
    );
    for (line, snippet) in snippets {
        assert_round_trip(&format!("grammar/nas.ebnf:{line}"), &snippet);
    }
}

#[test]
fn stdlib_and_scripts_parse_and_round_trip() {
    let files: Vec<PathBuf> = nas_files(Path::new("stdlib"))
        .into_iter()
        .chain(nas_files(Path::new("scripts")))
        .collect();
    assert!(
        files.iter().any(|f| f.ends_with("stdlib/ops.nas")),
        "{files:?}"
    );
    for path in files {
        let text = std::fs::read_to_string(&path).expect("readable");
        assert_round_trip(&path.display().to_string(), &text);
    }
}

#[test]
fn stdlib_ops_checks_cleanly() {
    let program = check_file(Path::new("stdlib/ops.nas")).expect("readable");
    assert!(
        program.diagnostics.is_empty(),
        "{}",
        program.render_diagnostics(false)
    );
}

#[test]
fn golden_programs_round_trip() {
    for path in nas_files(Path::new("tests/lang")) {
        let text = std::fs::read_to_string(&path).expect("readable");
        if parse(FileId(0), &text).has_errors() {
            continue;
        }
        assert_round_trip(&path.display().to_string(), &text);
    }
}

#[test]
fn textmate_grammar_is_json_and_knows_every_builtin_and_keyword() {
    let text = std::fs::read_to_string("grammar/nas.tmLanguage.json")
        .expect("grammar/nas.tmLanguage.json");
    let json: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(json["scopeName"], "source.nas");
    let words = |name: &str| -> bool {
        text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .any(|w| w == name)
    };
    for builtin in nas::syntax::builtin::Builtin::ALL {
        assert!(
            words(builtin.name()),
            "{} is not highlighted",
            builtin.name()
        );
    }
    for metric in nas::syntax::builtin::Metric::ALL {
        assert!(words(metric.name()), "{} is not highlighted", metric.name());
    }
    for keyword in [
        "import",
        "op",
        "choice",
        "cell",
        "space",
        "experiment",
        "input",
        "node",
        "output",
        "state",
        "next",
        "let",
        "where",
        "of",
        "any",
        "independent",
        "true",
        "false",
    ] {
        assert!(words(keyword), "{keyword} is not highlighted");
    }
}
