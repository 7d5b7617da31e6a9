//! The supernet of NAS-Bench-101 (stdlib/spaces/nb101.nas at 8 channels, one cell per stage,
//! 8×8 grey images; double precision where values are compared), whose vertices run at
//! elastic width: a path through it uses exactly the single architecture's parameters (the
//! sizes of the slices it runs) and, with those slices copied into the single architecture
//! that `nas` compiles, gives the same logits and moves the same batch-norm statistics; DARTS
//! steps move α and the weights; deriving keeps the strongest op of each vertex and the
//! members whose `on` outweighs their `off`, cut back to the strongest ones when they break
//! `where edges <= 9`.

mod oneshot_common;
use nas::compile::catalog::{build_arch, NetworkSize};
use nas::oneshot::{OneShotSearch, SearchConfig, Supernet};
use nas::space::{load_space_with, Space};
use nas::train::generator;
use oneshot_common::toy;
use std::collections::HashMap;
use tch::{nn, Device, Kind, Tensor};

fn nb101(c: i64) -> Space {
    let args = [
        ("c".to_string(), c),
        ("cells".to_string(), 1),
        ("classes".to_string(), 3),
    ];
    load_space_with("nb101", &args).unwrap_or_else(|e| panic!("{e}"))
}

/// `key=value` of an architecture's text.
fn value(text: &str, key: &str) -> String {
    text.split(' ')
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("{key} in {text}"))
        .to_string()
}

/// The number of edges an architecture keeps (members of every `any of`).
fn edges(text: &str) -> usize {
    text.split(' ')
        .filter(|kv| kv.contains(".in="))
        .map(|kv| {
            let set = kv.split_once("={").unwrap().1.trim_end_matches('}');
            set.split(',').filter(|s| !s.is_empty()).count()
        })
        .sum()
}

fn max_diff(a: &Tensor, b: &Tensor) -> f64 {
    (a - b).abs().max().double_value(&[])
}

#[test]
fn a_path_through_the_nb101_supernet_is_the_single_architecture_at_its_own_widths() {
    let _g = generator::hold();
    let s = nb101(8);
    let net = Supernet::new(&s, 1, Device::Cpu, Kind::Double, 3).unwrap();
    // 5 op rows (3 ops each) and one off/on row per member: 1 + 2 + 3 + 4 + 5 + 6 = 21.
    assert_eq!(net.alpha().size(), [26, 3]);
    let shared: HashMap<String, Tensor> = net.named_weights().into_iter().collect();
    // Every vertex holds its weights at the widest, the cell's channel count.
    assert_eq!(
        shared["cells.1.vertex_4.op.conv3x3_bn_relu.conv.weight"].size(),
        [16, 16, 3, 3]
    );
    assert_eq!(
        shared["cells.2.vertex_2.proj.conv.weight"].size(),
        [32, 16, 1, 1]
    );
    let x = Tensor::randn([3, 1, 8, 8], (Kind::Double, Device::Cpu));
    let mut rng = nas::space::rng(11);
    let mut widths = std::collections::HashSet::new();
    for _ in 0..5 {
        let arch = s.sample(&mut rng).unwrap();
        let text = s.encode(&arch);
        let mut vs = nn::VarStore::new(Device::Cpu);
        let size = NetworkSize {
            in_channels: Some(1),
            ..NetworkSize::default()
        };
        let alone = build_arch(&vs.root(), &s, &arch, size).unwrap();
        vs.set_kind(Kind::Double);
        let alone_count = nas::compile::op::parameter_count(&vs);
        assert_eq!(net.path_weight_count(&arch).unwrap(), alone_count, "{text}");
        assert!(net.weight_count() > alone_count);
        // Each single-architecture variable (running statistics too) takes the first
        // channels of the supernet's variable of the same name, its op's label inserted.
        let all: HashMap<String, Tensor> = net.named_variables().into_iter().collect();
        tch::no_grad(|| {
            for (name, mut v) in vs.variables() {
                let source = match name.split_once(".op.") {
                    Some((head, tail)) => {
                        let vertex = head.rsplit_once("vertex_").unwrap().1;
                        let label = value(&text, &format!("nb101_cell.v{vertex}.op"));
                        format!("{head}.op.{label}.{tail}")
                    }
                    None => name.clone(),
                };
                let mut src = all
                    .get(&source)
                    .unwrap_or_else(|| panic!("{source} ({text})"))
                    .shallow_clone();
                for (d, &n) in v.size().iter().enumerate() {
                    src = src.narrow(d as i64, 0, n);
                }
                v.copy_(&src);
                if name.ends_with("proj.conv.weight") && name.starts_with("cells.0.") {
                    widths.insert(v.size()[0]);
                }
            }
        });
        let mix = net.path_mix(&arch).unwrap();
        let through = net.forward(&x, &mix, true).unwrap();
        let expected = alone.forward(&x, true).unwrap();
        let diff = max_diff(&through, &expected);
        assert!(diff < 1e-10, "{text}: {diff}");
        // Both training passes moved the running statistics alike: evaluation agrees too.
        let diff = max_diff(
            &net.forward(&x, &mix, false).unwrap(),
            &alone.forward(&x, false).unwrap(),
        );
        assert!(diff < 1e-10, "{text}: {diff}");
    }
    // The sampled paths ran their vertices at more than one width.
    assert!(widths.len() > 1, "{widths:?}");
}

#[test]
fn darts_on_nb101_moves_alpha_and_the_weights_and_derives_a_valid_architecture() {
    let _g = generator::hold();
    tch::set_num_threads(1);
    let s = nb101(8);
    let net = Supernet::new(&s, 1, Device::Cpu, Kind::Float, 2).unwrap();
    let names: Vec<&str> = net.rows().rows().iter().map(|r| r.name.as_str()).collect();
    assert!(names.contains(&"nb101_cell.v3.op"), "{names:?}");
    assert!(names.contains(&"nb101_cell.out.in:v0"), "{names:?}");
    let config = SearchConfig {
        arch_lr: 0.05,
        ..SearchConfig::darts(8, 3)
    };
    let mut search = OneShotSearch::new(net, toy(16, 1), toy(16, 2), &config).unwrap();
    let alpha0 = search.supernet().alpha().copy();
    let weights0: Vec<Tensor> = search
        .supernet()
        .weights()
        .iter()
        .map(Tensor::copy)
        .collect();
    assert!(search.alpha_step(1).unwrap().is_finite());
    // Every row moved: the op rows and each member's gate reach the loss.
    let moved = (search.supernet().alpha() - &alpha0)
        .abs()
        .amax([1i64].as_slice(), false);
    let least = moved.min().double_value(&[]);
    assert!(least > 1e-4, "{moved}");
    assert!(search.weight_step().unwrap().is_finite());
    let changed = search
        .supernet()
        .weights()
        .iter()
        .zip(&weights0)
        .filter(|(w, b)| w.not_equal_tensor(b).any().int64_value(&[]) != 0)
        .count();
    assert!(
        changed > weights0.len() / 2,
        "{changed} of {}",
        weights0.len()
    );
    let derived = search.derive().unwrap();
    let text = s.encode(&derived);
    assert_eq!(s.decode(&text).unwrap(), derived);
    assert!(edges(&text) <= 9, "{text}");
    let acc = search.valid_accuracy(&derived, None).unwrap();
    assert!((0.0..=1.0).contains(&acc));
}

#[test]
fn deriving_nb101_keeps_the_strongest_members_within_nine_edges() {
    let _g = generator::hold();
    let s = nb101(8);
    let net = Supernet::new(&s, 1, Device::Cpu, Kind::Float, 0).unwrap();
    let rows = net.rows().rows();
    let members: Vec<usize> = (0..rows.len())
        .filter(|&r| rows[r].labels == ["off", "on"])
        .collect();
    assert_eq!(members.len(), 21);
    // Every member on, the later rows weaker: 21 edges break `edges <= 9`, so the strongest
    // ones are kept, the most that form an architecture of the space.
    let mut probs = net.probabilities().unwrap();
    for (rank, &r) in members.iter().enumerate() {
        let on = 0.99 - 0.01 * rank as f64;
        probs[r] = vec![1.0 - on, on, 0.0];
    }
    let v2 = rows
        .iter()
        .position(|r| r.name == "nb101_cell.v2.op")
        .unwrap();
    probs[v2] = vec![0.1, 0.2, 0.7];
    let derived = net.rows().derive(&s, &probs).unwrap();
    let text = s.encode(&derived);
    assert_eq!(value(&text, "nb101_cell.v2.op"), "maxpool3x3");
    let kept = edges(&text);
    assert_eq!(kept, 9, "{text}");
    // The strongest member (the input into v1) stays.
    assert_eq!(value(&text, "nb101_cell.v1.in"), "{v0}", "{text}");
    assert_eq!(s.decode(&text).unwrap(), derived);
    // Every member off: the fewest strongest members that connect the input to the output.
    for (rank, &r) in members.iter().enumerate() {
        let on = 0.4 - 0.01 * rank as f64;
        probs[r] = vec![1.0 - on, on, 0.0];
    }
    let derived = net.rows().derive(&s, &probs).unwrap();
    let text = s.encode(&derived);
    assert_eq!(s.decode(&text).unwrap(), derived);
    assert!((1..=9).contains(&edges(&text)), "{text}");
}

#[test]
fn too_few_channels_for_the_relaxation_is_an_error_that_says_so() {
    let _g = generator::hold();
    // Four channels split five ways leave a vertex none.
    let err = Supernet::new(&nb101(4), 1, Device::Cpu, Kind::Float, 0)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("space `nb101` cannot be compiled into a supernet")
            && err.contains("gets no channels"),
        "{err}"
    );
}
