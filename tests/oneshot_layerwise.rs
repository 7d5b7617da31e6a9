//! Layer-wise spaces as supernets: the value choices inside an op (`mbconv(c, expand: 1 |
//! 3, kernel: 3 | 5)`) become a mixed op over every combination, each column setting the
//! values (a path is the single architecture: same weights, same logits); stdlib `fbnet`
//! and `mobilenet_v2` compile; FBNet's loss moves with the latency table; and FBNet,
//! ProxylessNAS, DARTS and GDAS search the `fbnet` space end to end through `nas run`.

mod data_common;
mod oneshot_common;
use data_common::require_fashion_mnist;
use oneshot_common::{run_fresh, toy};

use nas::compile::catalog::{build_arch, NetworkSize};
use nas::oneshot::darts::Batch;
use nas::oneshot::fbnet::{arch_gradients, LatencyLoss};
use nas::oneshot::mix::softmax_mix;
use nas::oneshot::Supernet;
use nas::space::{load_space, load_space_with, Space};
use nas::train::generator;
use tch::{nn, Device, Kind, Tensor};

/// A fixed grouped MBConv whose expansion is a value choice, then two layers that are each an
/// MBConv of 2 expansions × 2 kernels or skip.
const TINY: &str = "
op mb(c: int) = mbconv(c, expand: 1 | 3, kernel: 3 | 5)
op mbs(c: int, stride: int) = mbconv(c, expand: 1 | 2, kernel: 3, stride: stride, groups: 2)
choice layer(c: int) = mb(c) | skip

space tiny(c: int = 4, classes: int = 2) {
    input image(1, 8, 8)
    conv(c, 3) >> batchnorm >> relu >> mbs(2 * c, 2) >> layer(2 * c) >> layer(2 * c)
        >> global_avg_pool >> linear(classes)
}
";

fn tiny(dir: &std::path::Path) -> Space {
    let file = dir.join("tiny.nas");
    std::fs::write(&file, TINY).unwrap();
    load_space(&format!("{}:tiny", file.display())).unwrap_or_else(|e| panic!("{e}"))
}

/// The pipeline steps that are mixed ops (their weights under a column's label), in order:
/// row `j` is the `j`-th of them, since rows are made as the layers are built.
fn mixed_steps(net: &Supernet) -> Vec<usize> {
    let steps = &net.space().skeleton().steps;
    let mixed: Vec<usize> = (0..steps.len())
        .filter(|&i| {
            net.named_weights().iter().any(|(n, _)| {
                let rest = n.strip_prefix(&format!("layers.{i}.")).unwrap_or_default();
                net.rows()
                    .rows()
                    .iter()
                    .any(|r| r.labels.iter().any(|l| rest.starts_with(&format!("{l}."))))
            })
        })
        .collect();
    mixed
}

#[test]
fn value_choices_inside_an_op_are_a_mixed_op_whose_paths_are_the_single_architecture() {
    let _g = generator::hold();
    let dir = tempfile::tempdir().unwrap();
    let s = tiny(dir.path());
    let net = Supernet::new(&s, 1, Device::Cpu, Kind::Double, 3).unwrap();
    let rows = net.rows().rows();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].labels, ["mbs_expand1", "mbs_expand2"]);
    for r in &rows[1..] {
        assert_eq!(
            r.labels,
            [
                "mb_expand1_kernel3",
                "mb_expand1_kernel5",
                "mb_expand3_kernel3",
                "mb_expand3_kernel5",
                "skip"
            ]
        );
        assert_eq!(r.skip, [false, false, false, false, true]);
    }
    assert_eq!(net.alpha().size(), [3, 5]);
    let layers = mixed_steps(&net);
    assert_eq!(layers.len(), 3);
    let x = Tensor::randn([2, 1, 8, 8], (Kind::Double, Device::Cpu));
    let mut rng = nas::space::rng(5);
    for _ in 0..10 {
        let arch = s.sample(&mut rng).unwrap();
        let text = s.encode(&arch);
        let mix = net.path_mix(&arch).unwrap();
        // Each layer's chosen column, as a parameter path.
        let chosen: Vec<String> = layers
            .iter()
            .zip(&mix)
            .zip(rows)
            .map(|((i, terms), row)| format!("layers.{i}.{}.", row.labels[terms[0].op]))
            .collect();
        let mut vs = nn::VarStore::new(Device::Cpu);
        let size = NetworkSize {
            in_channels: Some(1),
            ..NetworkSize::default()
        };
        let alone = build_arch(&vs.root(), &s, &arch, size).unwrap();
        vs.set_kind(Kind::Double);
        let mut copied = 0;
        tch::no_grad(|| {
            for (n, t) in net.named_weights() {
                let mixed = layers
                    .iter()
                    .any(|i| n.starts_with(&format!("layers.{i}.")));
                let single = if mixed {
                    match chosen.iter().find(|p| n.starts_with(p.as_str())) {
                        Some(p) => {
                            let (head, _) = p.trim_end_matches('.').rsplit_once('.').unwrap();
                            format!("{head}.{}", &n[p.len()..])
                        }
                        None => continue,
                    }
                } else {
                    n.clone()
                };
                let mut v = vs
                    .variables()
                    .remove(&single)
                    .unwrap_or_else(|| panic!("{single} ({text})"));
                v.copy_(&t);
                copied += 1;
            }
        });
        assert_eq!(copied, vs.trainable_variables().len(), "{text}");
        let count = nas::compile::op::parameter_count(&vs);
        assert_eq!(net.path_weight_count(&arch).unwrap(), count, "{text}");
        let through = net.forward(&x, &mix, true).unwrap();
        let expected = alone.forward(&x, true).unwrap();
        let diff = (through - expected).abs().max().double_value(&[]);
        assert!(diff < 1e-10, "{text}: {diff}");
    }
    // Deriving sets the op and the values its strongest column stands for.
    let alpha = Tensor::zeros([3, 5], (Kind::Double, Device::Cpu));
    let _ = alpha.get(0).get(1).fill_(2.0);
    let _ = alpha.get(1).get(3).fill_(2.0);
    let _ = alpha.get(2).get(4).fill_(2.0);
    tch::no_grad(|| net.alpha().shallow_clone().copy_(&alpha));
    let derived = net.derive().unwrap();
    let text = s.encode(&derived);
    for part in ["expand=2", "=mb", "expand=3", "kernel=5", "=skip"] {
        assert!(text.contains(part), "{part} not in {text}");
    }
    let picked: Vec<usize> = net
        .path_mix(&derived)
        .unwrap()
        .iter()
        .map(|t| t[0].op)
        .collect();
    assert_eq!(picked, [1, 3, 4], "{text}");
}

#[test]
fn fbnet_and_mobilenet_v2_compile_into_supernets_of_each_layers_blocks() {
    let _g = generator::hold();
    let args = |c: i64| {
        vec![
            ("c".to_string(), c),
            ("n".to_string(), 2),
            ("classes".to_string(), 10),
        ]
    };
    let s = load_space_with("fbnet", &args(4)).unwrap_or_else(|e| panic!("{e}"));
    let net = Supernet::new(&s, 1, Device::Cpu, Kind::Float, 0).unwrap();
    // 1 + 5 · 2 + 1 layers of FBNet's nine blocks.
    assert_eq!(net.alpha().size(), [12, 9]);
    let first = &net.rows().rows()[1].labels;
    assert_eq!(
        first,
        &[
            "mb_expand1_kernel3",
            "mb_expand1_kernel5",
            "mb_expand3_kernel3",
            "mb_expand3_kernel5",
            "mb_expand6_kernel3",
            "mb_expand6_kernel5",
            "mb_g2_kernel3",
            "mb_g2_kernel5",
            "skip_conv"
        ]
    );
    assert_eq!(net.rows().rows()[2].labels[8], "skip");
    let x = Tensor::randn([2, 1, 28, 28], (Kind::Float, Device::Cpu));
    let arch = s.sample(&mut nas::space::rng(1)).unwrap();
    let logits = net
        .forward(&x, &net.path_mix(&arch).unwrap(), true)
        .unwrap();
    assert_eq!(logits.size(), [2, 10]);
    let mix = net.darts_mix(net.alpha()).unwrap();
    assert_eq!(net.forward(&x, &mix, true).unwrap().size(), [2, 10]);
    // ProxylessNAS' own space: 6 fixed MBConvs of 3 kernels × 2 expansions, 15 layers that
    // add skip.
    let s = load_space_with("mobilenet_v2", &[("classes".to_string(), 10)]).unwrap();
    let net = Supernet::new(&s, 3, Device::Cpu, Kind::Float, 0).unwrap();
    let widths: Vec<usize> = net.rows().rows().iter().map(|r| r.labels.len()).collect();
    assert_eq!(widths.len(), 21);
    assert_eq!(widths.iter().filter(|&&w| w == 6).count(), 6, "{widths:?}");
    assert_eq!(widths.iter().filter(|&&w| w == 7).count(), 15, "{widths:?}");
    let arch = s.sample(&mut nas::space::rng(2)).unwrap();
    let mix = net.path_mix(&arch).unwrap();
    let derived_back = net.rows().derive(&s, &one_hot(&mix, net.alpha())).unwrap();
    assert_eq!(s.encode(&derived_back), s.encode(&arch));
}

/// The one-hot rows of a single path's mixture, α's width.
fn one_hot(mix: &nas::oneshot::mix::CellMix, alpha: &Tensor) -> Vec<Vec<f64>> {
    let width = alpha.size()[1] as usize;
    mix.iter()
        .map(|terms| {
            (0..width)
                .map(|k| f64::from(u8::from(terms.iter().any(|t| t.op == k))))
                .collect()
        })
        .collect()
}

#[test]
fn fbnets_loss_moves_with_the_latency_table() {
    let _g = generator::hold();
    let dir = tempfile::tempdir().unwrap();
    let s = tiny(dir.path());
    let net = Supernet::new(&s, 1, Device::Cpu, Kind::Float, 0).unwrap();
    let data = toy(16, 1);
    let batch = Batch {
        inputs: data.pixels.to_kind(Kind::Float) / 255.0,
        targets: data.labels.shallow_clone(),
        carry: None,
    };
    let loss = LatencyLoss {
        alpha: 0.2,
        beta: 0.6,
        unit_ms: 0.001,
    };
    let costs = vec![
        vec![0.5, 0.8, 0.0, 0.0, 0.0],
        vec![0.2, 0.3, 0.6, 0.9, 0.0],
        vec![0.2, 0.3, 0.6, 0.9, 0.0],
    ];
    let run = |costs: &[Vec<f64>]| {
        let mix = softmax_mix(net.alpha(), net.mask(), net.live()).unwrap();
        let (ce, lat, grads) = arch_gradients(&net, &batch, &mix, costs, loss).unwrap();
        (ce, lat, grads[0].shallow_clone())
    };
    let (ce, lat, g) = run(&costs);
    // Under the softmax mixture at α ≈ 0, LAT is about each row's mean latency, summed.
    assert!((lat - (0.65 + 0.4 + 0.4)).abs() < 0.01, "{lat}");
    // Layer 1's `mb_expand3_kernel5` ten times slower: a higher LAT, the same cross-entropy,
    // a higher loss, and a gradient that pushes that op's α down harder.
    let mut slow = costs.clone();
    slow[1][3] *= 10.0;
    let (ce_slow, lat_slow, g_slow) = run(&slow);
    assert_eq!(ce, ce_slow);
    assert!(lat_slow > lat + 1.0, "{lat} → {lat_slow}");
    let total = |ce: f64, lat: f64| ce * 0.2 * (lat / 0.001).ln().powf(0.6);
    assert!(total(ce, lat_slow) > total(ce, lat));
    let at = |g: &Tensor, r: i64, k: i64| g.double_value(&[r, k]);
    assert!(at(&g_slow, 1, 3) > at(&g, 1, 3), "{g} → {g_slow}");
    // The other ops of that row become relatively cheaper: their gradients fall.
    for k in [0, 1, 2, 4] {
        assert!(at(&g_slow, 1, k) < at(&g, 1, k), "op {k}: {g} → {g_slow}");
    }
    // Cheaper instead: the push reverses.
    let mut fast = costs.clone();
    fast[1][3] = 0.0;
    let (_, lat_fast, g_fast) = run(&fast);
    assert!(lat_fast < lat);
    assert!(at(&g_fast, 1, 3) < at(&g, 1, 3), "{g} → {g_fast}");
}

/// An experiment on stdlib `fbnet` whose evaluator counts the chosen network's weights.
fn experiment(strategy: &str) -> String {
    format!(
        r#"
import "stdlib/spaces/fbnet.nas"
experiment e {{
    space     fbnet(c: 4, n: 2, classes: 10)
    data      fashion_mnist(valid: 0.1)
    evaluate  proxy(params)
    strategy  {strategy}
    budget    trials: 2
    objective maximize params
}}
"#
    )
}

#[test]
fn one_shot_strategies_search_the_fbnet_space() {
    require_fashion_mnist();
    let tiny = "channels: 4, cells: 2, batch: 8, limit: 64, threads: 1, steps: 2";
    for strategy in [
        format!("fbnet(epochs: 2, {tiny})"),
        format!("fbnet(epochs: 1, samples: 2, {tiny})"),
        format!("proxyless(epochs: 2, warmup: 1, {tiny})"),
        format!("darts(epochs: 1, {tiny})"),
        format!("gdas(epochs: 1, {tiny})"),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("e.nas"), experiment(&strategy)).expect("writes");
        // Latency tables go to the test's folder, never the user's cache.
        let (ok, out) = run_fresh(dir.path(), &[("NAS_CACHE", dir.path().join("cache"))]);
        assert!(ok, "{strategy}:\n{out}");
        // Each architecture the strategy hands over is the run's trial, scored by its weights.
        let chosen: Vec<&str> = out
            .lines()
            .filter_map(|l| {
                l.strip_prefix("most likely: ")
                    .or_else(|| l.strip_prefix("derived: "))
                    .or_else(|| l.split_once(" of 2: ").map(|(_, a)| a))
            })
            .collect();
        assert!(!chosen.is_empty(), "{strategy}:\n{out}");
        for arch in chosen {
            assert!(
                out.lines()
                    .any(|l| l.contains(" full ") && l.trim_end().ends_with(arch.trim())),
                "{strategy}: {arch} is not a scored trial:\n{out}"
            );
        }
        if strategy.starts_with("fbnet(epochs: 2") {
            // τ = 5.0, then 5.0 · 0.956; LAT read from the measured table.
            let tau = |epoch: usize| -> f64 {
                out.lines()
                    .find_map(|l| l.strip_prefix(&format!("epoch {epoch}: tau ")))
                    .and_then(|rest| rest.split(',').next()?.parse().ok())
                    .unwrap_or_else(|| panic!("epoch {epoch}'s τ:\n{out}"))
            };
            assert_eq!(tau(1), 5.0);
            assert!((tau(2) - 5.0 * 0.956).abs() < 1e-9, "{out}");
            assert!(out.contains("op latencies of "), "{out}");
            assert!(dir.path().join("cache/latency.csv").exists(), "{out}");
        }
        if strategy.contains("samples: 2") {
            assert!(out.contains("sample 2 of 2: "), "{out}");
        }
    }
}
