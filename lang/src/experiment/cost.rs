//! How a table evaluation's simulated cost is found, as an experiment writes it.

/// How a table evaluation's simulated cost (seconds at full fidelity) is found.
#[derive(Debug, Clone, PartialEq)]
pub enum CostModel {
    /// The same cost for every architecture.
    Constant(f64),
    /// A column of the table holds it.
    Column(String),
    /// `base` plus a weight for every occurrence of an op name in the canonical string
    /// (a FLOPs-like model: e.g. 9 for a 3×3 convolution, 1 for a 1×1).
    OpWeights {
        /// Cost of the fixed part of the network.
        base: f64,
        /// Each op name's cost.
        weights: Vec<(String, f64)>,
    },
}
