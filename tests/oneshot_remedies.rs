//! The primitives behind the remedies of DARTS' failure modes, each method's defining
//! mechanism on a tiny supernet (8×8 grey toy images, seeded, CPU): DrNAS' Dirichlet samples
//! lie on each row's simplex with the Dirichlet's mean and a pathwise gradient that matches
//! the mean's derivative; SDARTS-ADV's PGD attack raises the training loss and SDARTS-RS'
//! noise stays on the simplex; DARTS-' auxiliary skip adds β to each edge's skip weight and
//! P-DARTS' skip dropout drops the skip term at its rate; an
//! op mask (SGAS fixing an edge, a cut `k of` candidate) restricts mixing and deriving; the
//! readouts; SETN's templates drawn from α follow its softmax (a `k of` candidate that
//! draws `none` is not picked); every setting survives a checkpoint; and every primitive runs
//! on NAS-Bench-201,
//! the DARTS space, NAS-Bench-101 and the ENAS macro space where it means something.

mod oneshot_common;
use nas::oneshot::alive::Alive;
use nas::oneshot::darts::{loss, Batch};
use nas::oneshot::dirichlet::{kl_to_flat, sample};
use nas::oneshot::mix::{softmax_mix, weights_mix};
use nas::oneshot::perturb::{pgd, project, random, Perturbation};
use nas::oneshot::skip::{add_aux_skip, drop_skips, skip_columns};
use nas::oneshot::{Mode, OneShotSearch, SearchConfig, Supernet};
use nas::space::{load_space_with, Space};
use nas::train::generator;
use oneshot_common::toy;
use tch::{Device, Kind, Tensor};

fn space(name: &str, args: &[(&str, i64)]) -> Space {
    let args: Vec<(String, i64)> = args.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    load_space_with(name, &args).unwrap_or_else(|e| panic!("{e}"))
}

fn nb201() -> Space {
    space("nb201", &[("c", 4), ("n", 1), ("classes", 2)])
}

fn search(s: &Space, seed: u64) -> OneShotSearch {
    let net = Supernet::new(s, 1, Device::Cpu, Kind::Float, seed as i64).unwrap();
    let config = SearchConfig {
        arch_lr: 0.05,
        ..SearchConfig::darts(8, seed)
    };
    OneShotSearch::new(net, toy(16, 1), toy(16, 2), &config).unwrap()
}

/// A batch of 16 toy images as the supernet sees them (scaled to [0, 1]).
fn batch() -> Batch {
    let set = toy(16, 3);
    Batch {
        inputs: set.pixels.to_kind(Kind::Float) / 255.0,
        targets: set.labels,
        carry: None,
    }
}

#[test]
fn dirichlet_samples_lie_on_the_simplex_with_the_mean_and_its_pathwise_gradient() {
    let _g = generator::hold();
    tch::manual_seed(0);
    // Two rows: concentrations (2, 1, 1) and (0.5, 3) with a padded third column.
    let conc = Tensor::from_slice(&[2.0f64, 1.0, 1.0, 0.5, 3.0, 7.0])
        .view([2, 3])
        .set_requires_grad(true);
    let support = Tensor::from_slice(&[1.0f64, 1.0, 1.0, 1.0, 1.0, 0.0]).view([2, 3]);
    let n = 20000;
    let x = sample(&conc.repeat([n, 1]), &support.repeat([n, 1])).unwrap();
    let x3 = x.view([n, 2, 3]);
    // On the simplex: non-negative, padding exactly 0, each row summing to 1.
    assert!(x.min().double_value(&[]) >= 0.0);
    assert_eq!(
        x3.select(2, 2)
            .select(1, 1)
            .abs()
            .sum(Kind::Double)
            .double_value(&[]),
        0.0
    );
    let sums = x.sum_dim_intlist([-1i64].as_slice(), false, Kind::Double);
    assert!((sums - 1.0).abs().max().double_value(&[]) < 1e-9);
    // The sample mean is the Dirichlet's mean c / Σc.
    let mean = x3.mean_dim([0i64].as_slice(), false, Kind::Double);
    for (r, c) in [[2.0, 1.0, 1.0], [0.5, 3.0, 0.0]].iter().enumerate() {
        let total: f64 = c.iter().sum();
        for (k, ck) in c.iter().enumerate() {
            let m = mean.double_value(&[r as i64, k as i64]);
            assert!((m - ck / total).abs() < 0.01, "row {r} op {k}: {m}");
        }
    }
    // The pathwise gradient of E[x₀₀] = c₀/Σc: ∂/∂c₀ = (Σc − c₀)/(Σc)², ∂/∂c₁ = −c₀/(Σc)².
    let e00 = x3.select(2, 0).select(1, 0).mean(Kind::Double);
    let g = Tensor::run_backward(&[e00], &[&conc], false, false).remove(0);
    let (d0, d1) = (g.double_value(&[0, 0]), g.double_value(&[0, 1]));
    assert!((d0 - 2.0 / 16.0).abs() < 0.015, "{d0}");
    assert!((d1 + 2.0 / 16.0).abs() < 0.015, "{d1}");
    assert_eq!(g.double_value(&[1, 2]), 0.0);
    // DrNAS' regulariser: 0 at the flat Dirichlet (α = 0: concentration 1), positive away.
    let flat = kl_to_flat(
        &Tensor::zeros([2, 3], (Kind::Double, Device::Cpu)),
        &support,
    )
    .unwrap();
    assert!(flat.double_value(&[]).abs() < 1e-9);
    let peaked = Tensor::from_slice(&[3.0f64, -0.5, 0.0, 2.0, 0.0, 0.0]).view([2, 3]);
    assert!(kl_to_flat(&peaked, &support).unwrap().double_value(&[]) > 0.1);
}

#[test]
fn the_pgd_attack_raises_the_training_loss_and_perturbed_weights_stay_on_the_simplex() {
    let _g = generator::hold();
    tch::set_num_threads(1);
    let s = nb201();
    let net = Supernet::new(&s, 1, Device::Cpu, Kind::Float, 4).unwrap();
    let live = net.live().to_vec();
    let support = Tensor::ones([6, 5], (Kind::Float, Device::Cpu));
    let p = net.alpha().detach().softmax(-1, Kind::Float);
    let b = batch();
    let mix_of = |w: &Tensor| weights_mix(w, &live);
    let clean = loss(&net, &b, &mix_of(&p).unwrap())
        .unwrap()
        .double_value(&[]);
    let attacked = pgd(&net, &b, &p, &support, 0.3, 7, &mix_of).unwrap();
    let adv = loss(&net, &b, &mix_of(&attacked).unwrap())
        .unwrap()
        .double_value(&[]);
    assert!(adv > clean, "PGD: {clean} → {adv}");
    // Random smoothing and the attack stay on each row's simplex.
    tch::manual_seed(1);
    for q in [attacked, random(&p, &support, 0.3).unwrap()] {
        assert!(q.min().double_value(&[]) >= 0.0);
        let sums = q.sum_dim_intlist([-1i64].as_slice(), false, Kind::Double);
        assert!((sums - 1.0).abs().max().double_value(&[]) < 1e-5);
        assert!((q - &p).abs().max().double_value(&[]) > 0.0);
    }
    // SDARTS' clip: negatives to 0, a row with nothing left puts 1 on its largest entry,
    // unsupported entries stay 0.
    let raw = Tensor::from_slice(&[-0.2f64, 0.6, 0.6, -0.1, -0.3, 0.9]).view([2, 3]);
    let mask = Tensor::from_slice(&[1.0f64, 1.0, 1.0, 1.0, 1.0, 0.0]).view([2, 3]);
    let q = project(&raw, &mask).unwrap();
    let q: Vec<f64> = Vec::try_from(q.flatten(0, -1)).unwrap();
    assert_eq!(q, [0.0, 0.5, 0.5, 1.0, 0.0, 0.0]);
    assert!(Perturbation::Adversarial {
        epsilon: 0.1,
        steps: 0
    }
    .checked()
    .is_err());
    assert!(Perturbation::Random { epsilon: -1.0 }.checked().is_err());
}

#[test]
fn the_auxiliary_skip_adds_beta_to_every_edge_skip_weight() {
    let _g = generator::hold();
    tch::set_num_threads(1);
    let s = nb201();
    let net = Supernet::new(&s, 1, Device::Cpu, Kind::Float, 5).unwrap();
    let rows = net.rows().rows();
    // NAS-Bench-201's skip_connect is column 1 of every edge.
    assert_eq!(skip_columns(rows), vec![Some(1); 6]);
    let mut mix = softmax_mix(net.alpha(), None, net.live()).unwrap();
    let before: Vec<f64> = mix
        .iter()
        .map(|t| t[0].weight.as_ref().unwrap().double_value(&[]))
        .collect();
    add_aux_skip(
        &mut mix,
        &skip_columns(rows),
        &[],
        0.75,
        Kind::Float,
        Device::Cpu,
    )
    .unwrap();
    for (terms, w) in mix.iter().zip(&before) {
        assert_eq!(terms[0].op, 1);
        let now = terms[0].weight.as_ref().unwrap().double_value(&[]);
        assert!((now - w - 0.75).abs() < 1e-6, "{w} → {now}");
    }
    // P-DARTS' skip dropout: about half the skip terms dropped at p = 0.5, the others
    // doubled; the other ops untouched.
    tch::manual_seed(2);
    let (mut dropped, mut kept) = (0, 0);
    for _ in 0..200 {
        let mut mix = softmax_mix(net.alpha(), None, net.live()).unwrap();
        drop_skips(&mut mix, &skip_columns(rows), 0.5, Kind::Float, Device::Cpu).unwrap();
        for (terms, w) in mix.iter().zip(&before) {
            match terms.iter().find(|t| t.op == 1) {
                None => dropped += 1,
                Some(t) => {
                    kept += 1;
                    let now = t.weight.as_ref().unwrap().double_value(&[]);
                    assert!((now - 2.0 * w).abs() < 1e-6, "{w} → {now}");
                }
            }
            assert_eq!(terms.iter().filter(|t| t.op != 1).count(), 3);
        }
    }
    assert!(
        (500..700).contains(&dropped) && dropped + kept == 1200,
        "{dropped} {kept}"
    );
    // The DARTS space: the identity on every candidate edge; NAS-Bench-101 has no skip op
    // among its op choices (its `any of` members' `on` is the edge itself).
    let darts = space("darts", &[("c", 4), ("n", 1), ("classes", 2)]);
    let dnet = Supernet::new(&darts, 1, Device::Cpu, Kind::Float, 5).unwrap();
    let cols = skip_columns(dnet.rows().rows());
    assert!(cols.iter().all(|c| *c == Some(6)), "{cols:?}");
    let nb101 = space("nb101", &[("c", 8), ("cells", 1), ("classes", 2)]);
    let mut s101 = search(&nb101, 5);
    let err = s101.set_aux_skip(0.5).unwrap_err().to_string();
    assert!(err.contains("skip"), "{err}");
    // Through a search: β changes the loss of a step, second order refuses it, β < 0 too.
    let mut a = search(&s, 6);
    let mut b = search(&s, 6);
    a.set_aux_skip(1.0).unwrap();
    assert_ne!(a.alpha_step(1).unwrap(), b.alpha_step(1).unwrap());
    assert!(a.alpha_step(2).is_err());
    assert!(a.set_aux_skip(-0.1).is_err());
    assert!(a.set_skip_dropout(1.0).is_err());
    assert!(s101.set_skip_dropout(0.2).is_err());
    a.set_aux_skip(0.0).unwrap();
    assert!(a.alpha_step(2).unwrap().is_finite());
}

#[test]
fn a_fixed_edge_mixes_and_derives_only_its_op_and_a_cut_candidate_is_never_picked() {
    let _g = generator::hold();
    tch::set_num_threads(1);
    let s = nb201();
    let mut sgas = search(&s, 7);
    for _ in 0..2 {
        sgas.alpha_step(1).unwrap();
        sgas.weight_step().unwrap();
    }
    let entropy = sgas.entropies().unwrap();
    let importance = sgas.importances().unwrap();
    let probs = sgas.probabilities().unwrap();
    for r in 0..6 {
        assert!(entropy[r] > 0.9 && entropy[r] <= 1.0 + 1e-9, "{entropy:?}");
        assert!((importance[r] - (1.0 - probs[r][0])).abs() < 1e-9);
    }
    // SGAS fixes edge 2 to nor_conv_3x3 (column 3): one decision, one row decided.
    let mut alive = sgas.alive();
    alive.0[2] = vec![false, false, false, true, false];
    sgas.set_alive(Some(alive)).unwrap();
    assert_eq!(sgas.alive().count(2), 1);
    assert_eq!((0..6).filter(|&r| sgas.alive().count(r) == 1).count(), 1);
    for _ in 0..2 {
        sgas.alpha_step(1).unwrap();
        sgas.weight_step().unwrap();
    }
    assert_eq!(sgas.probabilities().unwrap()[2], [0.0, 0.0, 0.0, 1.0, 0.0]);
    assert_eq!(sgas.entropies().unwrap()[2], 0.0);
    assert_eq!(sgas.ranking().unwrap()[2], [3]);
    assert_eq!(sgas.derived_ops().unwrap()[2], Some(3));
    assert!(sgas.alpha_step(2).is_err());
    // An op choice keeps an op other than `none`.
    let mut only_none = sgas.alive();
    only_none.0[0] = vec![true, false, false, false, false];
    assert!(sgas.set_alive(Some(only_none)).is_err());
    sgas.set_alive(None).unwrap();
    assert_eq!(sgas.alive(), Alive::full(sgas.supernet().rows().rows()));
    // The DARTS space: cut candidate 0 of a node with three candidates; it is never picked.
    let darts = space("darts", &[("c", 4), ("n", 1), ("classes", 2)]);
    let mut d = search(&darts, 8);
    let names: Vec<String> = d
        .supernet()
        .rows()
        .rows()
        .iter()
        .map(|r| r.name.clone())
        .collect();
    let group = |r: usize| names[r].split(':').next().unwrap().to_string();
    let r = (0..names.len())
        .find(|&r| (0..names.len()).filter(|&j| group(j) == group(r)).count() == 3)
        .expect("a node with three candidates");
    let mut alive = d.alive();
    alive.0[r] = vec![false; alive.0[r].len()];
    d.set_alive(Some(alive)).unwrap();
    for _ in 0..2 {
        assert!(d.alpha_step(1).unwrap().is_finite());
        assert!(d.weight_step().unwrap().is_finite());
    }
    assert!(d.probabilities().unwrap()[r].iter().all(|&p| p == 0.0));
    assert_eq!(d.derived_ops().unwrap()[r], None);
}

#[test]
fn setn_templates_are_drawn_from_alpha() {
    let _g = generator::hold();
    tch::set_num_threads(1);
    // NAS-Bench-201: edge 0's softmax is (0.1, 0.6, 0.1, 0.1, 0.1), `none` included, and the
    // drawn cells take each op about that often; the other edges are flat.
    let s = nb201();
    let mut x = search(&s, 11);
    let alpha = Tensor::zeros([6, 5], (Kind::Float, Device::Cpu));
    let _ = alpha.get(0).get(1).fill_(6f64.ln());
    tch::no_grad(|| x.supernet().alpha().shallow_clone().copy_(&alpha));
    let n = 3000;
    let mut counts = [[0usize; 5]; 6];
    for _ in 0..n {
        let arch = x.sample_alpha().unwrap();
        let mix = x.supernet().path_mix(&arch).unwrap();
        for (r, terms) in mix.iter().enumerate() {
            counts[r][terms[0].op] += 1;
        }
    }
    for (r, row) in counts.iter().enumerate() {
        for (k, &c) in row.iter().enumerate() {
            let p = if r > 0 {
                0.2
            } else if k == 1 {
                0.6
            } else {
                0.1
            };
            let f = c as f64 / n as f64;
            assert!((f - p).abs() < 0.035, "edge {r} op {k}: {f} against {p}");
        }
    }
    // The DARTS space: a candidate edge whose `none` outweighs everything (α 20) never
    // draws another op, so it is never one of its node's two inputs; the others, whose
    // `none` weighs nothing (α −20), always draw a real op and are.
    let darts = space("darts", &[("c", 4), ("n", 1), ("classes", 2)]);
    let mut d = search(&darts, 12);
    let rows = d.supernet().rows().rows().to_vec();
    let r = rows
        .iter()
        .position(|row| row.name == "darts_normal.n1.in:c0")
        .expect("the edge c0 → n1");
    let alpha = Tensor::zeros([rows.len() as i64, 8], (Kind::Float, Device::Cpu));
    let _ = alpha.narrow(1, 7, 1).fill_(-20.0);
    let _ = alpha.get(r as i64).get(7).fill_(20.0);
    tch::no_grad(|| d.supernet().alpha().shallow_clone().copy_(&alpha));
    for _ in 0..200 {
        let arch = d.sample_alpha().unwrap();
        let mix = d.supernet().path_mix(&arch).unwrap();
        assert!(mix[r].is_empty(), "{}", darts.encode(&arch));
        for (j, row) in rows.iter().enumerate() {
            if row.name.starts_with("darts_normal.n1.in:") && j != r {
                assert_eq!(mix[j].len(), 1, "{}", darts.encode(&arch));
                assert!(!row.zero[mix[j][0].op]);
            }
        }
    }
}

#[test]
fn the_remedies_settings_survive_a_checkpoint_and_the_search_continues_bit_for_bit() {
    let _g = generator::hold();
    tch::set_num_threads(1);
    let s = nb201();
    let steps = |x: &mut OneShotSearch| -> Vec<f64> {
        (0..2)
            .flat_map(|_| [x.alpha_step(1).unwrap(), x.weight_step().unwrap()])
            .collect()
    };
    let configure = |x: &mut OneShotSearch, mode: Mode| {
        x.set_mode(mode);
        let mut alive = x.alive();
        alive.0[4] = vec![false, true, true, false, false];
        x.set_alive(Some(alive)).unwrap();
        if mode == Mode::Darts {
            x.set_aux_skip(0.4).unwrap();
            x.set_perturbation(Perturbation::Adversarial {
                epsilon: 0.2,
                steps: 2,
            })
            .unwrap();
        } else {
            x.set_dirichlet_reg(0.01).unwrap();
        }
    };
    for mode in [Mode::Darts, Mode::Dirichlet] {
        let mut a = search(&s, 9);
        configure(&mut a, mode);
        steps(&mut a);
        a.finish_epoch();
        let snapshot = a.snapshot().unwrap();
        let ahead = steps(&mut a);
        let mut fresh = search(&s, 9);
        let _ = Tensor::rand([5], (Kind::Float, Device::Cpu));
        fresh.restore(&snapshot).unwrap();
        assert_eq!(fresh.alive(), a.alive());
        assert_eq!(fresh.perturbation(), a.perturbation());
        assert_eq!(fresh.aux_skip(), a.aux_skip());
        assert_eq!(fresh.mode(), mode);
        assert_eq!(steps(&mut fresh), ahead, "{mode:?}");
        assert_eq!(fresh.alphas().unwrap(), a.alphas().unwrap());
    }
}

#[test]
fn every_primitive_runs_on_every_space_the_supernet_takes() {
    let _g = generator::hold();
    tch::set_num_threads(1);
    let spaces = [
        nb201(),
        space("darts", &[("c", 4), ("n", 1), ("classes", 2)]),
        space("nb101", &[("c", 8), ("cells", 1), ("classes", 2)]),
        space("enas_macro", &[("c", 2), ("classes", 2)]),
    ];
    for s in &spaces {
        let mut x = search(s, 10);
        let name = s.name().to_string();
        // DrNAS: the Dirichlet mode's steps, its mean on each row's simplex.
        x.set_mode(Mode::Dirichlet);
        x.set_dirichlet_reg(0.001).unwrap();
        let before = x.alphas().unwrap();
        assert!(x.alpha_step(1).unwrap().is_finite(), "{name}");
        assert!(x.weight_step().unwrap().is_finite(), "{name}");
        assert_ne!(x.alphas().unwrap(), before, "{name}");
        for row in x.probabilities().unwrap() {
            assert!(
                (row.iter().sum::<f64>() - 1.0).abs() < 1e-6,
                "{name}: {row:?}"
            );
        }
        let derived = x.derive().unwrap();
        assert_eq!(s.decode(&s.encode(&derived)).unwrap(), derived, "{name}");
        assert!(x.alpha_step(2).is_err());
        // SDARTS: perturbed weight steps in DARTS mode only.
        x.set_perturbation(Perturbation::Random { epsilon: 0.1 })
            .unwrap();
        assert!(x.weight_step().is_err(), "{name}");
        x.set_mode(Mode::Darts);
        assert!(x.weight_step().unwrap().is_finite(), "{name}");
        x.set_perturbation(Perturbation::Adversarial {
            epsilon: 0.1,
            steps: 2,
        })
        .unwrap();
        assert!(x.weight_step().unwrap().is_finite(), "{name}");
        x.set_perturbation(Perturbation::None).unwrap();
        // SGAS: fix row 0 to its strongest op other than `none`; readouts are one per row.
        let zero = x.supernet().rows().rows()[0].zero.clone();
        let top = *x.ranking().unwrap()[0].iter().find(|&&k| !zero[k]).unwrap();
        let mut alive = x.alive();
        alive.0[0] = (0..alive.0[0].len()).map(|k| k == top).collect();
        x.set_alive(Some(alive)).unwrap();
        assert!(x.alpha_step(1).unwrap().is_finite(), "{name}");
        let rows = x.supernet().rows().rows().len();
        assert_eq!(x.entropies().unwrap().len(), rows);
        assert_eq!(x.importances().unwrap().len(), rows);
        assert_eq!(x.derived_ops().unwrap().len(), rows);
        // DARTS+PT's measure: the supernet's own accuracy under its mixture.
        let acc = x.supernet_accuracy(Some(1)).unwrap();
        assert!((0.0..=1.0).contains(&acc), "{name}: {acc}");
        let derived = x.derive().unwrap();
        assert_eq!(s.decode(&s.encode(&derived)).unwrap(), derived, "{name}");
    }
}
