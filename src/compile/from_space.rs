//! From the space IR to a network: an [`Architecture`] of a loaded [`Space`] fixes every op of
//! the space's cell graph; for a NAS-Bench-201-shaped space (one cell of summed edges, every
//! edge reading one earlier vertex with one of the benchmark's five ops) this reads the cell's
//! genotype, which [`super::nb201`] compiles.
//!
//! The IR holds the searched cells, not a space's macro skeleton (stem, stacking, reductions,
//! head), so the skeleton here is NAS-Bench-201's own.

use super::error::CompileError;
use super::nb201::{Nb201Genotype, Nb201Op};
use crate::space::{Architecture, Domain, OpRef, Source, Space, Value};

/// The NAS-Bench-201 genotype that `arch` picks in `space`.
pub fn nb201_genotype(space: &Space, arch: &Architecture) -> Result<Nb201Genotype, CompileError> {
    let bad = |message: String| CompileError::BadArch {
        text: space.encode(arch),
        message,
    };
    let [cell] = space.graphs() else {
        return Err(bad(format!(
            "space `{}` has {} cell graphs; a NAS-Bench-201 space has one",
            space.name(),
            space.graphs().len()
        )));
    };
    if cell.inputs.len() != 1 {
        return Err(bad(format!("cell `{}` must have one input", cell.name)));
    }
    let mut nodes = Vec::with_capacity(cell.nodes.len());
    for (j, node) in cell.nodes.iter().enumerate() {
        let mut ops = vec![None; j + 1];
        for term in &node.terms {
            let Source::Vertex(from) = term.source else {
                return Err(bad(format!("node `{}` has an input choice", node.name)));
            };
            let name = match &term.op {
                Some(OpRef::Fixed(op)) => op.name.clone(),
                Some(OpRef::Choice(d)) => chosen_op(space, arch, *d)?,
                None => "skip_connect".to_string(),
            };
            let op = Nb201Op::from_name(&name)
                .ok_or_else(|| bad(format!("op `{name}` is not one of NAS-Bench-201's five")))?;
            match ops.get_mut(from) {
                Some(slot @ None) => *slot = Some(op),
                _ => {
                    return Err(bad(format!(
                        "node `{}` reads vertex {from} badly",
                        node.name
                    )))
                }
            }
        }
        let ops: Option<Vec<_>> = ops.into_iter().collect();
        nodes.push(ops.ok_or_else(|| {
            bad(format!(
                "node `{}` must read every earlier vertex once",
                node.name
            ))
        })?);
    }
    Ok(Nb201Genotype { nodes })
}

/// The name of the op that categorical decision `d` picks in `arch`.
fn chosen_op(space: &Space, arch: &Architecture, d: usize) -> Result<String, CompileError> {
    let decision = &space.decisions()[d];
    let bad = |message: String| CompileError::BadArch {
        text: space.encode(arch),
        message,
    };
    let (Domain::Categorical(alts), Some(Value::Cat(k))) =
        (&decision.domain, arch.values().get(d).copied())
    else {
        return Err(bad(format!(
            "decision `{}` does not pick an op",
            decision.name
        )));
    };
    let alt = alts.get(k as usize).ok_or_else(|| {
        bad(format!(
            "decision `{}` has no alternative {k}",
            decision.name
        ))
    })?;
    Ok(alt
        .op
        .as_ref()
        .map_or_else(|| alt.label.clone(), |op| op.name.clone()))
}
