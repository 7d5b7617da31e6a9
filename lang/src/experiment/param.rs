//! A strategy parameter's value as an experiment gives it.

/// A strategy parameter from the experiment's strategy line.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    /// An integer.
    Int(i64),
    /// A number.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// A string.
    Str(String),
    /// A list.
    List(Vec<Param>),
}
