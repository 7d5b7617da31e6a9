//! One-shot searches end to end through `nas run`: one test binary over the files below, each its own module (one link
//! instead of one per file; `cargo test --release --test oneshot_suite -- oneshot_ir_run::` runs one file's).

mod data_common;
mod oneshot_common;

#[path = "oneshot_ir_run.rs"]
mod oneshot_ir_run;
#[path = "oneshot_ir_sampling_run.rs"]
mod oneshot_ir_sampling_run;
#[path = "oneshot_resume.rs"]
mod oneshot_resume;
#[path = "oneshot_run.rs"]
mod oneshot_run;
#[path = "tenas_run.rs"]
mod tenas_run;
