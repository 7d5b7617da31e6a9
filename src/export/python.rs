//! A compiled network's [`Module`] written as Python: constructor calls of the plain PyTorch
//! classes in `model_lib.py`, one per kind of op, nested as the network is, so that the
//! module's `state_dict` keys are the paths nas registers its variables under.

use crate::compile::activation::Activation;
use crate::compile::describe::{
    CellModule, Module, Nb101Module, SequenceStage, Shortcut, Stage, VertexModule,
};
use crate::compile::pool::PoolKind;
use crate::space::Combine;

/// The classes every exported `model.py` defines (plain PyTorch, nothing of nas).
pub const LIBRARY: &str = include_str!("model_lib.py");

const INDENT: &str = "    ";

/// `module` as a Python expression, its nested lines indented from `depth`.
pub fn expression(module: &Module, depth: usize) -> String {
    let mut out = String::new();
    write(&mut out, module, depth);
    out
}

/// A Python string literal.
fn string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
}

fn combine(c: Combine) -> String {
    string(match c {
        Combine::Sum => "sum",
        Combine::Concat => "concat",
        Combine::Mean => "mean",
        Combine::Product => "product",
        Combine::Blend => "blend",
    })
}

/// A call `head(` with `items` one per line, then `)`.
fn call(out: &mut String, head: &str, items: Vec<String>, depth: usize) {
    if items.is_empty() {
        out.push_str(head);
        out.push_str("()");
        return;
    }
    let inner = INDENT.repeat(depth + 1);
    out.push_str(head);
    out.push_str("(\n");
    for item in items {
        out.push_str(&inner);
        out.push_str(&item);
        out.push_str(",\n");
    }
    out.push_str(&INDENT.repeat(depth));
    out.push(')');
}

/// A list `[...]` with `items` one per line.
fn list(items: Vec<String>, depth: usize) -> String {
    if items.is_empty() {
        return "[]".into();
    }
    let inner = INDENT.repeat(depth + 1);
    let mut out = String::from("[\n");
    for item in items {
        out.push_str(&inner);
        out.push_str(&item);
        out.push_str(",\n");
    }
    out.push_str(&INDENT.repeat(depth));
    out.push(']');
    out
}

fn named(parts: &[(String, Module)], depth: usize) -> Vec<String> {
    parts
        .iter()
        .map(|(name, m)| format!("({}, {})", string(name), expression(m, depth)))
        .collect()
}

fn optional(m: Option<&Module>, depth: usize) -> String {
    m.map_or_else(|| "None".to_string(), |m| expression(m, depth))
}

fn write(out: &mut String, module: &Module, depth: usize) {
    match module {
        Module::Conv {
            c_in,
            c_out,
            kernel: [kh, kw],
            stride,
            dilation,
            groups,
            bias,
        } => {
            let mut s = format!("Conv({c_in}, {c_out}, ({kh}, {kw})");
            for (name, value, default) in [
                ("stride", *stride, 1),
                ("dilation", *dilation, 1),
                ("groups", *groups, 1),
            ] {
                if value != default {
                    s.push_str(&format!(", {name}={value}"));
                }
            }
            if *bias {
                s.push_str(", bias=True");
            }
            s.push(')');
            out.push_str(&s);
        }
        Module::BatchNorm { channels, affine } => out.push_str(&if *affine {
            format!("BatchNorm({channels})")
        } else {
            format!("BatchNorm({channels}, affine=False)")
        }),
        Module::LayerNorm { dim } => out.push_str(&format!("nn.LayerNorm({dim})")),
        Module::Act(a) => out.push_str(match a {
            Activation::Relu => "nn.ReLU()",
            Activation::Relu6 => "nn.ReLU6()",
            Activation::Gelu => "nn.GELU()",
            Activation::Tanh => "nn.Tanh()",
            Activation::Sigmoid => "nn.Sigmoid()",
            Activation::Swish => "nn.SiLU()",
            Activation::LeakyRelu => "nn.LeakyReLU()",
            Activation::Identity => "nn.Identity()",
        }),
        Module::Pool {
            kind,
            kernel,
            stride,
        } => out.push_str(&match kind {
            PoolKind::Max => format!("nn.MaxPool2d({kernel}, {stride}, {})", kernel / 2),
            PoolKind::Avg => format!(
                "nn.AvgPool2d({kernel}, {stride}, {}, count_include_pad=False)",
                kernel / 2
            ),
        }),
        Module::GlobalAvgPool => out.push_str("GlobalAvgPool()"),
        Module::Flatten => out.push_str("nn.Flatten(1)"),
        Module::Identity => out.push_str("nn.Identity()"),
        Module::Zero { stride } => out.push_str(&format!("Zero({stride})")),
        Module::Dropout { p, locked: false } => out.push_str(&format!("nn.Dropout({p:?})")),
        Module::Dropout { p, locked: true } => out.push_str(&format!("LockedDropout({p:?})")),
        Module::Linear { d_in, d_out, bias } => out.push_str(&if *bias {
            format!("nn.Linear({d_in}, {d_out})")
        } else {
            format!("nn.Linear({d_in}, {d_out}, bias=False)")
        }),
        Module::TiedLinear { d_in, d_out } => out.push_str(&format!("TiedLinear({d_in}, {d_out})")),
        Module::Embedding { vocab, dim } => out.push_str(&format!("Embedding({vocab}, {dim})")),
        Module::Seq(parts) => call(out, "Seq", named(parts, depth + 1), depth),
        Module::Parallel {
            combine: c,
            branches,
        } => {
            let mut items = vec![combine(*c)];
            items.extend(branches.iter().map(|b| expression(b, depth + 1)));
            call(out, "Parallel", items, depth);
        }
        Module::FactorizedReduce { c_in, c_out } => {
            out.push_str(&format!("FactorizedReduce({c_in}, {c_out})"))
        }
        Module::ChannelShuffle { groups } => out.push_str(&format!("ChannelShuffle({groups})")),
        Module::Residual { parts, residual } => {
            let mut items = vec![if *residual { "True" } else { "False" }.to_string()];
            items.extend(named(parts, depth + 1));
            call(out, "Residual", items, depth);
        }
        Module::ResBlock {
            conv_a,
            conv_b,
            shortcut,
        } => {
            let mut items = vec![expression(conv_a, depth + 1), expression(conv_b, depth + 1)];
            match shortcut {
                Shortcut::Identity => {}
                Shortcut::PoolConv(conv) => {
                    items.push(format!("downsample={}", expression(conv, depth + 1)));
                    items.push("pool=True".into());
                }
                Shortcut::Module(m) => {
                    items.push(format!("downsample={}", expression(m, depth + 1)))
                }
            }
            call(out, "ResBlock", items, depth);
        }
        Module::ChannelPool { adapt, pool } => {
            let mut items = vec![expression(pool, depth + 1)];
            if let Some(a) = adapt {
                items.push(format!("adapt={}", expression(a, depth + 1)));
            }
            call(out, "ChannelPool", items, depth);
        }
        Module::Network { stages, keep } => {
            let mut items = vec![keep.to_string()];
            for stage in stages {
                items.push(match stage {
                    Stage::Layer(i, m) => format!("(\"layer\", {i}, {})", expression(m, depth + 1)),
                    Stage::Single(k, m) => {
                        format!("(\"single\", {k}, {})", expression(m, depth + 1))
                    }
                    Stage::Cell(k, c) => format!("(\"cell\", {k}, {})", cell(c, depth + 1)),
                });
            }
            call(out, "Network", items, depth);
        }
        Module::Nb101Cell(c) => out.push_str(&nb101(c, depth)),
        Module::Sequence { stages } => {
            let items = stages
                .iter()
                .map(|stage| match stage {
                    SequenceStage::Layer(i, m) => {
                        format!("(\"layer\", {i}, {})", expression(m, depth + 2))
                    }
                    SequenceStage::Cell {
                        cell: c,
                        hidden,
                        next,
                    } => format!(
                        "(\"cell\", {hidden}, {}, [{}])",
                        cell(c, depth + 2),
                        next.iter()
                            .map(usize::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                })
                .collect();
            call(out, "Sequence", vec![list(items, depth + 1)], depth);
        }
    }
}

fn vertex(v: &VertexModule, depth: usize) -> String {
    match v {
        VertexModule::Absent => "Absent()".into(),
        VertexModule::Pass(u) => format!("Pass({u})"),
        VertexModule::Merge {
            combine: c,
            terms,
            post,
        } => {
            let terms = terms
                .iter()
                .map(|(u, op)| match op {
                    Some((name, m)) => {
                        format!("({u}, {}, {})", string(name), expression(m, depth + 2))
                    }
                    None => format!("({u}, None, None)"),
                })
                .collect();
            let mut items = vec![combine(*c), list(terms, depth + 1)];
            if let Some((name, m)) = post {
                items.push(format!(
                    "post=({}, {})",
                    string(name),
                    expression(m, depth + 1)
                ));
            }
            let mut out = String::new();
            call(&mut out, "Merge", items, depth);
            out
        }
    }
}

fn cell(c: &CellModule, depth: usize) -> String {
    let pre = c
        .pre
        .iter()
        .map(|p| optional(p.as_ref(), depth + 2))
        .collect();
    let vertices = c.vertices.iter().map(|v| vertex(v, depth + 2)).collect();
    let items = vec![
        format!("pre={}", list(pre, depth + 1)),
        format!("vertices={}", list(vertices, depth + 1)),
        format!("output={}", vertex(&c.output, depth + 1)),
    ];
    let mut out = String::new();
    call(&mut out, "Cell", items, depth);
    out
}

fn nb101(c: &Nb101Module, depth: usize) -> String {
    let vertices = c
        .vertices
        .iter()
        .map(|v| {
            let interior: Vec<String> = v
                .interior
                .iter()
                .map(|(src, ch)| format!("({src}, {ch})"))
                .collect();
            let mut items = vec![
                format!("[{}]", interior.join(", ")),
                expression(&v.op, depth + 3),
            ];
            if let Some(p) = &v.projection {
                items.push(format!("proj={}", expression(p, depth + 3)));
            }
            let mut out = format!("({}, ", string(&v.name));
            call(&mut out, "Nb101Vertex", items, depth + 2);
            out.push(')');
            out
        })
        .collect();
    let concat: Vec<String> = c.concat.iter().map(ToString::to_string).collect();
    let mut items = vec![
        list(vertices, depth + 1),
        format!("[{}]", concat.join(", ")),
    ];
    if let Some(p) = &c.projection {
        items.push(format!("proj={}", expression(p, depth + 1)));
    }
    let mut out = String::new();
    call(&mut out, "Nb101Cell", items, depth);
    out
}
