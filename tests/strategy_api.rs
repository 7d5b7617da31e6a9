//! `nas api`, the strategy host API read from the engine's registrations: every function the
//! stdlib strategies call that is not the script's own or Rhai's is listed, with a line of doc.

use rhai::{ASTNode, Engine, Expr};
use std::collections::{BTreeSet, HashSet};
use std::path::Path;

/// The entries of `nas api`'s output: each function or property name with its doc line.
fn entries(api: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = api.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(head) = line.strip_prefix("  ").filter(|h| !h.starts_with(' ')) else {
            continue;
        };
        let signature = head.split(" -> ").next().unwrap_or(head);
        let before_args = signature.split('(').next().unwrap_or(signature);
        let name = before_args.rsplit('.').next().unwrap_or(before_args).trim();
        let doc = lines
            .get(i + 1)
            .and_then(|next| next.strip_prefix("      "))
            .unwrap_or("")
            .trim();
        out.push((name.to_string(), doc.to_string()));
    }
    out
}

/// The names of the functions Rhai's own packages define.
fn rhai_functions() -> HashSet<String> {
    let json = Engine::new()
        .gen_fn_metadata_to_json(true)
        .expect("Rhai's metadata");
    let value: serde_json::Value = serde_json::from_str(&json).expect("metadata is JSON");
    value["functions"]
        .as_array()
        .expect("functions")
        .iter()
        .filter_map(|f| f["name"].as_str().map(str::to_string))
        .collect()
}

/// Rhai's keyword-like functions, which no package lists.
const KEYWORDS: &[&str] = &[
    "print",
    "debug",
    "type_of",
    "Fn",
    "call",
    "curry",
    "is_def_var",
    "is_def_fn",
    "is_shared",
];

#[test]
fn every_function_the_stdlib_strategies_call_is_listed_with_a_doc_line() {
    let (ok, api, err) = crate::cli_common::nas(&["api"]);
    assert!(ok, "nas api failed: {err}");
    assert!(!api.contains("(undocumented)"), "{api}");
    // Every type is named as scripts know it, never by its Rust path.
    assert!(!api.contains("::"), "{api}");
    let entries = entries(&api);
    assert!(entries.len() > 50, "too few entries in:\n{api}");
    for (name, doc) in &entries {
        assert!(!doc.is_empty(), "`{name}` has no doc line in:\n{api}");
    }
    let listed: HashSet<&str> = entries.iter().map(|(name, _)| name.as_str()).collect();
    let rhai = rhai_functions();
    let engine = Engine::new();
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("stdlib/strategies");
    let mut checked = BTreeSet::new();
    let mut scripts = 0;
    for entry in std::fs::read_dir(&folder).expect("stdlib/strategies") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "rhai") {
            continue;
        }
        scripts += 1;
        let text = std::fs::read_to_string(&path).expect("read script");
        let ast = engine
            .compile(&text)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let own: HashSet<String> = ast.iter_functions().map(|f| f.name.to_string()).collect();
        let mut calls = BTreeSet::new();
        ast.walk(&mut |nodes: &[ASTNode]| {
            if let Some(ASTNode::Expr(Expr::FnCall(call, _) | Expr::MethodCall(call, _))) =
                nodes.last()
            {
                calls.insert(call.name.to_string());
            }
            true
        });
        for name in calls {
            if !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
                continue; // an operator
            }
            if listed.contains(name.as_str()) {
                checked.insert(name);
                continue;
            }
            assert!(
                own.contains(&name) || rhai.contains(&name) || KEYWORDS.contains(&name.as_str()),
                "{} calls `{name}`, which is neither its own, Rhai's, nor listed by `nas api`",
                path.display()
            );
        }
    }
    assert!(scripts >= 20, "only {scripts} stdlib strategies found");
    for expected in [
        "evaluate",
        "sample",
        "mutate",
        "supernet",
        "weight_step",
        "softmax",
    ] {
        assert!(
            checked.contains(expected),
            "no script called `{expected}`: {checked:?}"
        );
    }
}
