//! Training from the command line and its data: one test binary over the files below, each its own module (one link
//! instead of one per file; `cargo test --release --test train_suite -- train_cli::` runs one file's).

#[path = "train_cli.rs"]
mod train_cli;
#[path = "train_data.rs"]
mod train_data;
