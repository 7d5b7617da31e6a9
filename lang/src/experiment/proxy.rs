//! The train-free proxies by name (the engine's `trainfree` scores them).

/// A train-free score of an architecture at initialisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Proxy {
    /// NASWOT's log-determinant of the activation-code kernel (higher is better).
    Naswot,
    /// TE-NAS's NTK condition number (lower is better).
    Ntk,
    /// TE-NAS's number of linear regions, averaged over initialisations (higher is better).
    LinearRegions,
    /// SynFlow (data-free, higher is better).
    Synflow,
    /// SNIP's total connection sensitivity.
    Snip,
    /// The sum of per-tensor gradient norms.
    GradNorm,
    /// The number of trainable parameters.
    Params,
    /// Multiply–accumulate operations of one forward pass on one input.
    Flops,
}

impl Proxy {
    /// Every proxy, in the order reports list them.
    pub const ALL: [Proxy; 8] = [
        Proxy::Naswot,
        Proxy::Ntk,
        Proxy::LinearRegions,
        Proxy::Synflow,
        Proxy::Snip,
        Proxy::GradNorm,
        Proxy::Params,
        Proxy::Flops,
    ];

    /// The proxy's name on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Proxy::Naswot => "naswot",
            Proxy::Ntk => "ntk",
            Proxy::LinearRegions => "linear_regions",
            Proxy::Synflow => "synflow",
            Proxy::Snip => "snip",
            Proxy::GradNorm => "grad_norm",
            Proxy::Params => "params",
            Proxy::Flops => "flops",
        }
    }

    /// The proxy called `name`.
    pub fn from_name(name: &str) -> Option<Proxy> {
        Proxy::ALL.into_iter().find(|p| p.name() == name)
    }
}
