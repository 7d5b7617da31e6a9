//! The stdlib spaces, lowered from `stdlib/spaces/*.nas`: their sizes, and round trips of
//! thousands of samples through the canonical string and the JSON form.

use nas::space::{load_space, rng, Equivalence, Space};
use num_bigint::BigUint;

const SPACES: [&str; 9] = [
    "nb201",
    "nb101",
    "darts",
    "nas_rl",
    "enas_macro",
    "enas_rnn",
    "mobilenet_v2",
    "nb_nlp",
    "fbnet",
];

fn space(name: &str) -> Space {
    load_space(name).unwrap_or_else(|e| panic!("{name} does not load:\n{e}"))
}

fn pow(b: u64, e: u32) -> BigUint {
    BigUint::from(b).pow(e)
}

#[test]
fn every_stdlib_space_round_trips() {
    for (i, name) in SPACES.iter().enumerate() {
        let s = space(name);
        let mut r = rng(100 + i as u64);
        for _ in 0..2000 {
            let a = s.sample(&mut r).unwrap();
            let text = s.encode(&a);
            assert_eq!(s.decode(&text).unwrap(), a, "{name}: {text}");
            assert_eq!(s.from_json(&s.to_json(&a)).unwrap(), a, "{name}");
        }
        for _ in 0..200 {
            let a = s.sample(&mut r).unwrap();
            let b = s.sample(&mut r).unwrap();
            s.validate(&s.mutate(&a, &mut r).unwrap()).unwrap();
            s.validate(&s.crossover(&a, &b, &mut r).unwrap()).unwrap();
            s.iso_hash(&a);
        }
        assert!(
            !s.neighbours(&s.sample(&mut r).unwrap()).is_empty(),
            "{name}"
        );
    }
}

#[test]
fn stdlib_space_sizes() {
    assert_eq!(space("nb201").count().unwrap(), BigUint::from(15_625u32));
    let darts_cell = BigUint::from(1_037_664_180u64);
    assert_eq!(space("darts").count().unwrap(), &darts_cell * &darts_cell);
    // 573,494 edge sets of at most 9 of the 21 possible edges in which the input reaches the
    // output (`where connected`), times 3^5 op labellings.
    assert_eq!(
        space("nb101").count().unwrap(),
        BigUint::from(573_494u64 * 243)
    );
    assert_eq!(
        space("enas_macro").count().unwrap(),
        pow(6, 12) * pow(2, 66)
    );
    assert_eq!(
        space("enas_rnn").count().unwrap(),
        pow(4, 12) * BigUint::from(39_916_800u64)
    );
    // NAS-RL's recurrent cell: 15 tree nodes of 2 combinations x 4 activations, the node
    // that takes the cell state (15) with its own combination and activation (8), the node
    // whose merge is the next cell state (15): about 6.3 x 10^16, the paper's "6 x 10^16".
    assert_eq!(
        space("nas_rl_rnn").count().unwrap(),
        pow(8, 16) * BigUint::from(225u32)
    );
    // 4 filter counts x 4 heights x 4 widths per layer, and the skip subsets.
    assert_eq!(space("nas_rl").count().unwrap(), pow(64, 15) * pow(2, 105));
    // Node k of nb_nlp chooses among n = k + 3 earlier vertices: a linear map, product or
    // sum of 2 (C(n, 2) each), a blend of 3 picked one by one (n^3), or one of 3 activations
    // of 1 (3n).
    let nb_nlp: u64 = (4..=9u64)
        .map(|n| 3 * (n * (n - 1) / 2) + n * n * n + 3 * n)
        .product();
    assert_eq!(nb_nlp, 1_019_798_303_731_200);
    assert_eq!(space("nb_nlp").count().unwrap(), BigUint::from(nb_nlp));
    assert_eq!(
        space("mobilenet_v2").count().unwrap(),
        pow(6, 6) * pow(7, 15)
    );
    // FBNet: 22 layers of 9 blocks each (6 MBConvs, 2 grouped ones, skip).
    assert_eq!(space("fbnet").count().unwrap(), pow(9, 22));
}

#[test]
fn nb201_from_the_language_matches_the_benchmark() {
    let s = space("nb201");
    assert!(s.is_edge_list());
    assert_eq!(
        s.count_unique(Equivalence::Nb201Published, 100_000)
            .unwrap(),
        6_466
    );
    assert_eq!(
        s.count_unique(Equivalence::Function, 100_000).unwrap(),
        5_425
    );
    let text = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|";
    assert_eq!(s.encode(&s.decode(text).unwrap()), text);
}

#[test]
fn a_chosen_depth_lowers_to_guards() {
    let s = load_space(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/stdlib/spaces/mobilenet_v2.nas:mobilenet_v2_depth"
    ))
    .unwrap();
    // Six fixed blocks with 6 choices each; five stages of 1 to 3 more blocks: 6 + 36 + 216.
    assert_eq!(s.count().unwrap(), pow(6, 6) * pow(258, 5));
    let mut r = rng(1);
    for _ in 0..500 {
        let a = s.sample(&mut r).unwrap();
        assert_eq!(s.decode(&s.encode(&a)).unwrap(), a);
    }
}

#[test]
fn unknown_spaces_and_bad_files_are_clear_errors() {
    let e = load_space("nb202").unwrap_err();
    assert!(
        e.contains("no stdlib space `nb202`") && e.contains("nb201"),
        "{e}"
    );
    let e = load_space("/nonexistent/x.nas:s").unwrap_err();
    assert!(e.contains("cannot read"), "{e}");
    let e = load_space(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/stdlib/spaces/nb201.nas:nb_cell"
    ))
    .unwrap_err();
    assert!(e.contains("no space `nb_cell`"), "{e}");
}

/// `stdlib/ops.nas` agrees with the stdlib spaces: each space rebuilt from its own file with
/// its op and choice definitions replaced by `import "stdlib/ops.nas"` has the same decisions
/// and builds every sampled architecture with the same parameters.
#[test]
fn the_ops_of_stdlib_ops_nas_build_what_the_spaces_build() {
    use nas::compile::catalog::{build, NetworkSize};
    use nas::compile::parameter_count;
    let dir = tempfile::tempdir().expect("tempdir");
    let stdlib = nas::paths::stdlib_dir().expect("the stdlib folder");
    for name in ["nb201", "darts", "nb101"] {
        let own = std::fs::read_to_string(stdlib.join(format!("spaces/{name}.nas"))).unwrap();
        // Drop the space's definitions: `op`/`choice` lines and their continuations.
        let mut text = String::from("import \"stdlib/ops.nas\"\n");
        let mut in_definition = false;
        for line in own.lines() {
            if line.starts_with("op ") || line.starts_with("choice ") {
                in_definition = true;
            } else if !line.starts_with("    |") {
                in_definition = false;
            }
            if !in_definition {
                text.push_str(line);
                text.push('\n');
            }
        }
        let file = dir.path().join(format!("{name}.nas"));
        std::fs::write(&file, &text).unwrap();
        let ours = space(name);
        let spec = format!("{}:{name}", file.display());
        let theirs = load_space(&spec).unwrap_or_else(|e| panic!("{name} from ops.nas:\n{e}"));
        // Same decisions (an architecture's text is read by both: same labels).
        let labels = |s: &Space| -> Vec<String> {
            s.decisions()
                .iter()
                .map(|d| format!("{} {}", d.name, d.domain.size()))
                .collect()
        };
        assert_eq!(labels(&ours), labels(&theirs), "{name}");
        let mut r = rng(3);
        for _ in 0..3 {
            let arch = ours.encode(&ours.sample(&mut r).unwrap());
            let count = |spec: &str| {
                let vs = tch::nn::VarStore::new(tch::Device::Cpu);
                build(&vs.root(), spec, &arch, NetworkSize::default())
                    .unwrap_or_else(|e| panic!("{spec} {arch}: {e}"));
                parameter_count(&vs)
            };
            assert_eq!(count(name), count(&spec), "{name}: {arch}");
        }
    }
}
