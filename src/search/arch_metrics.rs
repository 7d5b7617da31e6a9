//! The objectives after the first (`objective maximize valid_acc, minimize params`): metrics
//! computed from an architecture without training it, for every evaluator. The network the
//! evaluator scores (the space at the size it trains or looks up, on its data's input) is
//! built on the CPU by the compiler, once per architecture, and counted by the compiler's own
//! counters: [`parameter_count`] (equal to PyTorch's) and [`shape_and_macs`] (NAS-Bench-201's
//! FLOPs), as `nas params` counts them.
//!
//! Building initialises weights from libtorch's global generator, which training also draws
//! from. The runner measures an architecture in the worker thread before the evaluator
//! trains it ([`Measuring`]), so that a trainer's own seeding comes after; a table or a
//! remote worker trains nothing here, and the session measures at the end of the trial.

use super::evaluator::{Evaluator, Outcome};
use super::store::NetworkInfo;
use crate::compile::catalog::{build_arch, NetworkSize};
use crate::compile::{parameter_count, shape_and_macs};
use crate::space::{Architecture, InputShape, Space};
use nas_lang::experiment::metric::ArchMetric;
use nas_lang::experiment::ExtraObjective;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use tch::{nn, Device, Kind, Tensor};

/// The network an evaluator scores architectures as: the space at that size, and the input
/// of one example.
#[derive(Debug, Clone)]
pub struct ScoredNetwork {
    /// The space, lowered at the size the evaluator builds (or looks up) networks.
    pub space: Arc<Space>,
    /// One example's input (`image` channels × height × width, or `sequence` steps × 1).
    pub input: InputShape,
}

/// What one architecture's network counts.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Counts {
    params: i64,
    flops: Option<u64>,
}

/// The objectives after the first, with a cache of each architecture's counts.
pub struct Objectives {
    network: ScoredNetwork,
    wanted: Vec<ExtraObjective>,
    cache: Mutex<HashMap<String, Result<Counts, String>>>,
}

impl Objectives {
    /// Measures `wanted` on `network`.
    pub fn new(network: ScoredNetwork, wanted: Vec<ExtraObjective>) -> Objectives {
        Objectives {
            network,
            wanted,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The objectives measured, in the order the experiment names them.
    pub fn wanted(&self) -> &[ExtraObjective] {
        &self.wanted
    }

    /// The value of every wanted metric for `arch` (canonical string `key`), by name; built
    /// and counted once per architecture.
    pub fn measure(&self, key: &str, arch: &Architecture) -> Result<BTreeMap<String, f64>, String> {
        let flops = self.wanted.iter().any(|o| o.metric == ArchMetric::Flops);
        let cached = self.cache.lock().ok().and_then(|c| c.get(key).cloned());
        let counts = match cached {
            Some(Ok(c)) if c.flops.is_some() || !flops => Ok(c),
            Some(Err(e)) => Err(e),
            _ => {
                let counted = count(&self.network, arch, flops);
                if let Ok(mut c) = self.cache.lock() {
                    c.insert(key.to_string(), counted.clone());
                }
                counted
            }
        }?;
        Ok(self
            .wanted
            .iter()
            .map(|o| {
                let value = match o.metric {
                    ArchMetric::Params => counts.params as f64,
                    ArchMetric::Flops => counts.flops.unwrap_or_default() as f64,
                };
                (o.metric.name().to_string(), value)
            })
            .collect())
    }
}

/// Builds `arch` of `network` on the CPU and counts its parameters (and its MACs on one
/// example, when `flops`).
fn count(network: &ScoredNetwork, arch: &Architecture, flops: bool) -> Result<Counts, String> {
    let _no_grad = tch::no_grad_guard();
    let vs = nn::VarStore::new(Device::Cpu);
    let image = network.input.kind == "image";
    let size = NetworkSize {
        in_channels: network.input.dims.first().copied().filter(|_| image),
        ..NetworkSize::default()
    };
    let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        build_arch(&vs.root(), &network.space, arch, size)
    }))
    .map_err(|_| "building the network stopped unexpectedly".to_string())?;
    let net = built.map_err(|e| format!("cannot build the network to count it: {e}"))?;
    let params = parameter_count(&vs);
    let flops = if flops {
        let mut shape = vec![1];
        let x = if image {
            shape.extend(&network.input.dims);
            Tensor::zeros(shape.as_slice(), (Kind::Float, Device::Cpu))
        } else {
            shape.push(network.input.dims.first().copied().unwrap_or(1));
            Tensor::zeros(shape.as_slice(), (Kind::Int64, Device::Cpu))
        };
        let (_, macs) = shape_and_macs(net.as_ref(), &x)
            .map_err(|e| format!("cannot count the network's FLOPs: {e}"))?;
        Some(macs)
    } else {
        None
    };
    Ok(Counts { params, flops })
}

/// An evaluator that measures the objectives after the first before handing the
/// architecture to the evaluator it wraps (see the module's note on the generator); the
/// session reads the counts back from the cache.
pub struct Measuring {
    /// The evaluator wrapped.
    pub inner: Arc<dyn Evaluator>,
    /// The objectives measured.
    pub objectives: Arc<Objectives>,
}

impl Evaluator for Measuring {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn evaluate(
        &self,
        key: &str,
        arch: &Architecture,
        fidelity: Option<f64>,
    ) -> Result<Outcome, String> {
        // A failure is cached, and the session fails the trial with it.
        let _ = self.objectives.measure(key, arch);
        self.inner.evaluate(key, arch, fidelity)
    }

    fn continues(&self) -> bool {
        self.inner.continues()
    }

    fn evaluate_from(
        &self,
        key: &str,
        arch: &Architecture,
        fidelity: Option<f64>,
        from: &[Option<f64>],
    ) -> Result<Outcome, String> {
        let _ = self.objectives.measure(key, arch);
        self.inner.evaluate_from(key, arch, fidelity, from)
    }

    fn simulated(&self) -> bool {
        self.inner.simulated()
    }

    fn fidelities(&self) -> Vec<f64> {
        self.inner.fidelities()
    }

    fn network(&self) -> Option<NetworkInfo> {
        self.inner.network()
    }
}
