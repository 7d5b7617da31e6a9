//! Which augmentations image batches get, as settings: random crops from a zero-padded image
//! and random horizontal flips (the engine applies them, drawn from a seeded generator).

/// Which augmentations to apply to training batches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Augment {
    /// Pad each side by this many zero pixels and crop back to the original size at a random
    /// offset (0: no cropping).
    pub crop_padding: i64,
    /// Mirror each image left–right with probability ½.
    pub flip: bool,
}

impl Augment {
    /// Whether the augmentation changes anything.
    pub fn is_identity(&self) -> bool {
        self.crop_padding == 0 && !self.flip
    }
}
