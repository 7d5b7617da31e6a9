//! The space IR: decisions, constraints and architectures.
