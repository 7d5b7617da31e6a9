//! Recurrent cells as DAGs of the NAS-Bench-NLP primitives: linear maps of one or more inputs,
//! blend (`z·a + (1−z)·b`), elementwise product and sum, and activations. A cell reads the
//! step's input and its hidden states and writes new hidden states.

use super::activation::Activation;
use super::error::CompileError;
use super::layer::Layer;
use super::linear::Linear;
use tch::nn;
use tch::{TchError, Tensor};

/// The operation of one node of a recurrent cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecurrentOp {
    /// `Σᵢ Wᵢ·inputᵢ + b`: one weight matrix per input, one bias.
    Linear,
    /// `z·a + (1−z)·b` for inputs `[z, a, b]`.
    Blend,
    /// The elementwise product of the inputs.
    Product,
    /// The elementwise sum of the inputs.
    Sum,
    /// An activation of the single input.
    Act(Activation),
}

/// One node: an op over earlier vertices. Vertex 0 is the step's input, vertices
/// `1..=hidden` the previous hidden states, then the nodes in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecurrentNode {
    /// What the node computes.
    pub op: RecurrentOp,
    /// The vertices it reads.
    pub inputs: Vec<usize>,
}

/// A recurrent cell of width `dim` (input and hidden states all `dim` wide).
#[derive(Debug)]
pub struct RecurrentCell {
    nodes: Vec<(RecurrentNode, Vec<Linear>)>,
    hidden: usize,
    outputs: Vec<usize>,
}

impl RecurrentCell {
    /// Builds a cell with `hidden` states whose new values are the vertices `outputs`.
    /// Node `i`'s linear maps are registered as `node_i.in_j`.
    pub fn new(
        p: &nn::Path,
        dim: i64,
        hidden: usize,
        nodes: Vec<RecurrentNode>,
        outputs: Vec<usize>,
    ) -> Result<Self, CompileError> {
        let bad = |m: String| Err(CompileError::bad_op(p, "recurrent_cell", m));
        if outputs.len() != hidden || hidden == 0 {
            return bad(format!(
                "{hidden} hidden states need as many outputs, found {}",
                outputs.len()
            ));
        }
        let mut built = Vec::with_capacity(nodes.len());
        for (i, node) in nodes.into_iter().enumerate() {
            let vertex = 1 + hidden + i;
            if let Some(&late) = node.inputs.iter().find(|&&v| v >= vertex) {
                return bad(format!(
                    "node {i} reads vertex {late}, which is not earlier"
                ));
            }
            let arity_ok = match node.op {
                RecurrentOp::Linear | RecurrentOp::Product | RecurrentOp::Sum => {
                    !node.inputs.is_empty()
                }
                RecurrentOp::Blend => node.inputs.len() == 3,
                RecurrentOp::Act(_) => node.inputs.len() == 1,
            };
            if !arity_ok {
                return bad(format!(
                    "node {i}: {:?} cannot take {} inputs",
                    node.op,
                    node.inputs.len()
                ));
            }
            let maps = if node.op == RecurrentOp::Linear {
                let np = p / format!("node_{i}");
                (0..node.inputs.len())
                    .map(|j| Linear::new(&(&np / format!("in_{j}")), dim, dim, j == 0))
                    .collect::<Result<_, _>>()?
            } else {
                Vec::new()
            };
            built.push((node, maps));
        }
        let vertices = 1 + hidden + built.len();
        if let Some(&out) = outputs.iter().find(|&&v| v >= vertices) {
            return bad(format!("output vertex {out} does not exist"));
        }
        Ok(RecurrentCell {
            nodes: built,
            hidden,
            outputs,
        })
    }

    /// The number of hidden states.
    pub fn hidden(&self) -> usize {
        self.hidden
    }

    /// One step: the input `[N, dim]` and the hidden states give the new hidden states.
    pub fn step(&self, x: &Tensor, states: &[Tensor]) -> Result<Vec<Tensor>, TchError> {
        if states.len() != self.hidden {
            return Err(TchError::Shape(format!(
                "the cell has {} hidden states, given {}",
                self.hidden,
                states.len()
            )));
        }
        let mut values: Vec<Tensor> = Vec::with_capacity(1 + self.hidden + self.nodes.len());
        values.push(x.shallow_clone());
        values.extend(states.iter().map(Tensor::shallow_clone));
        for (node, maps) in &self.nodes {
            let arg = |k: usize| &values[node.inputs[k]];
            let out = match node.op {
                RecurrentOp::Linear => {
                    let mut acc = maps[0].forward(arg(0), false)?;
                    for (k, map) in maps.iter().enumerate().skip(1) {
                        acc = acc.f_add(&map.forward(arg(k), false)?)?;
                    }
                    acc
                }
                RecurrentOp::Blend => {
                    let z = arg(0);
                    let keep = z.f_mul(arg(1))?;
                    keep.f_add(&z.f_neg()?.f_add_scalar(1.0)?.f_mul(arg(2))?)?
                }
                RecurrentOp::Product => fold(node, &values, |a, b| a.f_mul(b))?,
                RecurrentOp::Sum => fold(node, &values, |a, b| a.f_add(b))?,
                RecurrentOp::Act(a) => a.apply(arg(0))?,
            };
            values.push(out);
        }
        Ok(self
            .outputs
            .iter()
            .map(|&v| values[v].shallow_clone())
            .collect())
    }
}

fn fold(
    node: &RecurrentNode,
    values: &[Tensor],
    f: impl Fn(&Tensor, &Tensor) -> Result<Tensor, TchError>,
) -> Result<Tensor, TchError> {
    let mut acc = values[node.inputs[0]].shallow_clone();
    for &v in &node.inputs[1..] {
        acc = f(&acc, &values[v])?;
    }
    Ok(acc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    /// An Elman cell: h' = tanh(W·x + U·h + b).
    fn elman(vs: &nn::VarStore, dim: i64) -> RecurrentCell {
        let nodes = vec![
            RecurrentNode {
                op: RecurrentOp::Linear,
                inputs: vec![0, 1],
            },
            RecurrentNode {
                op: RecurrentOp::Act(Activation::Tanh),
                inputs: vec![2],
            },
        ];
        RecurrentCell::new(&(vs.root() / "cell"), dim, 1, nodes, vec![3]).unwrap()
    }

    #[test]
    fn an_elman_cell_steps_and_names_its_weights() {
        let vs = nn::VarStore::new(Device::Cpu);
        let cell = elman(&vs, 4);
        let x = Tensor::randn([3, 4], (Kind::Float, Device::Cpu));
        let h = Tensor::zeros([3, 4], (Kind::Float, Device::Cpu));
        let out = cell.step(&x, &[h]).unwrap();
        assert_eq!(out[0].size(), [3, 4]);
        assert!(out[0].abs().max().double_value(&[]) <= 1.0);
        let mut names: Vec<_> = vs.variables().into_keys().collect();
        names.sort();
        assert_eq!(
            names,
            [
                "cell.node_0.in_0.bias",
                "cell.node_0.in_0.weight",
                "cell.node_0.in_1.weight"
            ]
        );
    }

    #[test]
    fn blend_product_and_sum_compute_their_formulas() {
        let vs = nn::VarStore::new(Device::Cpu);
        let nodes = vec![
            RecurrentNode {
                op: RecurrentOp::Act(Activation::Sigmoid),
                inputs: vec![0],
            },
            RecurrentNode {
                op: RecurrentOp::Blend,
                inputs: vec![3, 1, 2],
            },
            RecurrentNode {
                op: RecurrentOp::Product,
                inputs: vec![1, 2],
            },
            RecurrentNode {
                op: RecurrentOp::Sum,
                inputs: vec![4, 5],
            },
        ];
        let cell = RecurrentCell::new(&vs.root(), 1, 2, nodes, vec![6, 4]).unwrap();
        let t = |v: f32| Tensor::from_slice(&[v]).view([1, 1]);
        let out = cell.step(&t(0.0), &[t(2.0), t(3.0)]).unwrap();
        // z = 0.5; blend = 0.5·2 + 0.5·3 = 2.5; product = 6; sum = 8.5.
        assert!((out[0].double_value(&[0, 0]) - 8.5).abs() < 1e-6);
        assert!((out[1].double_value(&[0, 0]) - 2.5).abs() < 1e-6);
    }

    #[test]
    fn malformed_cells_are_errors() {
        let vs = nn::VarStore::new(Device::Cpu);
        let forward_ref = vec![RecurrentNode {
            op: RecurrentOp::Sum,
            inputs: vec![0, 2],
        }];
        assert!(RecurrentCell::new(&vs.root(), 2, 1, forward_ref, vec![2]).is_err());
        let blend2 = vec![RecurrentNode {
            op: RecurrentOp::Blend,
            inputs: vec![0, 1],
        }];
        assert!(RecurrentCell::new(&vs.root(), 2, 1, blend2, vec![2]).is_err());
        let cell = elman(&vs, 2);
        let x = Tensor::zeros([1, 2], (Kind::Float, Device::Cpu));
        assert!(cell.step(&x, &[]).is_err());
    }
}
