//! The `state_dict` keys an exported module has, walked from its [`Module`] by the naming
//! rules of the classes in `model_lib.py`: the variables nas registers, and batch norm's
//! `num_batches_tracked` counters, which PyTorch keeps and nas does not.

use crate::compile::describe::{CellModule, Module, SequenceStage, Shortcut, Stage, VertexModule};
use crate::compile::sequence::cell_path_name;

/// The keys of `module`'s state: `(variables, batch norms' num_batches_tracked)`.
pub fn keys(module: &Module) -> (Vec<String>, Vec<String>) {
    let mut walk = Walk::default();
    walk.module(module, "");
    (walk.variables, walk.counters)
}

#[derive(Default)]
struct Walk {
    variables: Vec<String>,
    counters: Vec<String>,
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

impl Walk {
    fn vars(&mut self, prefix: &str, names: &[&str]) {
        for n in names {
            self.variables.push(join(prefix, n));
        }
    }

    fn module(&mut self, m: &Module, p: &str) {
        match m {
            Module::Conv { bias, .. } | Module::Linear { bias, .. } => {
                self.vars(p, &["weight"]);
                if *bias {
                    self.vars(p, &["bias"]);
                }
            }
            Module::BatchNorm { affine, .. } => {
                if *affine {
                    self.vars(p, &["weight", "bias"]);
                }
                self.vars(p, &["running_mean", "running_var"]);
                self.counters.push(join(p, "num_batches_tracked"));
            }
            Module::LayerNorm { .. } => self.vars(p, &["weight", "bias"]),
            Module::Embedding { .. } => self.vars(p, &["weight"]),
            Module::TiedLinear { .. } => self.vars(p, &["bias"]),
            Module::Act(_)
            | Module::Pool { .. }
            | Module::GlobalAvgPool
            | Module::Flatten
            | Module::Identity
            | Module::Zero { .. }
            | Module::ChannelShuffle { .. }
            | Module::Dropout { .. } => {}
            Module::Seq(parts) | Module::Residual { parts, .. } => {
                for (name, part) in parts {
                    self.module(part, &join(p, name));
                }
            }
            Module::Parallel { branches, .. } => {
                for (i, b) in branches.iter().enumerate() {
                    self.module(b, &join(p, &format!("b{i}")));
                }
            }
            Module::FactorizedReduce { c_in, c_out } => {
                let conv = |c| Module::Conv {
                    c_in: *c_in,
                    c_out: c,
                    kernel: [1, 1],
                    stride: 2,
                    dilation: 1,
                    groups: 1,
                    bias: false,
                };
                self.module(&conv(c_out / 2), &join(p, "conv_0"));
                self.module(&conv(c_out - c_out / 2), &join(p, "conv_1"));
                let bn = Module::BatchNorm {
                    channels: *c_out,
                    affine: true,
                };
                self.module(&bn, &join(p, "bn"));
            }
            Module::ResBlock {
                conv_a,
                conv_b,
                shortcut,
            } => {
                self.module(conv_a, &join(p, "conv_a"));
                self.module(conv_b, &join(p, "conv_b"));
                if let Shortcut::PoolConv(m) | Shortcut::Module(m) = shortcut {
                    self.module(m, &join(p, "downsample"));
                }
            }
            Module::ChannelPool { adapt, pool } => {
                if let Some(a) = adapt {
                    self.module(a, &join(p, "adapt"));
                }
                self.module(pool, &join(p, "pool"));
            }
            Module::Network { stages, .. } => {
                for stage in stages {
                    match stage {
                        Stage::Layer(i, m) => self.module(m, &join(p, &format!("layers.{i}"))),
                        Stage::Single(k, m) => self.module(m, &join(p, &format!("cells.{k}"))),
                        Stage::Cell(k, c) => self.cell(c, &join(p, &format!("cells.{k}"))),
                    }
                }
            }
            Module::Nb101Cell(c) => {
                for v in &c.vertices {
                    let q = join(p, &v.name);
                    if let Some(proj) = &v.projection {
                        self.module(proj, &join(&q, "proj"));
                    }
                    self.module(&v.op, &join(&q, "op"));
                }
                if let Some(proj) = &c.projection {
                    self.module(proj, &join(p, "output.proj"));
                }
            }
            Module::Sequence { stages } => {
                let mut cells = 0;
                for stage in stages {
                    match stage {
                        SequenceStage::Layer(i, m) => {
                            self.module(m, &join(p, &format!("layers.{i}")))
                        }
                        SequenceStage::Cell { cell, .. } => {
                            self.cell(cell, &join(p, &cell_path_name(cells)));
                            cells += 1;
                        }
                    }
                }
            }
        }
    }

    fn cell(&mut self, c: &CellModule, p: &str) {
        for (j, pre) in c.pre.iter().enumerate() {
            if let Some(m) = pre {
                self.module(m, &join(p, &format!("pre{j}")));
            }
        }
        for v in c.vertices.iter().chain([&c.output]) {
            if let VertexModule::Merge { terms, post, .. } = v {
                for (name, m) in terms.iter().filter_map(|(_, op)| op.as_ref()) {
                    self.module(m, &join(p, &format!("edges.{name}")));
                }
                if let Some((name, m)) = post {
                    self.module(m, &join(p, &format!("post.{name}")));
                }
            }
        }
    }
}
