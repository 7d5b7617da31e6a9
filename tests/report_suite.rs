//! What leaves a run: export, reports, the REPL, train-free scores and the study scripts: one test binary over the files below, each its own module (one link
//! instead of one per file; `cargo test --release --test report_suite -- export_run::` runs one file's).

mod cli_common;
mod data_common;

#[path = "export_run.rs"]
mod export_run;
#[path = "repl_pty.rs"]
mod repl_pty;
#[path = "repl_transcript.rs"]
mod repl_transcript;
#[path = "report_cli.rs"]
mod report_cli;
#[path = "study_scripts.rs"]
mod study_scripts;
#[path = "trainfree_cli.rs"]
mod trainfree_cli;
