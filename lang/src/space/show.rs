//! Drawing an architecture: as text (one line per node) or as a Graphviz digraph.

use super::arch::Architecture;
use super::canon::{resolve, resolve_op};
use super::decision::{Arg, ArgValue, Decision, Domain, Guard, Op, OpKind, Value, When};
use super::graph::{Graph, Node, OpRef, Source};
use super::ir::Space;
use super::skeleton::StepKind;
use super::text::write_value;
use std::fmt::Write;

impl Space {
    /// The architecture as text: the whole network first (one line per layer or cell the
    /// architecture has, in order; copies a chosen depth leaves out are left out), then each
    /// cell it uses with its inputs, one line per node
    /// (`x2 = sum(x0 >> nor_conv_3x3, x1 >> skip_connect)`), and its output.
    pub fn show_text(&self, arch: &Architecture) -> String {
        let values = arch.values();
        let mut out = self.network_text(values);
        let shown = self.shown_graphs(values);
        for (g, _) in self.graphs().iter().zip(&shown).filter(|(_, &s)| s) {
            let _ = writeln!(out, "{} (inputs: {})", g.name, g.inputs.join(", "));
            for (v, node) in g.all_nodes() {
                let name = if v == g.vertex_count() {
                    "output"
                } else {
                    node.name.as_str()
                };
                if node
                    .guard
                    .is_some_and(|gd| !gd.when.holds(values[gd.parent]))
                {
                    if !self.unchosen_alternative(node) {
                        let _ = writeln!(out, "  {name}: absent");
                    }
                    continue;
                }
                let _ = writeln!(out, "  {name} = {}", self.node_text(g, node, values));
            }
        }
        let free: Vec<String> = self
            .graph_decisions()
            .iter()
            .enumerate()
            .filter(|&(d, used)| !used && values[d] != Value::Off)
            .map(|(d, _)| {
                let mut s = format!("{}=", self.decisions()[d].name);
                write_value(&self.decisions()[d].domain, values[d], &mut s);
                s
            })
            .collect();
        if !free.is_empty() {
            let _ = writeln!(out, "other decisions: {}", free.join(" "));
        }
        out
    }

    /// The network around the cells, one line per step the architecture has (a run of
    /// identical steps as one line with its count).
    fn network_text(&self, values: &[Value]) -> String {
        let skeleton = self.skeleton();
        if skeleton.steps.is_empty() {
            return String::new();
        }
        let input = skeleton.input.as_ref().map_or_else(
            || "the data".to_string(),
            |i| {
                let dims: Vec<String> = i.dims.iter().map(i64::to_string).collect();
                format!("{}({})", i.kind, dims.join(", "))
            },
        );
        let mut lines: Vec<(String, usize)> = Vec::new();
        for step in skeleton.steps.iter().filter(|s| holds(s.guard, values)) {
            let text = match &step.kind {
                StepKind::Op(op) => self.op_text(op, values),
                StepKind::Cell(call) => {
                    let op = Op {
                        name: self.graphs()[call.graph].name.clone(),
                        args: call
                            .args
                            .iter()
                            .map(|(name, value)| Arg {
                                name: Some(name.clone()),
                                value: value.clone(),
                            })
                            .collect(),
                        kind: OpKind::Other,
                    };
                    format!("cell {}", call_text(&op, self.decisions(), values))
                }
            };
            match lines.last_mut() {
                Some((last, times)) if *last == text => *times += 1,
                _ => lines.push((text, 1)),
            }
        }
        let mut out = format!("network (input {input})\n");
        for (text, times) in lines {
            let _ = match times {
                1 => writeln!(out, "  {text}"),
                n => writeln!(out, "  {text} × {n}"),
            };
        }
        out
    }

    /// Which graphs to draw: every cell some step of the architecture calls, and any graph
    /// no step calls — except the pipeline's own chain graph (`network`), which
    /// [`Space::network_text`] draws as the network.
    fn shown_graphs(&self, values: &[Value]) -> Vec<bool> {
        let steps = &self.skeleton().steps;
        let mut called = vec![false; self.graphs().len()];
        let mut active = vec![false; self.graphs().len()];
        for step in steps {
            if let StepKind::Cell(call) = &step.kind {
                if let Some(c) = called.get_mut(call.graph) {
                    *c = true;
                }
                if holds(step.guard, values) {
                    if let Some(a) = active.get_mut(call.graph) {
                        *a = true;
                    }
                }
            }
        }
        self.graphs()
            .iter()
            .enumerate()
            .map(|(g, graph)| {
                if called[g] {
                    active[g]
                } else {
                    steps.is_empty() || graph.name != "network"
                }
            })
            .collect()
    }

    /// Whether `node` belongs to an alternative of a node's kind (its guard's parent is a
    /// categorical decision): left out of the text when another alternative is chosen.
    fn unchosen_alternative(&self, node: &Node) -> bool {
        node.guard.is_some_and(|gd| {
            !matches!(gd.when, When::AtLeast(_))
                || matches!(self.decisions()[gd.parent].domain, Domain::Categorical(_))
        })
    }

    fn node_text(&self, g: &Graph, node: &Node, values: &[Value]) -> String {
        let terms: Vec<String> = node
            .terms
            .iter()
            .filter_map(|t| {
                let src = g.vertex_name(resolve(&t.source, values)?).to_string();
                Some(match &t.op {
                    None => src,
                    Some(op) => format!("{src} >> {}", self.op_text(op, values)),
                })
            })
            .collect();
        let chooses_kind = node
            .terms
            .iter()
            .all(|t| matches!(t.source, Source::When { .. }));
        let merged = if terms.len() == 1 && (node.terms.len() == 1 || chooses_kind) {
            terms[0].clone()
        } else {
            format!("{}({})", node.combine.name(), terms.join(", "))
        };
        match &node.post {
            None => merged,
            Some(op) => format!("{merged} >> {}", self.op_text(op, values)),
        }
    }

    fn op_text(&self, op: &OpRef, values: &[Value]) -> String {
        match op {
            OpRef::Choice(d) => match (&self.decisions()[*d].domain, values[*d]) {
                (Domain::Categorical(alts), Value::Cat(c)) => {
                    let alt = &alts[c as usize];
                    match &alt.op {
                        Some(op)
                            if op
                                .args
                                .iter()
                                .any(|a| matches!(a.value, ArgValue::Decision(_))) =>
                        {
                            call_text(op, self.decisions(), values)
                        }
                        _ => alt.label.clone(),
                    }
                }
                _ => "?".into(),
            },
            OpRef::Fixed(op) => call_text(op, self.decisions(), values),
        }
    }

    /// The architecture as a Graphviz digraph: one cluster per graph, a box per input, an
    /// ellipse per node, edges labelled with their ops (zero edges dashed).
    pub fn show_dot(&self, arch: &Architecture) -> String {
        let values = arch.values();
        let mut out = String::from(
            "digraph architecture {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n",
        );
        let shown = self.shown_graphs(values);
        for (gi, g) in self.graphs().iter().enumerate() {
            if !shown[gi] && self.graphs()[gi].name != "network" {
                continue;
            }
            let _ = writeln!(
                out,
                "  subgraph cluster_{gi} {{\n    label=\"{}\";",
                escape(&g.name)
            );
            let id = |v: usize| format!("g{gi}v{v}");
            for (v, name) in g.inputs.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "    {} [shape=box, label=\"{}\"];",
                    id(v),
                    escape(name)
                );
            }
            for (v, node) in g.all_nodes() {
                let name = if v == g.vertex_count() {
                    "output"
                } else {
                    node.name.as_str()
                };
                let absent = node
                    .guard
                    .is_some_and(|gd| !gd.when.holds(values[gd.parent]));
                let mut label = format!("{name}\\n{}", node.combine.name());
                if let Some(op) = &node.post {
                    let _ = write!(label, " >> {}", self.op_text(op, values));
                }
                let style = if absent { ", style=dotted" } else { "" };
                let _ = writeln!(out, "    {} [label=\"{}\"{style}];", id(v), escape(&label));
                for t in &node.terms {
                    let Some(u) = resolve(&t.source, values) else {
                        continue;
                    };
                    let (text, zero) = match &t.op {
                        None => (String::new(), false),
                        Some(op) => {
                            let zero = resolve_op(op, self.decisions(), values)
                                .is_some_and(|o| o.kind == OpKind::Zero);
                            (self.op_text(op, values), zero)
                        }
                    };
                    let dashed = if zero || absent {
                        ", style=dashed, color=gray"
                    } else {
                        ""
                    };
                    let _ = writeln!(
                        out,
                        "    {} -> {} [label=\"{}\"{dashed}];",
                        id(u),
                        id(v),
                        escape(&text)
                    );
                }
            }
            out.push_str("  }\n");
        }
        out.push_str("}\n");
        out
    }
}

/// An op with its arguments, decision arguments replaced by their values.
fn call_text(op: &Op, decisions: &[Decision], values: &[Value]) -> String {
    if op.args.is_empty() {
        return op.name.clone();
    }
    let args: Vec<String> = op
        .args
        .iter()
        .filter_map(|a| {
            let v = match &a.value {
                ArgValue::Int(x) => x.to_string(),
                ArgValue::Float(s) => s.clone(),
                ArgValue::Str(s) => format!("{s:?}"),
                ArgValue::Bool(b) => b.to_string(),
                ArgValue::Decision(d) => {
                    if values[*d] == Value::Off {
                        return None;
                    }
                    let mut s = String::new();
                    write_value(&decisions[*d].domain, values[*d], &mut s);
                    s
                }
            };
            let name = a.name.as_deref().map(|n| n.rsplit('.').next().unwrap_or(n));
            Some(match name {
                Some(n) => format!("{n}: {v}"),
                None => v,
            })
        })
        .collect();
    format!("{}({})", op.name, args.join(", "))
}

fn escape(s: &str) -> String {
    s.replace('"', "\\\"")
}

/// Whether a step (or node) under `guard` exists in the architecture with `values`.
fn holds(guard: Option<Guard>, values: &[Value]) -> bool {
    guard.is_none_or(|g| g.when.holds(values[g.parent]))
}
