//! Every integration-test file runs: Cargo.toml lists the test binaries itself (`autotests =
//! false`), so a file that is neither a binary there nor a module of a `tests/*_suite.rs`
//! would build nothing and test nothing, silently.

use std::path::Path;

#[test]
fn every_test_file_is_a_binary_or_a_module_of_a_suite() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cargo = std::fs::read_to_string(root.join("Cargo.toml")).expect("Cargo.toml");
    let mut suites = String::new();
    let mut files = Vec::new();
    for entry in std::fs::read_dir(root.join("tests")).expect("tests/") {
        let name = entry
            .expect("an entry")
            .file_name()
            .to_string_lossy()
            .to_string();
        if let Some(stem) = name.strip_suffix(".rs") {
            if stem.ends_with("_suite") {
                suites +=
                    &std::fs::read_to_string(root.join("tests").join(&name)).expect("a suite");
            }
            files.push(stem.to_string());
        }
    }
    let lost: Vec<&String> = files
        .iter()
        .filter(|stem| {
            !cargo.contains(&format!("path = \"tests/{stem}.rs\""))
                && !suites.contains(&format!("#[path = \"{stem}.rs\"]"))
        })
        .collect();
    assert!(
        lost.is_empty(),
        "test files that no binary builds: {lost:?}; add each to a tests/*_suite.rs as `#[path = \"NAME.rs\"] mod NAME;` or as a [[test]] in Cargo.toml"
    );
}
