//! Spaces: lowering, counting, sampling, naming and their text: one test binary over the files below, each its own module (one link
//! instead of one per file; `cargo test --release --test space_suite -- space_cli::` runs one file's).

mod cli_common;
mod space_common;

#[path = "space_cli.rs"]
mod space_cli;
#[path = "space_figures.rs"]
mod space_figures;
#[path = "space_hash.rs"]
mod space_hash;
#[path = "space_independent.rs"]
mod space_independent;
#[path = "space_lower.rs"]
mod space_lower;
#[path = "space_named.rs"]
mod space_named;
#[path = "space_node_kinds.rs"]
mod space_node_kinds;
#[path = "space_ops.rs"]
mod space_ops;
#[path = "space_random.rs"]
mod space_random;
#[path = "space_skeleton.rs"]
mod space_skeleton;
#[path = "space_stdlib.rs"]
mod space_stdlib;
#[path = "space_text.rs"]
mod space_text;
#[path = "space_when.rs"]
mod space_when;
