//! Language models from a space whose input is a `sequence`: the pipeline's layers before its
//! recurrent cell applied to the whole window of tokens (an embedding, linear maps), the cell
//! unrolled over the window's steps, and the layers after it applied to every step's output
//! (the decoder to the vocabulary).
//!
//! Wiring: a cell with named states (`input x`, `state h, c`, `next h = ..`) reads the step's
//! vector as `x` and each state as its value after the previous step (its `next` then), zeros
//! before the first step; its output is the step's output. A cell without states, with inputs
//! `x, h1, …, hk`, reads the cell's outputs of the `k` previous steps as `h1` (the latest) to
//! `hk`, and its output must be as wide as they are. Every state is as wide as the cell's
//! first argument (`d`). A space with no cell, or more than one, is an error.

use super::describe::Module;
use super::error::CompileError;
use super::graph_cell::{CellSpec, GraphCell};
use super::ir_op::Resolver;
use super::layer::{BoxLayer, Layer};
use super::named::build_named;
use crate::space::{Architecture, ArgValue, Space, StepKind};
use crate::wiring::CellFrame;
use tch::{nn, Device, Kind, TchError, Tensor};

/// A recurrent network compiled from a space's skeleton.
#[derive(Debug)]
pub struct SequenceNet {
    /// The layers before the cell, with their step indices (which name their variables).
    before: Vec<(usize, BoxLayer)>,
    cell: GraphCell,
    hidden: i64,
    /// The vertices whose values a cell's named states take for the next step (empty: the
    /// states are the cell's delayed outputs).
    next: Vec<usize>,
    /// The layers after it.
    after: Vec<(usize, BoxLayer)>,
}

/// Whether `space` declares a sequence input (its networks are [`SequenceNet`]s).
pub fn is_sequence_space(space: &Space) -> bool {
    space
        .skeleton()
        .input
        .as_ref()
        .is_some_and(|s| s.kind == "sequence")
}

impl SequenceNet {
    /// Builds `arch` of `space` under `p` (`layers.i` for the layers, `cell` for the cell).
    pub fn new(p: &nn::Path, space: &Space, arch: &Architecture) -> Result<Self, CompileError> {
        let bad = |message: String| CompileError::UnknownSpace {
            space: space.name().to_string(),
            message,
        };
        let plain = Resolver {
            space,
            arch,
            alternatives: None,
        };
        let values = arch.values();
        let (mut before, mut after) = (Vec::new(), Vec::new());
        let mut cell = None;
        let mut next = Vec::new();
        // Token ids have one feature until an embedding widens them.
        let mut width = 1;
        for (i, step) in space.skeleton().steps.iter().enumerate() {
            if let Some(g) = step.guard {
                if !values.get(g.parent).is_some_and(|v| g.when.holds(*v)) {
                    continue;
                }
            }
            match &step.kind {
                StepKind::Op(r) => {
                    let (layer, out) = build_named(&plain.spec(r)?, &(p / "layers" / i), width)?;
                    match cell {
                        None => before.push((i, layer)),
                        Some(_) => after.push((i, layer)),
                    }
                    width = out;
                }
                StepKind::Cell(_) if cell.is_some() => {
                    return Err(bad("a recurrent network has exactly one cell".into()))
                }
                StepKind::Cell(call) => {
                    let graph = &call.instance;
                    let q = p / "cell";
                    let hidden = match call.args.first() {
                        Some((_, ArgValue::Int(d))) => *d,
                        _ => {
                            return Err(CompileError::bad_op(
                                &q,
                                &graph.name,
                                "a recurrent cell needs its width as its first argument",
                            ))
                        }
                    };
                    if !graph.states.is_empty()
                        && (graph.inputs.len() != 1 + graph.states.len()
                            || graph
                                .states
                                .iter()
                                .enumerate()
                                .any(|(i, s)| s.input != 1 + i))
                    {
                        return Err(CompileError::bad_op(
                            &q,
                            &graph.name,
                            "a cell with states reads one input, then its states",
                        ));
                    }
                    let mut channels = vec![width];
                    channels.extend(vec![hidden; graph.inputs.len().saturating_sub(1)]);
                    let spec = CellSpec {
                        resolver: Resolver {
                            space,
                            arch,
                            alternatives: Some(&call.alternatives),
                        },
                        graph,
                        frame: CellFrame {
                            inputs: graph.inputs.len(),
                            stride: 1,
                            scale: 1,
                        },
                        channels,
                    };
                    let (built, out) = GraphCell::new(&q, &spec)?;
                    if graph.states.is_empty() && out != hidden {
                        return Err(CompileError::bad_op(
                            &q,
                            &graph.name,
                            format!("the cell's output is {out} wide, its hidden states {hidden}"),
                        ));
                    }
                    for state in &graph.states {
                        match built.vertex_channels(state.next) {
                            Some(c) if c == hidden => {}
                            found => {
                                let what =
                                    found.map_or("absent".to_string(), |c| format!("{c} wide"));
                                return Err(CompileError::bad_op(
                                    &q,
                                    &graph.name,
                                    format!(
                                        "the next value of the state `{}` is {what}, the state {hidden} wide",
                                        state.name
                                    ),
                                ));
                            }
                        }
                    }
                    next = graph.states.iter().map(|s| s.next).collect();
                    cell = Some((built, hidden));
                    width = out;
                }
            }
        }
        let Some((cell, hidden)) = cell else {
            return Err(bad("a sequence space needs a recurrent cell".into()));
        };
        Ok(SequenceNet {
            before,
            cell,
            hidden,
            next,
            after,
        })
    }
}

impl SequenceNet {
    /// Zero hidden states (the cell's named states, or its outputs of the previous steps) for
    /// `batch` rows.
    pub fn zero_states(&self, batch: i64, device: Device) -> Vec<Tensor> {
        (1..self.cell.inputs())
            .map(|_| Tensor::zeros([batch, self.hidden], (Kind::Float, device)))
            .collect()
    }

    /// Outputs `[B, T, ·]` for token ids `[B, T]` starting from hidden `states` (as
    /// [`SequenceNet::zero_states`] makes them), and the states after the last step: a
    /// language model's window of truncated back-propagation through time.
    pub fn forward_states(
        &self,
        xs: &Tensor,
        states: &[Tensor],
        train: bool,
    ) -> Result<(Tensor, Vec<Tensor>), TchError> {
        let mut seq = xs.shallow_clone();
        for (_, layer) in &self.before {
            seq = layer.forward(&seq, train)?;
        }
        let size = seq.size();
        let [_, steps, _] = size[..] else {
            return Err(TchError::Shape(format!(
                "a recurrent cell reads [batch, steps, features], not {size:?}"
            )));
        };
        if states.len() + 1 != self.cell.inputs() {
            return Err(TchError::Kind(format!(
                "the cell reads {} hidden states, {} were given",
                self.cell.inputs() - 1,
                states.len()
            )));
        }
        let mut hidden: Vec<Tensor> = states.iter().map(Tensor::shallow_clone).collect();
        let mut outputs = Vec::with_capacity(steps as usize);
        for t in 0..steps {
            let mut inputs = Vec::with_capacity(self.cell.inputs());
            inputs.push(seq.f_select(1, t)?);
            inputs.extend(hidden.iter().map(Tensor::shallow_clone));
            let (y, next) = self.cell.run_reading(&inputs, &self.next, train)?;
            if !self.next.is_empty() {
                hidden = next;
            } else if !hidden.is_empty() {
                hidden.pop();
                hidden.insert(0, y.shallow_clone());
            }
            outputs.push(y);
        }
        let mut out = Tensor::f_stack(&outputs, 1)?;
        for (_, layer) in &self.after {
            out = layer.forward(&out, train)?;
        }
        Ok((out, hidden))
    }
}

impl Layer for SequenceNet {
    /// Token ids `[B, T]` (or `[B, T, 1]`) to outputs `[B, T, ·]` (logits for a decoder),
    /// starting from zero hidden states.
    fn forward(&self, xs: &Tensor, train: bool) -> Result<Tensor, TchError> {
        let batch = xs.size().first().copied().unwrap_or(1);
        let states = self.zero_states(batch, xs.device());
        Ok(self.forward_states(xs, &states, train)?.0)
    }

    fn describe(&self) -> Module {
        let layers = |ls: &[(usize, BoxLayer)]| {
            ls.iter()
                .map(|(i, l)| (*i, l.describe()))
                .collect::<Vec<_>>()
        };
        Module::Sequence {
            before: layers(&self.before),
            cell: Box::new(self.cell.describe(vec![None; self.cell.inputs()])),
            hidden: self.hidden,
            next: self.next.clone(),
            after: layers(&self.after),
        }
    }
}
