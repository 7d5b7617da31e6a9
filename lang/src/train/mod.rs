//! How a network is trained, as settings: the one [`settings::TrainSettings`] type with its
//! parse and defaults, and the optimiser, schedule, augmentation and precision it names. The
//! engine's `train` room runs them on libtorch.

pub mod augment;
pub mod choices;
pub mod optim;
pub mod precision;
pub mod schedule;
pub mod settings;
