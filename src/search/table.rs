//! The table evaluator: an experiment's table (read and looked up by the front end,
//! `nas_lang::experiment::table`) answering a strategy's evaluations as an [`Evaluator`].

use super::evaluator::{Evaluator, Outcome};
use crate::space::Architecture;
pub use nas_lang::experiment::table::{
    op_weight_sum, CostModel, Lookup, Table as TableEvaluator, TableConfig, FIDELITY_SLOT,
};

impl Evaluator for TableEvaluator {
    fn name(&self) -> &str {
        "table"
    }

    fn evaluate(
        &self,
        _run: u64,
        key: &str,
        _arch: &Architecture,
        fidelity: Option<f64>,
    ) -> Result<Outcome, String> {
        let Lookup {
            reward,
            report,
            cost,
        } = self.lookup(key, fidelity)?;
        Ok(Outcome {
            reward,
            report,
            cost,
            weights: None,
        })
    }

    fn simulated(&self) -> bool {
        true
    }

    fn fidelities(&self) -> Vec<f64> {
        TableEvaluator::fidelities(self)
    }

    fn network(&self) -> Option<crate::search::store::NetworkInfo> {
        None
    }
}
