//! The `proxy` evaluator: a train-free score of each architecture at initialisation (NASWOT,
//! NTK, linear regions, SynFlow, SNIP, grad_norm, params, FLOPs) as the reward, and, when a
//! table is named, the table's column for the same architecture as the report, so that a
//! train-free search on a tabular benchmark says what it found.

use super::evaluator::{Evaluator, Outcome};
use super::table::TableEvaluator;
use crate::compile::catalog::NetworkSize;
use crate::space::{Architecture, Space};
use crate::trainfree::builders::ArchBuilder;
use crate::trainfree::proxy::{score, Proxy, ProxyData};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The `proxy` evaluator.
pub struct ProxyEvaluator {
    space: Arc<Space>,
    proxy: Proxy,
    /// The proxies' inputs; the lock also serialises scoring, since a score seeds libtorch's
    /// global generator before it initialises its network.
    data: Mutex<ProxyData>,
    size: NetworkSize,
    report: Option<TableEvaluator>,
    seed: u64,
}

impl ProxyEvaluator {
    /// Scores architectures (found in `space`, lowered at the size they are scored at, by
    /// their canonical text) at `size` with `proxy` on `data`; `report`, when
    /// given, is a table whose reward column is reported. Every network is initialised from
    /// `seed`, so that architectures are compared at the same initialisation seed.
    pub fn new(
        space: Arc<Space>,
        proxy: Proxy,
        data: ProxyData,
        size: NetworkSize,
        report: Option<TableEvaluator>,
        seed: u64,
    ) -> ProxyEvaluator {
        ProxyEvaluator {
            space,
            proxy,
            data: Mutex::new(data),
            size,
            report,
            seed,
        }
    }
}

impl Evaluator for ProxyEvaluator {
    fn name(&self) -> &str {
        "proxy"
    }

    fn evaluate(
        &self,
        run: u64,
        key: &str,
        arch: &Architecture,
        _fidelity: Option<f64>,
    ) -> Result<Outcome, String> {
        let started = Instant::now();
        let sized = self.space.decode(key).map_err(|e| e.to_string())?;
        let report = match &self.report {
            Some(table) => Some(table.evaluate(run, key, arch, None)?.reward),
            None => None,
        };
        let builder = ArchBuilder {
            space: &self.space,
            arch: &sized,
            size: self.size,
        };
        let data = self
            .data
            .lock()
            .map_err(|_| "the proxy's data is unavailable".to_string())?;
        let scored = catch_unwind(AssertUnwindSafe(|| {
            score(self.proxy, &builder, &data, self.seed as i64)
        }))
        .unwrap_or_else(|_| Err(format!("{} stopped unexpectedly", self.proxy.name())))?;
        drop(data);
        if !scored.is_finite() {
            return Err(format!(
                "{} is {scored} for this network (a degenerate network, e.g. one whose cell output does not depend on its input)",
                self.proxy.name()
            ));
        }
        Ok(Outcome {
            reward: scored,
            report,
            cost: started.elapsed().as_secs_f64(),
            weights: None,
        })
    }

    fn simulated(&self) -> bool {
        false
    }

    fn fidelities(&self) -> Vec<f64> {
        Vec::new()
    }

    fn network(&self) -> Option<crate::search::store::NetworkInfo> {
        None
    }
}
