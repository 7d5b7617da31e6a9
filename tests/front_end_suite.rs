//! The language front end, the launcher, the language server and the editors: one test binary over the files below, each its own module (one link
//! instead of one per file; `cargo test --release --test front_end_suite -- editor_neovim::` runs one file's).

#[path = "doctor.rs"]
mod doctor;
#[path = "editor_neovim.rs"]
mod editor_neovim;
#[path = "editor_vscode.rs"]
mod editor_vscode;
#[path = "front_end.rs"]
mod front_end;
#[path = "lang_bench.rs"]
mod lang_bench;
#[path = "lang_cli.rs"]
mod lang_cli;
#[path = "lang_fuzz.rs"]
mod lang_fuzz;
#[path = "lang_golden.rs"]
mod lang_golden;
#[path = "lang_grammar.rs"]
mod lang_grammar;
#[path = "lang_reference.rs"]
mod lang_reference;
#[path = "launcher.rs"]
mod launcher;
#[path = "lsp.rs"]
mod lsp;
#[path = "test_layout.rs"]
mod test_layout;
