//! The trial store: faults, locks, PostgreSQL, workers and credentials: one test binary over the files below, each its own module (one link
//! instead of one per file; `cargo test --release --test store_suite -- store_credentials::` runs one file's).

mod cli_common;
mod data_common;
mod pg_common;
mod search_common;

#[path = "store_credentials.rs"]
mod store_credentials;
#[path = "store_faults.rs"]
mod store_faults;
#[path = "store_lock.rs"]
mod store_lock;
#[path = "store_postgres.rs"]
mod store_postgres;
#[path = "store_worker_device.rs"]
mod store_worker_device;
#[path = "store_worker_trust.rs"]
mod store_worker_trust;
