//! Language models from a space whose input is a `sequence`: the pipeline's layers applied to
//! the whole window (an embedding to the token ids; linear maps and dropout to `[B, T, ·]`
//! between the cells), each recurrent cell unrolled over the window's steps in turn (a stack of
//! cells is a multi-layer RNN, as `nn.LSTM(num_layers = k)` or AWD-LSTM's three layers), and
//! the layers after the last cell applied to every step's output (the decoder to the
//! vocabulary).
//!
//! Wiring: a cell with named states (`input x`, `state h, c`, `next h = ..`) reads the step's
//! vector as `x` and each state as its value after the previous step (its `next` then), zeros
//! before the first step; its output is the step's output. A cell without states, with inputs
//! `x, h1, …, hk`, reads the cell's outputs of the `k` previous steps as `h1` (the latest) to
//! `hk`, and its output must be as wide as they are. Every state of a cell is as wide as the
//! cell's first argument (`d`). The first cell's variables are under `cell`, the next ones'
//! under `cell1`, `cell2`, …; the hidden states of all cells are one list, the first cell's
//! first. A space with no cell is an error.

use super::describe::{Module, SequenceStage, VertexModule};
use super::embedding::Embedding;
use super::error::CompileError;
use super::graph_cell::{CellSpec, GraphCell};
use super::ir_op::Resolver;
use super::layer::boxed;
use super::layer::{BoxLayer, Layer};
use super::linear::Linear;
use super::named::build_named;
use super::op::OpSpec;
use crate::space::{Architecture, ArgValue, Space, StepKind};
use crate::wiring::CellFrame;
use tch::{nn, Device, Kind, TchError, Tensor};

/// A recurrent network compiled from a space's skeleton.
#[derive(Debug)]
pub struct SequenceNet {
    /// The layers and cells in pipeline order.
    stages: Vec<Stage>,
    /// The cells' recurrent weight matrices (see [`SequenceNet::recurrent_weights`]).
    recurrent: Vec<Tensor>,
}

/// One stage of a recurrent network's pipeline.
#[derive(Debug)]
enum Stage {
    /// A layer applied to the whole window, with its step index (which names its variables).
    Layer(usize, BoxLayer),
    /// The embedding of the token ids, with its step index.
    Embedding(usize, Embedding),
    /// A recurrent cell unrolled over the window.
    Cell(Recurrent),
}

/// How a training pass regularises a language model (AWD-LSTM's `dropoute`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PassNoise {
    /// The probability of dropping a word: a row of the embedding table, zeroed for the
    /// whole pass (the other rows scaled by 1/(1 − p)).
    pub embedding_dropout: f64,
}

/// A window's forward pass with the activations that AWD-LSTM's penalties read.
#[derive(Debug)]
pub struct SequencePass {
    /// The outputs `[B, T, ·]` (logits for a decoder).
    pub output: Tensor,
    /// The hidden states after the last step.
    pub states: Vec<Tensor>,
    /// The last cell's outputs `[B, T, H]`, as it computed them (TAR's input).
    pub last_cell: Tensor,
    /// What the last layer read: the last cell's outputs after the layers between it and the
    /// last layer (its dropout); the last cell's outputs when a cell ends the pipeline (AR's
    /// input).
    pub last_input: Tensor,
}

/// A recurrent cell with what unrolling it needs.
#[derive(Debug)]
struct Recurrent {
    cell: GraphCell,
    /// The width of its hidden states.
    hidden: i64,
    /// The vertices whose values its named states take for the next step (empty: the states
    /// are the cell's delayed outputs).
    next: Vec<usize>,
}

impl Recurrent {
    /// Its recurrent weight matrices, found under `q`, its variables' path (see
    /// [`SequenceNet::recurrent_weights`]).
    fn recurrent_weights(&self, q: &nn::Path) -> Result<Vec<Tensor>, CompileError> {
        let described = self.cell.describe(vec![None; self.cell.inputs()]);
        let mut names = Vec::new();
        for vertex in described.vertices.iter().chain([&described.output]) {
            if let VertexModule::Merge { terms, .. } = vertex {
                for (source, op) in terms {
                    if let (true, Some((edge, m))) = (*source != 0, op) {
                        linear_weights(m, &format!("edges.{edge}"), &mut names);
                    }
                }
            }
        }
        names
            .iter()
            .map(|name| {
                let missing =
                    || CompileError::bad_op(q, "weight_drop", format!("no variable `{name}`"));
                let parts: Vec<&str> = name.split('.').collect();
                let Some((last, [first, rest @ ..])) = parts.split_last() else {
                    return Err(missing());
                };
                let at = rest.iter().fold(q.sub(*first), |at, part| at.sub(*part));
                at.get(last).ok_or_else(missing)
            })
            .collect()
    }

    /// How many hidden states it reads.
    fn states(&self) -> usize {
        self.cell.inputs() - 1
    }

    /// The cell unrolled over `seq` `[B, T, F]` from `states`: its outputs `[B, T, hidden]`
    /// and its states after the last step.
    fn unroll(
        &self,
        seq: &Tensor,
        states: Vec<Tensor>,
        train: bool,
    ) -> Result<(Tensor, Vec<Tensor>), TchError> {
        unroll(seq, states, !self.next.is_empty(), |inputs| {
            self.cell.run_reading(inputs, &self.next, train)
        })
    }
}

/// A recurrent cell unrolled over `seq` `[B, T, F]` from `states`, one `step` per time step:
/// `step` reads the step's vector and the states (`[x, s1, …]`) and returns the cell's output
/// and, for a cell with named states (`named`), their next values. Without named states the
/// states are the cell's outputs of the previous steps, the latest first. Returns the outputs
/// `[B, T, ·]` and the states after the last step. The one wiring of recurrent cells: the
/// compiled network's and the supernet's.
pub fn unroll(
    seq: &Tensor,
    states: Vec<Tensor>,
    named: bool,
    mut step: impl FnMut(&[Tensor]) -> Result<(Tensor, Vec<Tensor>), TchError>,
) -> Result<(Tensor, Vec<Tensor>), TchError> {
    let size = seq.size();
    let [_, steps, _] = size[..] else {
        return Err(TchError::Shape(format!(
            "a recurrent cell reads [batch, steps, features], not {size:?}"
        )));
    };
    let mut hidden = states;
    let mut outputs = Vec::with_capacity(steps as usize);
    for t in 0..steps {
        let mut inputs = Vec::with_capacity(1 + hidden.len());
        inputs.push(seq.f_select(1, t)?);
        inputs.extend(hidden.iter().map(Tensor::shallow_clone));
        let (y, next) = step(&inputs)?;
        if named {
            hidden = next;
        } else if !hidden.is_empty() {
            hidden.pop();
            hidden.insert(0, y.shallow_clone());
        }
        outputs.push(y);
    }
    Ok((Tensor::f_stack(&outputs, 1)?, hidden))
}

/// Whether `space` declares a sequence input (its networks are [`SequenceNet`]s).
pub fn is_sequence_space(space: &Space) -> bool {
    space
        .skeleton()
        .input
        .as_ref()
        .is_some_and(|s| s.kind == "sequence")
}

/// The variable prefix of the `k`-th cell (from 0) of a recurrent network.
pub fn cell_path_name(k: usize) -> String {
    if k == 0 {
        "cell".to_string()
    } else {
        format!("cell{k}")
    }
}

impl SequenceNet {
    /// Builds `arch` of `space` under `p` (`layers.i` for the layers, `cell`, `cell1`, … for
    /// the cells).
    pub fn new(p: &nn::Path, space: &Space, arch: &Architecture) -> Result<Self, CompileError> {
        let plain = Resolver {
            space,
            arch,
            alternatives: None,
        };
        let values = arch.values();
        let mut stages = Vec::new();
        // The embedding's table, which a `tied_linear` shares.
        let mut table: Option<Tensor> = None;
        let mut recurrent_weights = Vec::new();
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
                    let q = p / "layers" / i;
                    let (stage, out) = match plain.spec(r)? {
                        OpSpec::Embedding { vocab, dim } => {
                            let embedding = Embedding::new(&q, vocab, dim)?;
                            if table.replace(embedding.weight()).is_some() {
                                return Err(CompileError::bad_op(
                                    &q,
                                    "embedding",
                                    "a language model has one embedding",
                                ));
                            }
                            (Stage::Embedding(i, embedding), dim)
                        }
                        OpSpec::TiedLinear { d_out } => (
                            Stage::Layer(i, tied(&q, table.as_ref(), d_out, width)?),
                            d_out,
                        ),
                        spec => {
                            let (layer, out) = build_named(&spec, &q, width)?;
                            (Stage::Layer(i, layer), out)
                        }
                    };
                    stages.push(stage);
                    width = out;
                }
                StepKind::Cell(call) => {
                    let cells = stages
                        .iter()
                        .filter(|s| matches!(s, Stage::Cell(_)))
                        .count();
                    let q = p / cell_path_name(cells);
                    let (built, out) = recurrent(&q, space, arch, call, width)?;
                    recurrent_weights.extend(built.recurrent_weights(&q)?);
                    stages.push(Stage::Cell(built));
                    width = out;
                }
            }
        }
        if !stages.iter().any(|s| matches!(s, Stage::Cell(_))) {
            return Err(CompileError::UnknownSpace {
                space: space.name().to_string(),
                message: "a sequence space needs a recurrent cell".into(),
            });
        }
        Ok(SequenceNet {
            stages,
            recurrent: recurrent_weights,
        })
    }

    fn cells(&self) -> impl Iterator<Item = &Recurrent> {
        self.stages.iter().filter_map(|s| match s {
            Stage::Cell(r) => Some(r),
            Stage::Layer(..) | Stage::Embedding(..) => None,
        })
    }

    /// The cells' recurrent weight matrices, the variables themselves: the weight of every
    /// linear map on an edge that reads a state or another node of its cell, not the step's
    /// input `x` (those AWD-LSTM's weight drop masks: an LSTM's `weight_hh`, every non-`x`
    /// input of NAS-Bench-NLP's linear nodes).
    pub fn recurrent_weights(&self) -> &[Tensor] {
        &self.recurrent
    }
}

/// The names of the linear maps' weights in `m`, under `prefix`.
fn linear_weights(m: &Module, prefix: &str, out: &mut Vec<String>) {
    match m {
        Module::Linear { .. } => out.push(format!("{prefix}.weight")),
        Module::Seq(parts) => {
            for (name, part) in parts {
                linear_weights(part, &format!("{prefix}.{name}"), out);
            }
        }
        _ => {}
    }
}

/// A `tied_linear(d_out)` under `q` for inputs `width` wide, sharing `table`, the embedding's.
pub fn tied(
    q: &nn::Path,
    table: Option<&Tensor>,
    d_out: i64,
    width: i64,
) -> Result<BoxLayer, CompileError> {
    let Some(table) = table else {
        return Err(CompileError::bad_op(
            q,
            "tied_linear",
            "it shares the embedding's weight, but no `embedding` comes before it",
        ));
    };
    let size = table.size();
    let (vocab, dim) = (size[0], size[1]);
    if d_out != vocab || width != dim {
        return Err(CompileError::bad_op(
            q,
            "tied_linear",
            format!(
                "it shares the embedding's {vocab}×{dim} table, so it maps {dim} features to {vocab}, but its input is {width} wide and its output {d_out}; make the last cell {dim} wide and `n` {vocab}"
            ),
        ));
    }
    Ok(boxed(Linear::tied(q, table.shallow_clone())?))
}

/// The widths of a recurrent cell `call` under `q` whose step input is `width` wide: its
/// hidden states' (its first argument) and each of its inputs' (`x`, then the states). A cell
/// with named states must read one input, then its states, in order.
pub fn cell_widths(
    q: &nn::Path,
    call: &crate::space::CellCall,
    width: i64,
) -> Result<(i64, Vec<i64>), CompileError> {
    let graph = &call.instance;
    let hidden = match call.args.first() {
        Some((_, ArgValue::Int(d))) => *d,
        _ => {
            return Err(CompileError::bad_op(
                q,
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
            q,
            &graph.name,
            "a cell with states reads one input, then its states",
        ));
    }
    let mut channels = vec![width];
    channels.extend(vec![hidden; graph.inputs.len().saturating_sub(1)]);
    Ok((hidden, channels))
}

/// Checks that a recurrent cell `call` compiled under `q` fits its `hidden` states: without
/// named states its output (`out` wide) is the next state; with them, each state's next value
/// (`vertex_width` of its vertex; `None`: absent) is as wide as the state.
pub fn check_state_widths(
    q: &nn::Path,
    call: &crate::space::CellCall,
    hidden: i64,
    out: i64,
    vertex_width: impl Fn(usize) -> Option<i64>,
) -> Result<(), CompileError> {
    let graph = &call.instance;
    if graph.states.is_empty() && out != hidden {
        return Err(CompileError::bad_op(
            q,
            &graph.name,
            format!("the cell's output is {out} wide, its hidden states {hidden}"),
        ));
    }
    for state in &graph.states {
        match vertex_width(state.next) {
            Some(c) if c == hidden => {}
            found => {
                let what = found.map_or("absent".to_string(), |c| format!("{c} wide"));
                return Err(CompileError::bad_op(
                    q,
                    &graph.name,
                    format!(
                        "the next value of the state `{}` is {what}, the state {hidden} wide",
                        state.name
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// The cell `call` compiled under `q` for inputs `width` wide, and its output's width.
fn recurrent(
    q: &nn::Path,
    space: &Space,
    arch: &Architecture,
    call: &crate::space::CellCall,
    width: i64,
) -> Result<(Recurrent, i64), CompileError> {
    let graph = &call.instance;
    let (hidden, channels) = cell_widths(q, call, width)?;
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
    let (cell, out) = GraphCell::new(q, &spec)?;
    check_state_widths(q, call, hidden, out, |v| cell.vertex_channels(v))?;
    let next = graph.states.iter().map(|s| s.next).collect();
    Ok((Recurrent { cell, hidden, next }, out))
}

impl SequenceNet {
    /// Zero hidden states (each cell's named states, or its outputs of the previous steps,
    /// the first cell's first) for `batch` rows.
    pub fn zero_states(&self, batch: i64, device: Device) -> Vec<Tensor> {
        self.cells()
            .flat_map(|r| {
                (0..r.states())
                    .map(move |_| Tensor::zeros([batch, r.hidden], (Kind::Float, device)))
            })
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
        let pass = self.pass(xs, states, train, PassNoise::default())?;
        Ok((pass.output, pass.states))
    }

    /// [`SequenceNet::forward_states`] regularised by `noise` when `train`, with the
    /// activations AWD-LSTM's penalties read.
    pub fn pass(
        &self,
        xs: &Tensor,
        states: &[Tensor],
        train: bool,
        noise: PassNoise,
    ) -> Result<SequencePass, TchError> {
        let expected: usize = self.cells().map(Recurrent::states).sum();
        if states.len() != expected {
            return Err(TchError::Kind(format!(
                "the cells read {expected} hidden states, {} were given",
                states.len()
            )));
        }
        let mut seq = xs.shallow_clone();
        let mut given = states.iter();
        let mut after = Vec::with_capacity(expected);
        let mut last_cell = None;
        let mut last_input = None;
        let last = self.stages.len().saturating_sub(1);
        for (k, stage) in self.stages.iter().enumerate() {
            if k == last && matches!(stage, Stage::Layer(..)) {
                last_input = Some(seq.shallow_clone());
            }
            match stage {
                Stage::Layer(_, layer) => seq = layer.forward(&seq, train)?,
                Stage::Embedding(_, e) => {
                    let p = if train { noise.embedding_dropout } else { 0.0 };
                    seq = e.forward_dropping(&seq, p)?;
                }
                Stage::Cell(r) => {
                    let mine = given.by_ref().take(r.states()).map(Tensor::shallow_clone);
                    let (out, next) = r.unroll(&seq, mine.collect(), train)?;
                    after.extend(next);
                    last_cell = Some(out.shallow_clone());
                    seq = out;
                }
            }
        }
        let last_cell = last_cell.unwrap_or_else(|| seq.shallow_clone());
        Ok(SequencePass {
            last_input: last_input.unwrap_or_else(|| last_cell.shallow_clone()),
            output: seq,
            states: after,
            last_cell,
        })
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
        let stages = self
            .stages
            .iter()
            .map(|s| match s {
                Stage::Layer(i, l) => SequenceStage::Layer(*i, l.describe()),
                Stage::Embedding(i, e) => SequenceStage::Layer(*i, e.describe()),
                Stage::Cell(r) => SequenceStage::Cell {
                    cell: Box::new(r.cell.describe(vec![None; r.cell.inputs()])),
                    hidden: r.hidden,
                    next: r.next.clone(),
                },
            })
            .collect();
        Module::Sequence { stages }
    }
}
