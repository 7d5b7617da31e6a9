//! The supernet of a language model's space (a `sequence` input): its pipeline's layers
//! applied to the whole window, each recurrent cell a mixed cell (every op decision a mixed
//! op, every `k of [...]` input choice mixed edges, as an image cell's) unrolled over the
//! window's steps with the compiled network's own wiring ([`crate::compile::sequence::unroll`]),
//! the embedding and a `tied_linear` decoder sharing one table as they do there. Variables are
//! named as the compiled network names them (`layers.i`, `cell`, `cell1`, …) with each
//! alternative's label appended on its edge, so a path runs the single architecture's layers.
//!
//! A search reads the corpus as rows of consecutive text ([`super::data`]), and each batch
//! starts from the hidden states the previous batch of the same rows ended with (detached;
//! zeros at the start of a pass), as ENAS and DARTS carry them across their streams.

use super::rows::{unsupported, Rows};
use super::supernet::{prefix, At, Build, EdgeOp, Pass, Recurrence, Stage};
use super::OneShotError;
use crate::compile::embedding::Embedding;
use crate::compile::ir_op::Resolver;
use crate::compile::layer::boxed;
use crate::compile::op::OpSpec;
use crate::compile::sequence::{cell_path_name, cell_widths, check_state_widths, tied, unroll};
use crate::compile::CompileError;
use crate::space::{Architecture, OpRef, Space, StepKind};
use crate::wiring::CellFrame;
use tch::{nn, TchError, Tensor};

/// The stages of the supernet of `space`, a language model's, under `root`; fixed ops are
/// resolved in `reference` (any architecture of the space) and α's rows added to `rows`.
pub(super) fn stages(
    space: &Space,
    root: &nn::Path,
    reference: &Architecture,
    rows: &mut Rows,
) -> Result<Vec<Stage>, OneShotError> {
    let mut stages = Vec::new();
    // The embedding's table, which a `tied_linear` shares.
    let mut table: Option<Tensor> = None;
    // Token ids have one feature until an embedding widens them.
    let mut width = 1;
    let mut cells = 0;
    for (i, step) in space.skeleton().steps.iter().enumerate() {
        if let Some(g) = step.guard {
            return Err(unsupported(
                space,
                format!(
                    "a step of the network exists only when decision `{}` allows (a chosen depth)",
                    space.decisions()[g.parent].name
                ),
            ));
        }
        match &step.kind {
            StepKind::Op(r) => {
                let q = root / "layers" / i;
                let owner = format!("layer {i} of the network");
                let build = Build {
                    space,
                    resolver: Resolver {
                        space,
                        arch: reference,
                        alternatives: None,
                    },
                    call: None,
                    frame: CellFrame {
                        inputs: 0,
                        stride: 1,
                        scale: 1,
                    },
                    partial: 1,
                };
                let fixed = match r {
                    OpRef::Fixed(op) if super::values::reads(space, &owner, op)?.is_empty() => {
                        Some(build.resolver.op(op, 0)?)
                    }
                    _ => None,
                };
                let (op, out) = match fixed {
                    Some(OpSpec::Embedding { vocab, dim }) => {
                        let embedding = Embedding::new(&q, vocab, dim)?;
                        if table.replace(embedding.weight()).is_some() {
                            return Err(CompileError::bad_op(
                                &q,
                                "embedding",
                                "a language model has one embedding",
                            )
                            .into());
                        }
                        (EdgeOp::Fixed(boxed(embedding), prefix(&q)), dim)
                    }
                    Some(OpSpec::TiedLinear { d_out }) => {
                        let layer = tied(&q, table.as_ref(), d_out, width)?;
                        (EdgeOp::Fixed(layer, prefix(&q)), d_out)
                    }
                    _ => {
                        let at = At {
                            stride: 1,
                            scale: 1,
                            partial: 1,
                        };
                        let (op, c, _) = build.edge(&q, &owner, Some(r), at, width, rows)?;
                        (op, c)
                    }
                };
                stages.push(Stage::Layer(op));
                width = out;
            }
            StepKind::Cell(call) => {
                let q = root / cell_path_name(cells);
                cells += 1;
                let (hidden, channels) = cell_widths(&q, call, width)?;
                let build = Build {
                    space,
                    resolver: Resolver {
                        space,
                        arch: reference,
                        alternatives: Some(&call.alternatives),
                    },
                    call: Some(call),
                    frame: CellFrame {
                        inputs: call.instance.inputs.len(),
                        stride: 1,
                        scale: 1,
                    },
                    partial: 1,
                };
                let (cell, out) = build.cell(&q, call, channels, rows)?;
                check_state_widths(&q, call, hidden, out, |v| cell.width(v))?;
                let next = call.instance.states.iter().map(|s| s.next).collect();
                stages.push(Stage::Cell {
                    prefix: prefix(&q),
                    pre: Vec::new(),
                    cell,
                    recurrence: Some(Recurrence { hidden, next }),
                });
                width = out;
            }
        }
    }
    if cells == 0 {
        return Err(unsupported(
            space,
            "a language model needs a recurrent cell",
        ));
    }
    Ok(stages)
}

/// The logits `[B, T, ·]` of the stages for token ids `xs` `[B, T]` under `pass`, each cell
/// unrolled from its states in `start` (one `[B, hidden]` tensor per state of each cell, in
/// order; none: zeros), and the states after the last step, in the same order.
pub(super) fn forward(
    stages: &[Stage],
    xs: &Tensor,
    pass: &Pass,
    start: Option<&[Tensor]>,
) -> Result<(Tensor, Vec<Tensor>), TchError> {
    let mut seq = xs.shallow_clone();
    let mut given = start.map(|s| s.iter());
    let mut end = Vec::new();
    for stage in stages {
        match stage {
            Stage::Layer(op) => {
                seq = op
                    .forward(&seq, pass)?
                    .ok_or_else(|| TchError::Kind("a layer computed nothing".into()))?;
            }
            Stage::Cell {
                cell,
                recurrence: Some(r),
                ..
            } => {
                let named = !r.next.is_empty();
                let count = if named {
                    r.next.len()
                } else {
                    cell.inputs().saturating_sub(1)
                };
                let batch = seq.size().first().copied().unwrap_or(1);
                let states = (0..count)
                    .map(|_| match given.as_mut() {
                        Some(it) => it
                            .next()
                            .map(Tensor::shallow_clone)
                            .filter(|s| s.size() == [batch, r.hidden])
                            .ok_or_else(|| {
                                TchError::Kind(format!(
                                    "the carried states do not fit the cells' ([{batch}, {}] each)",
                                    r.hidden
                                ))
                            }),
                        None => Tensor::f_zeros([batch, r.hidden], (seq.kind(), seq.device())),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let (out, last) = unroll(&seq, states, named, |inputs| {
                    cell.run_reading(
                        inputs.iter().map(Tensor::shallow_clone).collect(),
                        &r.next,
                        pass,
                    )
                })?;
                seq = out;
                end.extend(last);
            }
            Stage::Cell { .. } | Stage::Nb101(_) => {
                return Err(TchError::Kind(
                    "a language model's supernet holds layers and recurrent cells only".into(),
                ))
            }
        }
    }
    if given.is_some_and(|mut it| it.next().is_some()) {
        return Err(TchError::Kind(
            "more states were carried than the cells hold".into(),
        ));
    }
    Ok((seq, end))
}

#[cfg(test)]
mod tests {
    use super::super::darts::{Batch, Carry};
    use super::super::Supernet;
    use crate::compile::layer::Layer;
    use crate::compile::sequence::SequenceNet;
    use crate::oneshot::{Mode, OneShotSearch, SearchConfig, SupernetOptions};
    use crate::space::{load_space_with, rng, Space};
    use tch::{nn, Device, Kind, Tensor};

    fn space(name: &str, args: &[(&str, i64)]) -> Space {
        let args: Vec<(String, i64)> = args.iter().map(|(n, v)| (n.to_string(), *v)).collect();
        load_space_with(name, &args).unwrap()
    }

    /// Sets each weight of `net` that a variable of `child` names — the same name, or the
    /// name with an alternative's label after its edge (`cell.edges.4<-2.rnn_tanh.linear.weight`
    /// for `cell.edges.4<-2.linear.weight`) — to that variable's value, every alternative alike.
    fn copy_child_into(child: &nn::VarStore, net: &Supernet) -> usize {
        let mut copied = 0;
        let shared = net.named_weights();
        tch::no_grad(|| {
            for (name, value) in child.variables() {
                // `cell.edges.4<-2` and the rest, for a cell's variable.
                let parts: Vec<&str> = name.splitn(4, '.').collect();
                let (head, tail) = match parts[..] {
                    [cell, edges, edge, rest] if cell.starts_with("cell") => {
                        (format!("{cell}.{edges}.{edge}"), rest)
                    }
                    _ => (name.clone(), ""),
                };
                for (n, t) in &shared {
                    let labelled = n
                        .strip_prefix(&format!("{head}."))
                        .and_then(|rest| rest.split_once('.'))
                        .is_some_and(|(_, r)| r == tail);
                    if *n == name || (!tail.is_empty() && labelled) {
                        t.shallow_clone().copy_(&value);
                        copied += 1;
                    }
                }
            }
        });
        copied
    }

    #[test]
    fn a_path_through_the_supernet_computes_the_compiled_cell() {
        let _generator = crate::test_generator();
        let s = space("enas_rnn", &[("vocab", 11), ("d", 4)]);
        let net = Supernet::new(&s, 1, Device::Cpu, Kind::Float, 0).unwrap();
        let xs = Tensor::randint(11, [3, 6], (Kind::Int64, Device::Cpu));
        for seed in 0..4 {
            let arch = s.sample(&mut rng(seed)).unwrap();
            let vs = nn::VarStore::new(Device::Cpu);
            let child = SequenceNet::new(&vs.root(), &s, &arch).unwrap();
            assert!(copy_child_into(&vs, &net) >= vs.variables().len());
            let expected = child.forward(&xs, false).unwrap();
            let mix = net.path_mix(&arch).unwrap();
            let got = net.forward(&xs, &mix, false).unwrap();
            assert_eq!(got.size(), [3, 6, 11]);
            assert!(
                got.allclose(&expected, 1e-5, 1e-6, false),
                "{}",
                s.encode(&arch)
            );
            let count: i64 = vs
                .trainable_variables()
                .iter()
                .map(|t| t.numel() as i64)
                .sum();
            assert_eq!(net.path_weight_count(&arch).unwrap(), count);
        }
        let alpha = net.alpha().detach();
        let mixed = net
            .forward(&xs, &net.darts_mix(&alpha).unwrap(), true)
            .unwrap();
        let finite = mixed.isfinite().all().int64_value(&[]);
        assert_eq!(finite, 1, "DARTS' mixture over every edge and op");
        assert_eq!(mixed.size(), [3, 6, 11]);
    }

    #[test]
    fn stacked_cells_with_named_states_and_a_tied_decoder_run_as_compiled() {
        let _generator = crate::test_generator();
        let s = space("awd_lstm", &[("vocab", 13), ("emb", 6), ("d", 5)]);
        let net = Supernet::new(&s, 1, Device::Cpu, Kind::Float, 1).unwrap();
        let arch = s.sample(&mut rng(0)).unwrap();
        let vs = nn::VarStore::new(Device::Cpu);
        let child = SequenceNet::new(&vs.root(), &s, &arch).unwrap();
        copy_child_into(&vs, &net);
        let xs = Tensor::randint(13, [2, 5], (Kind::Int64, Device::Cpu));
        let expected = child.forward(&xs, false).unwrap();
        let got = net
            .forward(&xs, &net.path_mix(&arch).unwrap(), false)
            .unwrap();
        assert!(got.allclose(&expected, 1e-5, 1e-6, false));
        let count: i64 = vs
            .trainable_variables()
            .iter()
            .map(|t| t.numel() as i64)
            .sum();
        assert_eq!(
            net.weight_count(),
            count,
            "no decision: the supernet is the network"
        );
    }

    #[test]
    fn a_batch_carries_its_states_into_the_next_as_the_compiled_network_does() {
        let _generator = crate::test_generator();
        let s = space("awd_lstm", &[("vocab", 13), ("emb", 6), ("d", 5)]);
        let net = Supernet::new(&s, 1, Device::Cpu, Kind::Float, 1).unwrap();
        let arch = s.sample(&mut rng(0)).unwrap();
        let vs = nn::VarStore::new(Device::Cpu);
        let child = SequenceNet::new(&vs.root(), &s, &arch).unwrap();
        copy_child_into(&vs, &net);
        let xs = Tensor::randint(13, [2, 7], (Kind::Int64, Device::Cpu));
        let expected = child.forward(&xs, false).unwrap();
        let mix = net.path_mix(&arch).unwrap();
        let window = |from: i64, steps: i64, start: Option<Vec<Tensor>>| Batch {
            inputs: xs.narrow(1, from, steps),
            targets: xs.narrow(1, from, steps),
            carry: Some(Carry::from(start)),
        };
        let first = window(0, 4, None);
        let head = net.forward_batch(&first, &mix, false).unwrap();
        let end = first.carry.and_then(|c| c.end.into_inner()).unwrap();
        assert_eq!(end.len(), 6, "h and c of each of the three cells");
        let second = window(4, 3, Some(end));
        let tail = net.forward_batch(&second, &mix, false).unwrap();
        let both = Tensor::cat(&[head, tail.shallow_clone()], 1);
        assert!(
            both.allclose(&expected, 1e-5, 1e-6, false),
            "seven steps in two windows"
        );
        let fresh = net.forward(&xs.narrow(1, 4, 3), &mix, false).unwrap();
        assert!(
            !fresh.allclose(&tail, 1e-5, 1e-6, false),
            "from zeros it differs"
        );
        let wrong = window(
            4,
            3,
            Some(vec![Tensor::zeros([2, 5], (Kind::Float, Device::Cpu))]),
        );
        let err = net
            .forward_batch(&wrong, &mix, false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("do not fit"), "{err}");
    }

    #[test]
    fn darts_and_single_paths_search_a_language_model_on_token_windows() {
        let _generator = crate::test_generator();
        let s = space("enas_rnn", &[("vocab", 11), ("d", 4)]);
        let net = Supernet::new(&s, 1, Device::Cpu, Kind::Float, 2).unwrap();
        let tokens = Tensor::randint(11, [400], (Kind::Int64, Device::Cpu));
        let (train, valid) = (tokens.narrow(0, 0, 200), tokens.narrow(0, 200, 200));
        let config = SearchConfig::darts(4, 0);
        let mut search = OneShotSearch::text(net, (&train, &valid), 6, &config).unwrap();
        assert!(search.is_text());
        assert_eq!(
            search.steps_per_epoch(),
            8,
            "33 windows of 6 tokens, batches of 4"
        );
        let alpha = search.supernet().alpha().copy();
        for order in [1, 2] {
            assert!(search.weight_step().unwrap().is_finite());
            assert!(search.alpha_step(order).unwrap().is_finite());
        }
        assert!(!search.supernet().alpha().equal(&alpha), "α moved");
        let derived = search.derive().unwrap();
        let loss = search.valid_loss(&derived, None).unwrap();
        assert!(loss.is_finite() && loss > 0.0);
        let accuracy = search.valid_accuracy(&derived, Some(2)).unwrap();
        assert!((0.0..=1.0).contains(&accuracy), "next-token accuracy");
        search.set_mode(Mode::Path);
        let path = search.sample_path().unwrap();
        assert!(search.weight_step_on(&path).unwrap().is_finite());
        assert!(search.valid_batch_loss(&path).unwrap().is_finite());
        let err = search.latencies().unwrap_err().to_string();
        assert!(err.contains("image ops"), "{err}");
    }

    #[test]
    fn image_only_options_are_refused_for_a_language_model() {
        let s = space("enas_rnn", &[("vocab", 11), ("d", 4)]);
        let options = SupernetOptions {
            partial_channels: 2,
            edge_normalization: false,
        };
        let err = Supernet::with_options(&s, 1, options, Device::Cpu, Kind::Float, 0)
            .unwrap_err()
            .to_string();
        assert!(err.contains("partial channels"), "{err}");
    }
}
