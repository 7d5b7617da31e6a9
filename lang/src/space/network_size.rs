//! The size of a network as a command or an experiment asks for it.

/// The size of a network: what a space's parameters set (absent: the space's defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NetworkSize {
    /// Channels of the first stage: the space parameter `c`.
    pub channels: Option<i64>,
    /// Cells per stage: the space parameter `n` (or `cells`).
    pub cells: Option<usize>,
    /// Output classes: the space parameter `classes`.
    pub classes: Option<i64>,
    /// Channels of the input images (absent: the space's `input` shape, else 3).
    pub in_channels: Option<i64>,
}
