//! The objectives after the first (`objective maximize valid_acc, minimize params`): metrics
//! computed from an architecture without training it, for every evaluator. The network the
//! evaluator scores (the space at the size it trains or looks up, on its data's input) is
//! built by the compiler, once per architecture, and counted by the compiler's own counters:
//! [`parameter_count`] (equal to PyTorch's) and [`shape_and_macs`] (NAS-Bench-201's FLOPs),
//! as `nas params` counts them; `latency` times its forward pass on a batch (`latency batch:
//! N`, else 1) on the current device (CUDA when there is one, else the CPU at libtorch's
//! thread count; the median of [`latency::RUNS`] passes after [`latency::WARMUP`], as the
//! latency table times an op), and keeps the timing in that table, by device, network and
//! shape, for every later run; `latency_lut` is the latency table's prediction, the sum of
//! the chosen ops' latencies (`oneshot::latency`, the table ProxylessNAS and FBNet read, on
//! disk and shared with them), for spaces the supernet takes. Each is kept per architecture
//! for the run.
//!
//! The same counts check the resource bounds (`where params < 5M`) through [`Counter`], the
//! space's [`Measure`]. Building initialises weights from libtorch's global generator, which
//! training also draws from; counting saves and restores the CPU generator around the build.
//! The runner measures an architecture in the worker thread before the evaluator trains it
//! ([`Measuring`]); a table or a remote worker trains nothing here, and the session measures
//! at the end of the trial.

use super::evaluator::{Evaluator, Outcome};
use super::prepare::digest;
use super::store::NetworkInfo;
use crate::compile::catalog::{build_arch, NetworkSize};
use crate::compile::layer::Layer;
use crate::compile::{parameter_count, shape_and_macs};
use crate::oneshot::latency::{self, LatencyKey, LatencyTable};
use crate::oneshot::rows::Rows;
use crate::oneshot::Supernet;
use crate::space::{ArchMetric, Architecture, InputShape, Measure, Space};
use crate::train::generator;
use nas_lang::experiment::{ExtraObjective, Formula};
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
    /// Milliseconds of a forward pass on one example.
    latency: Option<f64>,
}

/// What a build measures besides the parameters.
#[derive(Debug, Clone, Copy, Default)]
struct Wanted {
    flops: bool,
    latency: bool,
}

impl Wanted {
    /// What measuring `metrics` needs built.
    fn of(metrics: impl IntoIterator<Item = ArchMetric>) -> Wanted {
        metrics.into_iter().fold(Wanted::default(), |w, m| Wanted {
            flops: w.flops || m == ArchMetric::Flops,
            latency: w.latency || m == ArchMetric::Latency,
        })
    }

    /// What `counts` lacks of it.
    fn missing_from(self, counts: &Counts) -> Wanted {
        Wanted {
            flops: self.flops && counts.flops.is_none(),
            latency: self.latency && counts.latency.is_none(),
        }
    }

    fn any(self) -> bool {
        self.flops || self.latency
    }
}

/// The latency table's view of the scored network: its supernet's rows and each row's ops'
/// latencies (summed over every place the row runs).
struct LutCosts {
    rows: Rows,
    costs: Vec<Vec<f64>>,
}

/// Builds and counts the networks of one scored network's architectures, once each: what
/// the objectives after the first report and what the resource bounds (`where params < 5M`)
/// compare, so both read the same numbers from one cache.
pub struct Counter {
    network: ScoredNetwork,
    /// The space whose canonical strings key the cache (the searched one).
    keys: Arc<Space>,
    cache: Mutex<HashMap<String, Result<Counts, String>>>,
    /// The latency table's costs, read or measured at the first `latency_lut`.
    lut: Mutex<Option<Result<Arc<LutCosts>, String>>>,
    /// How `latency` and `latency_lut` are measured, and the table whole networks' timings
    /// are kept in.
    timing: Timing,
}

impl Counter {
    /// Counts the networks of `network`, keyed by canonical strings of `keys`, timing them
    /// (`latency`, `latency_lut`) on batches of `batch` examples.
    pub fn new(network: ScoredNetwork, keys: Arc<Space>, batch: i64) -> Counter {
        Counter {
            network,
            keys,
            cache: Mutex::new(HashMap::new()),
            lut: Mutex::new(None),
            timing: Timing {
                batch,
                table: Mutex::new(None),
            },
        }
    }

    /// The counts of `arch` (canonical string `key`), with what `wanted` names; built and
    /// measured once per architecture (a later build adds only what an earlier one lacked).
    fn counts(&self, key: &str, arch: &Architecture, wanted: Wanted) -> Result<Counts, String> {
        let cached = self.cache.lock().ok().and_then(|c| c.get(key).cloned());
        let counted = match cached {
            Some(Err(e)) => return Err(e),
            Some(Ok(c)) => {
                let missing = wanted.missing_from(&c);
                if !missing.any() {
                    return Ok(c);
                }
                count(&self.network, arch, missing, &self.timing).map(|new| Counts {
                    params: c.params,
                    flops: c.flops.or(new.flops),
                    latency: c.latency.or(new.latency),
                })
            }
            None => count(&self.network, arch, wanted, &self.timing),
        };
        if let Ok(mut c) = self.cache.lock() {
            c.insert(key.to_string(), counted.clone());
        }
        counted
    }

    /// `metric` of `arch` (canonical string `key`).
    fn value(&self, key: &str, arch: &Architecture, metric: ArchMetric) -> Result<f64, String> {
        if metric == ArchMetric::LatencyLut {
            let lut = self.lut_costs()?;
            return latency::path_latency(&lut.rows, &lut.costs, arch)
                .map_err(|e| format!("cannot look the architecture up in the latency table: {e}"));
        }
        let counts = self.counts(key, arch, Wanted::of([metric]))?;
        Ok(match metric {
            ArchMetric::Params => counts.params as f64,
            ArchMetric::Flops => counts.flops.unwrap_or_default() as f64,
            ArchMetric::Latency | ArchMetric::LatencyLut => counts.latency.unwrap_or_default(),
        })
    }

    /// The latency table's costs for the scored network's supernet: read from the table on
    /// disk, the ops it lacks timed on the current device and stored; once per run.
    fn lut_costs(&self) -> Result<Arc<LutCosts>, String> {
        let mut slot = self
            .lut
            .lock()
            .map_err(|_| "the latency table is unavailable".to_string())?;
        slot.get_or_insert_with(|| lut_costs(&self.network, self.timing.batch).map(Arc::new))
            .clone()
    }
}

/// The device `latency` and `latency_lut` are measured on: CUDA when there is one.
fn timing_device() -> Device {
    Device::cuda_if_available()
}

/// How `latency` is measured: the batch, and the latency table (on disk, shared with
/// ProxylessNAS and FBNet) that keeps each whole network's timing by device, network and
/// input shape, read at the first timing. A network timed once on this device, by any run,
/// is not timed again: every run and every strategy sees the same number for it.
struct Timing {
    batch: i64,
    table: Mutex<Option<Result<LatencyTable, String>>>,
}

impl Timing {
    /// The milliseconds of `net`'s forward pass on `x` (on `device`): the table's, else timed
    /// now and added to it. The network is known by a digest of its description (every op,
    /// its settings and parts), so two architectures that build the same network share it.
    fn latency(&self, net: &dyn Layer, x: &Tensor, device: Device) -> Result<f64, String> {
        let mut slot = self
            .table
            .lock()
            .map_err(|_| "the latency table is unavailable".to_string())?;
        let table = slot
            .get_or_insert_with(|| {
                LatencyTable::load(&latency::default_path()).map_err(|e| e.to_string())
            })
            .as_mut()
            .map_err(|e| e.clone())?;
        let dims = x.size();
        let mut shape = [1i64; 4];
        for (slot, d) in shape.iter_mut().zip(&dims) {
            *slot = *d;
        }
        let key = LatencyKey {
            device: latency::device_key(device),
            op: format!("network {}", digest(&format!("{:?}", net.describe()))),
            shape,
        };
        table
            .get_or_measure_appending(key, || Ok(latency::time_forward(net, x, device)?))
            .map_err(|e| format!("cannot time the network: {e}"))
    }
}

/// Builds the supernet of `network`'s space and reads (or times and stores) each of its
/// ops' latencies at `batch`, leaving libtorch's generators as they were.
fn lut_costs(network: &ScoredNetwork, batch: i64) -> Result<LutCosts, String> {
    if network.input.kind != "image" {
        return Err(format!(
            "`latency_lut` needs a space of images, whose ops the latency table times; this one's input is a {}",
            network.input.kind
        ));
    }
    let device = timing_device();
    let fail = |e: crate::oneshot::OneShotError| {
        format!("`latency_lut` needs the space's supernet and its latency table: {e}")
    };
    generator::keeping_state(device, || {
        let net = Supernet::new(
            &network.space,
            network.input.dims[0],
            device,
            tch::Kind::Float,
            0,
        )?;
        let mut table = LatencyTable::load(&latency::default_path())?;
        let costs = latency::op_latencies(&net, &network.input.dims, batch, &mut table)?;
        Ok(LutCosts {
            rows: net.rows().clone(),
            costs,
        })
    })
    .map_err(fail)
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
    space.with_measure(Arc::new(Counter::new(network, keys, 1)))
}

/// The objectives after the first, and the metrics a formula objective names, read from a
/// [`Counter`].
pub struct Objectives {
    counter: Arc<Counter>,
    wanted: Vec<ExtraObjective>,
    formula: Option<Formula>,
}

/// A finished trial's reward and the metrics kept with it, by name.
pub type Scored = (f64, BTreeMap<String, f64>);

impl Objectives {
    /// Measures `wanted`, and what `formula` (the first objective, when it is one) names,
    /// with `counter`.
    pub fn new(
        counter: Arc<Counter>,
        wanted: Vec<ExtraObjective>,
        formula: Option<Formula>,
    ) -> Objectives {
        Objectives {
            counter,
            wanted,
            formula,
        }
    }

    /// The objectives measured, in the order the experiment names them.
    pub fn wanted(&self) -> &[ExtraObjective] {
        &self.wanted
    }

    /// Every metric measured: the objectives after the first, then the formula's others.
    fn metrics(&self) -> Vec<ArchMetric> {
        let mut metrics: Vec<ArchMetric> = self.wanted.iter().map(|o| o.metric).collect();
        for m in self.formula.iter().flat_map(|f| f.arch_metrics()) {
            if !metrics.contains(m) {
                metrics.push(*m);
            }
        }
        metrics
    }

    /// The value of every metric measured for `arch` (canonical string `key`), by name;
    /// built and counted once per architecture.
    pub fn measure(&self, key: &str, arch: &Architecture) -> Result<BTreeMap<String, f64>, String> {
        let metrics = self.metrics();
        // One build measures everything wanted.
        self.counter
            .counts(key, arch, Wanted::of(metrics.iter().copied()))?;
        metrics
            .iter()
            .map(|&m| Ok((m.name().to_string(), self.counter.value(key, arch, m)?)))
            .collect()
    }

    /// The reward of a trial of `arch` whose evaluator measured `measured`, and the metrics
    /// kept with it: with a formula objective, its value, and the evaluator's metric kept
    /// beside the others under its name; else `measured` itself. A formula whose value is
    /// not finite fails the trial, with the values it was given.
    pub fn score(&self, key: &str, arch: &Architecture, measured: f64) -> Result<Scored, String> {
        let mut metrics = self.measure(key, arch)?;
        let Some(formula) = &self.formula else {
            return Ok((measured, metrics));
        };
        let value = formula.value(measured, &|m| {
            metrics.get(m.name()).copied().unwrap_or(f64::NAN)
        });
        let (name, _) = formula.measured();
        metrics.insert(name.to_string(), measured);
        if !value.is_finite() {
            let given: Vec<String> = metrics.iter().map(|(k, v)| format!("{k} = {v}")).collect();
            return Err(format!(
                "the objective `{}` is {value} where {}",
                formula.text(),
                given.join(", ")
            ));
        }
        Ok((value, metrics))
    }
}

/// Builds `arch` of `network` and counts its parameters, and what `wanted` names: its MACs on
/// one example, its latency on one example (built on the timing device for that, else on
/// the CPU). libtorch's generators, which initialising the weights draws from, are put back
/// as they were, so that measuring (in the strategy's thread, for a resource bound) changes
/// no draw of the search's, and a cold cache gives the run a warm one gives.
fn count(
    network: &ScoredNetwork,
    arch: &Architecture,
    wanted: Wanted,
    timing: &Timing,
) -> Result<Counts, String> {
    let device = match wanted.latency {
        true => timing_device(),
        false => Device::Cpu,
    };
    generator::keeping_state(device, || {
        Ok(count_drawing(network, arch, wanted, (device, timing)))
    })
    .map_err(|e: tch::TchError| format!("after counting a network: {e}"))?
}

/// [`count`] on `device`, drawing from the generator.
fn count_drawing(
    network: &ScoredNetwork,
    arch: &Architecture,
    wanted: Wanted,
    (device, timing): (Device, &Timing),
) -> Result<Counts, String> {
    let _no_grad = tch::no_grad_guard();
    let vs = nn::VarStore::new(device);
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
    let example = |batch: i64| {
        let mut shape = vec![batch];
        if image {
            shape.extend(&network.input.dims);
            Tensor::zeros(shape.as_slice(), (Kind::Float, device))
        } else {
            shape.push(network.input.dims.first().copied().unwrap_or(1));
            Tensor::zeros(shape.as_slice(), (Kind::Int64, device))
        }
    };
    let flops = match wanted.flops {
        true => Some(
            shape_and_macs(net.as_ref(), &example(1))
                .map_err(|e| format!("cannot count the network's FLOPs: {e}"))?
                .1,
        ),
        false => None,
    };
    let latency = match wanted.latency {
        true => Some(timing.latency(net.as_ref(), &example(timing.batch), device)?),
        false => None,
    };
    Ok(Counts {
        params,
        flops,
        latency,
    })
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
