//! Datasets, data files and training loops.

pub mod data_error;
pub mod fashion_mnist;
pub mod idx;
pub mod small_cnn;

pub use data_error::DataError;
