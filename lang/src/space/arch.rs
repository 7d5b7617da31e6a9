//! Architectures: one value per decision of a space (`Off` for inactive decisions).

use super::decision::Value;
use super::error::SpaceError;
use super::ir::Space;
use serde::{Deserialize, Serialize};

/// An assignment of every active decision of a space, in the space's decision order. The
/// default is the architecture of a space without decisions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Architecture {
    values: Vec<Value>,
}

impl Architecture {
    /// An architecture from raw values, checked against the space: every active decision has a
    /// value of its domain, every inactive one is `Off`, and the constraints hold.
    pub fn new(space: &Space, values: Vec<Value>) -> Result<Architecture, SpaceError> {
        let arch = Architecture { values };
        space.validate(&arch)?;
        Ok(arch)
    }

    /// Wraps values without checking them; callers guarantee validity (the engine's supernet
    /// uses it to read an op under one column's values).
    pub fn from_values_unchecked(values: Vec<Value>) -> Architecture {
        Architecture { values }
    }

    /// The values, one per decision.
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// Mutable access for the space's own operations.
    pub(crate) fn values_mut(&mut self) -> &mut Vec<Value> {
        &mut self.values
    }
}

impl Space {
    /// Checks that `arch` belongs to this space; the error says which decision is wrong.
    pub fn validate(&self, arch: &Architecture) -> Result<(), SpaceError> {
        let values = arch.values();
        if values.len() != self.decisions().len() {
            return Err(SpaceError::decode(
                format!(
                    "{} values for {} decisions",
                    values.len(),
                    self.decisions().len()
                ),
                "decode architectures of this space from its own strings",
            ));
        }
        for (d, dec) in self.decisions().iter().enumerate() {
            let active = self.is_active(d, values);
            let v = values[d];
            if active && !dec.domain.contains(v) {
                return Err(SpaceError::decode(
                    format!(
                        "decision `{}` holds {v:?}, which is not one of its values",
                        dec.name
                    ),
                    "give it a value of its domain",
                ));
            }
            if !active && v != Value::Off {
                return Err(SpaceError::decode(
                    format!("decision `{}` is inactive here but holds a value", dec.name),
                    "inactive decisions hold no value",
                ));
            }
        }
        if let Some(c) = self.constraints().iter().find(|c| !c.holds(self, arch)) {
            return Err(SpaceError::decode(
                format!("the architecture breaks the constraint `{}`", c.text),
                "only architectures that meet every constraint belong to the space",
            ));
        }
        Ok(())
    }

    /// Whether every constraint holds for `arch`.
    pub fn satisfies(&self, arch: &Architecture) -> bool {
        self.constraints().iter().all(|c| c.holds(self, arch))
    }
}
