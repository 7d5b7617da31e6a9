//! Datasets and loaders, the training settings (`settings.rs`: one type, one parse, one set of
//! defaults), the one training driver (`trainer.rs`) with its two tasks, image classifiers
//! (`image_task.rs`) and language models (`lm.rs`), optimisers, schedules, metrics, devices,
//! the random generator's state (`generator.rs` + `generator_shim.cpp`) and checkpoints.

pub mod amp;
pub mod augment;
pub mod checkpoint;
pub mod cifar;
pub mod data_error;
pub mod device;
pub mod fashion_mnist;
pub mod generator;
pub mod idx;
pub mod image_set;
pub mod image_task;
pub mod lm;
pub mod loader;
pub mod metrics;
pub mod named;
pub mod optim;
pub mod ptb;
pub mod trainer;

pub use nas_lang::train::{choices, schedule, settings};

pub use data_error::DataError;
pub use image_set::ImageSet;
