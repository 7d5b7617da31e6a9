//! Op latencies for ProxylessNAS' expected-latency loss: every candidate op of the supernet
//! is timed on the device the search runs on, at the input shape it sees where it runs, and
//! kept in a table on disk keyed by device, op spec and shape, so later searches on the same
//! device reuse the measurements.
//!
//! The table is a CSV file `device,op,shape,ms` (`op` the spec as built, which may itself
//! hold commas, or `network DIGEST` for a whole network's forward pass, which
//! `search::arch_metrics` times for the `latency` metric and appends one line at a time;
//! `shape` as `BxCxHxW`), by default
//! `latency.csv` in [`crate::paths::cache_dir`]. A device is `cpu/threads=N` (libtorch's
//! intra-op threads at measuring time) or `cuda:I`. A time is the median over
//! [`RUNS`] forward passes in inference mode (batch norm with running statistics, no
//! gradient) after [`WARMUP`] passes, in milliseconds.

use super::rows::Rows;
use super::supernet::Supernet;
use super::OneShotError;
use crate::compile::layer::Layer;
use crate::compile::named::build_named;
use crate::space::Architecture;
use crate::train::generator;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;
use tch::{nn, Device, Kind, TchError, Tensor};

/// The table file's first line.
const HEADER: &str = "device,op,shape,ms\n";

/// Timed forward passes per measurement.
pub const RUNS: usize = 30;
/// Untimed forward passes before them.
pub const WARMUP: usize = 5;

/// What a latency is measured for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LatencyKey {
    /// The device, as [`device_key`] names it.
    pub device: String,
    /// The op's spec as built (its `Debug` form).
    pub op: String,
    /// The input's shape `[B, C, H, W]`.
    pub shape: [i64; 4],
}

impl LatencyKey {
    fn shape_text(&self) -> String {
        self.shape.map(|d| d.to_string()).join("x")
    }
}

/// The name of `device` in the table: `cpu/threads=N` or `cuda:I`.
pub fn device_key(device: Device) -> String {
    match device {
        Device::Cuda(i) => format!("cuda:{i}"),
        Device::Mps => "mps".to_string(),
        Device::Vulkan => "vulkan".to_string(),
        Device::Cpu => format!("cpu/threads={}", tch::get_num_threads()),
    }
}

/// A latency table read from (and written back to) one file.
#[derive(Debug)]
pub struct LatencyTable {
    path: PathBuf,
    entries: BTreeMap<LatencyKey, f64>,
    dirty: bool,
}

impl LatencyTable {
    /// The table in `path`; empty when the file does not exist yet.
    pub fn load(path: &Path) -> Result<LatencyTable, OneShotError> {
        let mut entries = BTreeMap::new();
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => {
                return Err(OneShotError::Config(format!(
                    "cannot read the latency table {}: {e}",
                    path.display()
                )))
            }
        };
        for (n, line) in text.lines().enumerate().skip(1) {
            let bad = || {
                OneShotError::Config(format!(
                    "{}:{}: a latency row is `device,op,BxCxHxW,ms`, not `{line}` (delete the file to measure again)",
                    path.display(),
                    n + 1
                ))
            };
            let (device, rest) = line.split_once(',').ok_or_else(bad)?;
            let mut tail = rest.rsplitn(3, ',');
            let (Some(ms), Some(shape), Some(op)) = (tail.next(), tail.next(), tail.next()) else {
                return Err(bad());
            };
            let dims: Vec<i64> = shape
                .split('x')
                .map(str::parse)
                .collect::<Result<_, _>>()
                .map_err(|_| bad())?;
            let shape: [i64; 4] = dims.try_into().map_err(|_| bad())?;
            let ms: f64 = ms.parse().map_err(|_| bad())?;
            let key = LatencyKey {
                device: device.to_string(),
                op: op.to_string(),
                shape,
            };
            entries.insert(key, ms);
        }
        Ok(LatencyTable {
            path: path.to_path_buf(),
            entries,
            dirty: false,
        })
    }

    /// The file it reads and writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The number of measurements it holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The stored latency of `key`, in milliseconds.
    pub fn get(&self, key: &LatencyKey) -> Option<f64> {
        self.entries.get(key).copied()
    }

    /// The latency of `key`: the stored one, else `measure()`'s, which is stored.
    pub fn get_or_measure(
        &mut self,
        key: LatencyKey,
        measure: impl FnOnce() -> Result<f64, OneShotError>,
    ) -> Result<f64, OneShotError> {
        if let Some(ms) = self.get(&key) {
            return Ok(ms);
        }
        let ms = measure()?;
        self.entries.insert(key, ms);
        self.dirty = true;
        Ok(ms)
    }

    /// The latency of `key`: the stored one, else `measure()`'s, which is appended to the file
    /// at once (one line, so that processes timing side by side lose nothing and a killed run
    /// keeps what it measured); for whole networks, which a search times one by one.
    pub fn get_or_measure_appending(
        &mut self,
        key: LatencyKey,
        measure: impl FnOnce() -> Result<f64, OneShotError>,
    ) -> Result<f64, OneShotError> {
        if let Some(ms) = self.get(&key) {
            return Ok(ms);
        }
        let ms = measure()?;
        let fail = |e: std::io::Error| {
            OneShotError::Config(format!(
                "cannot add to the latency table {}: {e}",
                self.path.display()
            ))
        };
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(fail)?;
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(fail)?;
        let mut line = String::new();
        if file.metadata().map_err(fail)?.len() == 0 {
            line.push_str(HEADER);
        }
        line.push_str(&format!(
            "{},{},{},{ms}\n",
            key.device,
            key.op,
            key.shape_text()
        ));
        file.write_all(line.as_bytes()).map_err(fail)?;
        self.entries.insert(key, ms);
        Ok(ms)
    }

    /// Writes the table back when it gained measurements (to a temporary file renamed over
    /// the old one, creating the folder).
    pub fn save(&mut self) -> Result<(), OneShotError> {
        if !self.dirty {
            return Ok(());
        }
        let fail = |e: std::io::Error| {
            OneShotError::Config(format!(
                "cannot write the latency table {}: {e}",
                self.path.display()
            ))
        };
        let mut text = String::from(HEADER);
        for (key, ms) in &self.entries {
            text.push_str(&format!(
                "{},{},{},{ms}\n",
                key.device,
                key.op,
                key.shape_text()
            ));
        }
        crate::paths::write_atomic(&self.path, text.as_bytes()).map_err(fail)?;
        self.dirty = false;
        Ok(())
    }
}

/// The default table file: `latency.csv` in the cache folder.
pub fn default_path() -> PathBuf {
    crate::paths::cache_dir().join("latency.csv")
}

/// The median time in milliseconds of `layer`'s forward pass on random input of `shape` on
/// `device` (inference mode, no gradient), after [`WARMUP`] untimed passes.
pub fn measure(layer: &dyn Layer, shape: [i64; 4], device: Device) -> Result<f64, OneShotError> {
    let x = Tensor::f_randn(shape, (Kind::Float, device))?;
    Ok(time_forward(layer, &x, device)?)
}

/// The median time in milliseconds of `layer`'s forward pass on `x` (on `device`) in
/// inference mode without gradients, over [`RUNS`] passes after [`WARMUP`] untimed ones.
pub fn time_forward(layer: &dyn Layer, x: &Tensor, device: Device) -> Result<f64, TchError> {
    let _guard = tch::no_grad_guard();
    let sync = || {
        if let Device::Cuda(i) = device {
            tch::Cuda::synchronize(i as i64);
        }
    };
    for _ in 0..WARMUP {
        let _ = layer.forward(x, false)?;
    }
    sync();
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let t0 = Instant::now();
        let y = layer.forward(x, false)?;
        sync();
        times.push(t0.elapsed().as_secs_f64() * 1e3);
        drop(y);
    }
    times.sort_by(f64::total_cmp);
    Ok(times[RUNS / 2])
}

/// Each row's ops' latencies, in milliseconds summed over every place the row runs (a row
/// shared by several cells counts in each; zero ops, never computed, 0), for images of
/// `image` (`[C, H, W]`) in batches of `batch`: looked up in `table`, or measured on the
/// supernet's device (a fresh op at the shape it sees there, on `C/K` channels with partial
/// channels) and stored; the table is saved when it gained rows. Measuring leaves libtorch's
/// random generators where they were, so a seeded search draws the same numbers whether the
/// table was cached or not.
pub fn op_latencies(
    net: &Supernet,
    image: &[i64],
    batch: i64,
    table: &mut LatencyTable,
) -> Result<Vec<Vec<f64>>, OneShotError> {
    let device = net.device();
    let name = device_key(device);
    let rows = net.rows().rows();
    let mut totals: Vec<Vec<f64>> = rows.iter().map(|r| vec![0.0; r.labels.len()]).collect();
    for (r, alts) in net.op_inputs(image, batch)? {
        for (k, (spec, shape)) in alts.iter().enumerate() {
            if rows[r].zero.get(k).copied().unwrap_or(true) {
                continue;
            }
            let key = LatencyKey {
                device: name.clone(),
                op: format!("{spec:?}"),
                shape: *shape,
            };
            totals[r][k] += table.get_or_measure(key, || {
                generator::keeping_state(device, || {
                    let vs = nn::VarStore::new(device);
                    let (layer, _) = build_named(spec, &vs.root(), shape[1])?;
                    measure(layer.as_ref(), *shape, device)
                })
            })?;
        }
    }
    table.save()?;
    Ok(totals)
}

/// The table's prediction for `arch` (an architecture of the space whose supernet has
/// `rows`): the latencies in `costs` (per row and op, as [`op_latencies`] gives them) of the
/// ops its single path runs, summed; what ProxylessNAS and FBNet assume a network costs.
pub fn path_latency(
    rows: &Rows,
    costs: &[Vec<f64>],
    arch: &Architecture,
) -> Result<f64, OneShotError> {
    let path = rows.path_mix(arch)?;
    Ok(path
        .iter()
        .zip(costs)
        .map(|(terms, row)| terms.iter().filter_map(|t| row.get(t.op)).sum::<f64>())
        .sum())
}

/// `costs` as a `[rows, width]` tensor of α's kind and device (padding 0).
pub fn cost_tensor(alpha: &Tensor, costs: &[Vec<f64>]) -> Result<Tensor, TchError> {
    let width = alpha.size().last().copied().unwrap_or(0) as usize;
    let mut flat = Vec::with_capacity(costs.len() * width);
    for row in costs {
        flat.extend((0..width).map(|k| row.get(k).copied().unwrap_or(0.0)));
    }
    Tensor::f_from_slice(&flat)?
        .f_view([costs.len() as i64, width as i64])?
        .f_to_kind(alpha.kind())?
        .f_to_device(alpha.device())
}

/// `Σ_r Σ_k softmax(α + mask)_rk · costs_rk`: the expected latency of the network under α,
/// with `costs_rk` row `r`'s op `k`'s latency summed over every place the row runs;
/// differentiable in α.
pub fn expected_latency(
    alpha: &Tensor,
    mask: Option<&Tensor>,
    costs: &Tensor,
) -> Result<Tensor, TchError> {
    let logits = match mask {
        Some(m) => alpha.f_add(m)?,
        None => alpha.shallow_clone(),
    };
    logits
        .f_softmax(-1, alpha.kind())?
        .f_mul(costs)?
        .f_sum(alpha.kind())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::structural::Identity;

    #[test]
    fn the_table_round_trips_through_its_file_and_measures_only_what_it_lacks() {
        let _generator = crate::test_generator();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/latency.csv");
        let mut table = LatencyTable::load(&path).unwrap();
        assert!(table.is_empty());
        let key = LatencyKey {
            device: "cpu/threads=1".to_string(),
            op: "nor_conv_3x3".to_string(),
            shape: [1, 8, 28, 28],
        };
        assert_eq!(
            table.get_or_measure(key.clone(), || Ok(0.25)).unwrap(),
            0.25
        );
        // Stored: the measurement is not repeated.
        let again = table.get_or_measure(key.clone(), || panic!("measured twice"));
        assert_eq!(again.unwrap(), 0.25);
        table.save().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "device,op,shape,ms\ncpu/threads=1,nor_conv_3x3,1x8x28x28,0.25\n"
        );
        let back = LatencyTable::load(&path).unwrap();
        assert_eq!(back.get(&key), Some(0.25));
        let other = LatencyKey {
            shape: [1, 16, 14, 14],
            ..key.clone()
        };
        assert_eq!(back.get(&other), None);
        // An op spec may hold commas: the columns are the first and the last two.
        let spec = LatencyKey {
            op: "Pool { kind: Avg, kernel: 3, stride: 1, c_out: None }".to_string(),
            ..key.clone()
        };
        let mut table = LatencyTable::load(&path).unwrap();
        table.get_or_measure(spec.clone(), || Ok(0.5)).unwrap();
        table.save().unwrap();
        assert_eq!(LatencyTable::load(&path).unwrap().get(&spec), Some(0.5));
        std::fs::write(&path, "device,op,shape,ms\ncpu,skip,1x2x3,0.1\n").unwrap();
        let err = LatencyTable::load(&path).unwrap_err().to_string();
        assert!(err.contains("latency.csv:2"), "{err}");
    }

    #[test]
    fn measuring_gives_a_positive_time_and_expected_latency_weighs_by_softmax() {
        let _generator = crate::test_generator();
        let ms = measure(&Identity, [1, 2, 4, 4], Device::Cpu).unwrap();
        assert!(ms >= 0.0 && ms.is_finite());
        assert!(device_key(Device::Cpu).starts_with("cpu/threads="));
        let alpha = Tensor::from_slice(&[0.0f64, 0.0, 0.0, 0.0, 0.0])
            .repeat([6, 1])
            .set_requires_grad(true);
        let costs = cost_tensor(&alpha, &vec![vec![0.0, 1.0, 2.0, 3.0, 4.0]; 6]).unwrap();
        let e = expected_latency(&alpha, None, &costs).unwrap();
        assert!((e.double_value(&[]) - 6.0 * 2.0).abs() < 1e-12);
        let g = Tensor::run_backward(&[e], &[&alpha], false, false);
        // Raising a costly op's α raises the expectation.
        assert!(g[0].double_value(&[0, 4]) > 0.0 && g[0].double_value(&[0, 0]) < 0.0);
    }
}
