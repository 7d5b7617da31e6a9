//! The objectives after the first (`objective maximize valid_acc, minimize params`): metrics
//! computed from an architecture without training it, for every evaluator. The network the
//! evaluator scores (the space at the size it trains or looks up, on its data's input) is
//! built on the CPU by the compiler, once per architecture, and counted by the compiler's own
//! counters: [`parameter_count`] (equal to PyTorch's) and [`shape_and_macs`] (NAS-Bench-201's
//! FLOPs), as `nas params` counts them.
//!
//! The same counts check the resource bounds (`where params < 5M`) through [`Counter`], the
//! space's [`Measure`]. Building initialises weights from libtorch's global generator, which
//! training also draws from; counting saves and restores the CPU generator around the build.
//! The runner measures an architecture in the worker thread before the evaluator trains it
//! ([`Measuring`]); a table or a remote worker trains nothing here, and the session measures
//! at the end of the trial.

use super::evaluator::{Evaluator, Outcome};
use super::store::NetworkInfo;
use crate::compile::catalog::{build_arch, NetworkSize};
use crate::compile::{parameter_count, shape_and_macs};
use crate::space::{ArchMetric, Architecture, InputShape, Measure, Space};
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

/// Builds and counts the networks of one scored network's architectures, once each: what
/// the objectives after the first report and what the resource bounds (`where params < 5M`)
/// compare, so both read the same numbers from one cache.
pub struct Counter {
    network: ScoredNetwork,
    /// The space whose canonical strings key the cache (the searched one).
    keys: Arc<Space>,
    cache: Mutex<HashMap<String, Result<Counts, String>>>,
}

impl Counter {
    /// Counts the networks of `network`, keyed by canonical strings of `keys`.
    pub fn new(network: ScoredNetwork, keys: Arc<Space>) -> Counter {
        Counter {
            network,
            keys,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The counts of `arch` (canonical string `key`), with its FLOPs when `flops`; built and
    /// counted once per architecture.
    fn counts(&self, key: &str, arch: &Architecture, flops: bool) -> Result<Counts, String> {
        let cached = self.cache.lock().ok().and_then(|c| c.get(key).cloned());
        match cached {
            Some(Ok(c)) if c.flops.is_some() || !flops => Ok(c),
            Some(Err(e)) => Err(e),
            _ => {
                let counted = count(&self.network, arch, flops);
                if let Ok(mut c) = self.cache.lock() {
                    c.insert(key.to_string(), counted.clone());
                }
                counted
            }
        }
    }

    /// `metric` of `arch` (canonical string `key`).
    fn value(&self, key: &str, arch: &Architecture, metric: ArchMetric) -> Result<f64, String> {
        let counts = self.counts(key, arch, metric == ArchMetric::Flops)?;
        Ok(match metric {
            ArchMetric::Params => counts.params as f64,
            ArchMetric::Flops => counts.flops.unwrap_or_default() as f64,
        })
    }
}

impl Measure for Counter {
    fn measure(&self, metric: ArchMetric, arch: &Architecture) -> Result<f64, String> {
        self.value(&self.keys.encode(arch), arch, metric)
    }
}

/// `space` with its resource bounds measured by a [`Counter`] of its own networks (on the
/// input it declares), as `nas count` and `nas sample` measure them.
pub fn measured(space: Space) -> Space {
    let keys = Arc::new(space.clone());
    let network = super::load_eval::scored(&keys, None);
    space.with_measure(Arc::new(Counter::new(network, keys)))
}

/// The objectives after the first, read from a [`Counter`].
pub struct Objectives {
    counter: Arc<Counter>,
    wanted: Vec<ExtraObjective>,
}

impl Objectives {
    /// Measures `wanted` with `counter`.
    pub fn new(counter: Arc<Counter>, wanted: Vec<ExtraObjective>) -> Objectives {
        Objectives { counter, wanted }
    }

    /// The objectives measured, in the order the experiment names them.
    pub fn wanted(&self) -> &[ExtraObjective] {
        &self.wanted
    }

    /// The value of every wanted metric for `arch` (canonical string `key`), by name; built
    /// and counted once per architecture.
    pub fn measure(&self, key: &str, arch: &Architecture) -> Result<BTreeMap<String, f64>, String> {
        let flops = self.wanted.iter().any(|o| o.metric == ArchMetric::Flops);
        // One build counts both, when FLOPs are wanted at all.
        self.counter.counts(key, arch, flops)?;
        self.wanted
            .iter()
            .map(|o| {
                let v = self.counter.value(key, arch, o.metric)?;
                Ok((o.metric.name().to_string(), v))
            })
            .collect()
    }
}

/// Builds `arch` of `network` on the CPU and counts its parameters (and its MACs on one
/// example, when `flops`). libtorch's CPU generator, which initialising the weights draws
/// from, is put back as it was, so that measuring (in the strategy's thread, for a resource
/// bound) changes no draw of the search's, and a cold cache gives the run a warm one gives.
fn count(network: &ScoredNetwork, arch: &Architecture, flops: bool) -> Result<Counts, String> {
    let saved = crate::train::generator::state(Device::Cpu);
    let counted = count_drawing(network, arch, flops);
    if let Ok(state) = saved {
        crate::train::generator::set_state(Device::Cpu, &state)
            .map_err(|e| format!("after counting a network: {e}"))?;
    }
    counted
}

/// [`count`], drawing from the generator.
fn count_drawing(
    network: &ScoredNetwork,
    arch: &Architecture,
    flops: bool,
) -> Result<Counts, String> {
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
        run: u64,
        key: &str,
        arch: &Architecture,
        fidelity: Option<f64>,
    ) -> Result<Outcome, String> {
        // A failure is cached, and the session fails the trial with it.
        let _ = self.objectives.measure(key, arch);
        self.inner.evaluate(run, key, arch, fidelity)
    }

    fn continues(&self) -> bool {
        self.inner.continues()
    }

    fn evaluate_from(
        &self,
        run: u64,
        key: &str,
        arch: &Architecture,
        fidelity: Option<f64>,
        from: &[Option<f64>],
    ) -> Result<Outcome, String> {
        let _ = self.objectives.measure(key, arch);
        self.inner.evaluate_from(run, key, arch, fidelity, from)
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
