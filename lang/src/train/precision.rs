//! The reduced precisions a network may train in (the engine's `train::amp` runs them under
//! libtorch's autocast).

/// The reduced precision of an autocast region. Matmuls and convolutions run in it; libtorch
/// keeps reductions, losses and normalisation statistics in float32.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// bfloat16: float32's range, so gradients need no scaling (Ampere GPUs and later; recent
    /// CPUs with AVX-512 BF16 or AMX).
    Bf16,
    /// float16: a narrow range, so training scales the loss (see [`LossScaler`]).
    Fp16,
}

impl Precision {
    /// The precision a name denotes (`bf16`, `fp16`).
    pub fn parse(name: &str) -> Option<Precision> {
        match name {
            "bf16" | "bfloat16" => Some(Precision::Bf16),
            "fp16" | "float16" | "half" => Some(Precision::Fp16),
            _ => None,
        }
    }

    /// The short name.
    pub fn name(self) -> &'static str {
        match self {
            Precision::Bf16 => "bf16",
            Precision::Fp16 => "fp16",
        }
    }
}
