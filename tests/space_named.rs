//! Named stages through the command line: a space's `let NAME = …` over a part of its pipeline
//! names that part's decisions and cell copies after NAME, so an architecture saved before an
//! edit elsewhere in the space still decodes (and builds) after it; `nas show` draws the whole
//! network, leaving out the copies a chosen depth drops.

use crate::cli_common::nas;

/// A two-stage space; `EXTRA` is replaced by more fixed layers in front of the first stage
/// (the edit).
const SPACE: &str = r#"op conv_bn(c: int, k: int) = conv(c, k) >> batchnorm
cell block(c: int) {
    input  x
    let    k = 3 | 5
    node   h = x >> conv_bn(c, k) >> relu >> conv_bn(c, k)
    node   y = sum(h, any of [x]) >> relu
    output y
}
space resnet(classes: int = 10) {
    input image(1, 28, 28)
    let w1 = 16 | 32
    let w2 = 16 | 32
    let stage1 = block(w1) * (1..=3) independent
    let stage2 = block(w2) * (1..=2) independent
    conv(w1, 3) >> batchnorm >> relu EXTRA>> stage1
    >> conv(w2, 1, stride: 2) >> batchnorm >> relu >> stage2
    >> global_avg_pool >> linear(classes)
}
"#;

/// Writes the space (`edited`: with two more layers before the first stage); returns
/// `FILE.nas:resnet`.
fn space(dir: &tempfile::TempDir, edited: bool) -> String {
    let extra = if edited {
        ">> conv(w1, 1) >> batchnorm "
    } else {
        ""
    };
    let path = dir.path().join(format!("resnet{}.nas", u8::from(edited)));
    std::fs::write(&path, SPACE.replace("EXTRA", extra)).expect("write the space");
    format!("{}:resnet", path.display())
}

/// The decision names of a canonical architecture string (`name=value` pairs).
fn names(arch: &str) -> Vec<&str> {
    arch.split(' ')
        .filter_map(|pair| pair.split_once('=').map(|(n, _)| n))
        .collect()
}

#[test]
fn stages_name_their_decisions_and_counts_hold() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let s = space(&dir, false);
    let (ok, count, err) = nas(&["count", &s]);
    assert!(ok, "{err}");
    // 2 × 2 widths, (4 + 4² + 4³) settings in stage 1, (4 + 4²) in stage 2.
    assert_eq!(count, "6720\n");
    let (ok, out, err) = nas(&["sample", &s, "--seed", "3", "-n", "20"]);
    assert!(ok, "{err}");
    for arch in out.lines() {
        for name in names(arch) {
            let named = ["w1", "w2"].contains(&name)
                || name.starts_with("stage1.")
                || name.starts_with("stage2.");
            assert!(named, "`{name}` in `{arch}` is not named after a let");
        }
        assert!(arch.contains("stage1.depth="), "{arch}");
        assert!(arch.contains("stage1.block.k="), "{arch}");
    }
}

#[test]
fn an_architecture_saved_before_an_edit_decodes_and_builds_after_it() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let (before, after) = (space(&dir, false), space(&dir, true));
    let (ok, out, err) = nas(&["sample", &before, "--seed", "5", "-n", "6"]);
    assert!(ok, "{err}");
    for arch in out.lines() {
        let (ok, old, err) = nas(&["params", &before, arch]);
        assert!(ok, "{err}");
        let (ok, new, err) = nas(&["params", &after, arch]);
        assert!(ok, "the edited space refused `{arch}`: {err}");
        let params = |text: &str| -> i64 {
            text.lines()
                .find_map(|l| l.strip_prefix("params: "))
                .and_then(|v| v.trim().parse().ok())
                .expect("a params line")
        };
        // The edit adds a 1×1 conv of w1 channels (no bias) and its batch norm.
        let w1: i64 = if arch.contains("w1=32") { 32 } else { 16 };
        assert_eq!(params(&new) - params(&old), w1 * w1 + 2 * w1, "{arch}");
    }
}

#[test]
fn show_draws_the_whole_network_without_the_dropped_copies() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let s = space(&dir, false);
    let arch = "w1=32 w2=16 stage1.depth=2 stage1.block.k=3 stage1.block.y.1.in={x} \
                stage1.block#2.k=5 stage1.block#2.y.1.in={} stage2.depth=1 \
                stage2.block.k=3 stage2.block.y.1.in={x}";
    let (ok, out, err) = nas(&["show", &s, arch]);
    assert!(ok, "{err}");
    let network: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("network"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(str::trim)
        .collect();
    assert_eq!(
        network,
        [
            "conv(32, 3)",
            "batchnorm",
            "relu",
            "cell stage1.block(c: 32)",
            "cell stage1.block#2(c: 32)",
            "conv(16, 1, stride: 2)",
            "batchnorm",
            "relu",
            "cell stage2.block(c: 16)",
            "global_avg_pool",
            "linear(10)",
        ],
        "{out}"
    );
    // Each cell the architecture has is drawn; the dropped copies are not.
    for drawn in ["stage1.block (", "stage1.block#2 (", "stage2.block ("] {
        assert!(out.contains(drawn), "{drawn} missing: {out}");
    }
    for dropped in ["stage1.block#3", "stage2.block#2"] {
        assert!(!out.contains(dropped), "{dropped} drawn: {out}");
    }
    assert!(out.contains("y = sum(h, x) >> relu"), "{out}");
    assert!(out.contains("conv_bn(c: 32, k: 5)"), "{out}");
}

#[test]
fn a_stage_used_twice_is_refused_at_check() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("twice.nas");
    let text = SPACE
        .replace("EXTRA", "")
        .replace(">> stage2\n", ">> stage1\n")
        .replace("conv(w2, 1, stride: 2)", "conv(w1, 1, stride: 2)");
    std::fs::write(&path, text).expect("write the space");
    let (ok, out, err) = nas(&["check", path.to_str().expect("a UTF-8 path")]);
    assert!(!ok, "check accepted a stage used twice");
    let said = format!("{out}{err}");
    assert!(
        said.contains("the stage `stage1` is used a second time"),
        "{said}"
    );
    assert!(said.contains("16:"), "not at the second use: {said}");
}
