//! Issue 16's space through the command line: `independent` copies have their own decisions,
//! also across calls of one cell in several stages; without the word, every call shares the
//! cell's genotype while each stage's depth is its own decision. Every sampled architecture
//! builds.

use crate::cli_common::nas;

/// The space of issue 16, verbatim; `INDEPENDENT` is replaced by ` independent` or nothing.
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
    let w3 = 16 | 32
    conv(w1, 3) >> batchnorm >> relu >> block(w1) * (1..=3)INDEPENDENT
    >> conv(w2, 1, stride: 2) >> batchnorm >> relu >> block(w2) * (1..=3)INDEPENDENT
    >> conv(w3, 1, stride: 2) >> batchnorm >> relu >> block(w3) * (1..=3)INDEPENDENT
    >> global_avg_pool >> linear(classes)
}
"#;

/// Writes the space (with or without `independent`) to a file; returns `FILE.nas:resnet`.
fn space(dir: &tempfile::TempDir, independent: bool) -> String {
    let word = if independent { " independent" } else { "" };
    let path = dir
        .path()
        .join(format!("resnet{}.nas", u8::from(independent)));
    std::fs::write(&path, SPACE.replace("INDEPENDENT", word)).expect("write the space");
    format!("{}:resnet", path.display())
}

/// Every architecture `nas sample --seed 1 -n N` gives is built by `nas params`.
fn samples_build(space: &str, n: usize) {
    let (ok, out, err) = nas(&["sample", space, "--seed", "1", "-n", &n.to_string()]);
    assert!(ok, "{err}");
    assert_eq!(out.lines().count(), n, "{out}");
    for arch in out.lines() {
        let (ok, params, err) = nas(&["params", space, arch]);
        assert!(ok, "`nas params` refused `{arch}`: {err}");
        assert!(params.contains("output [1, 10]"), "{params}");
    }
}

#[test]
fn independent_copies_in_every_stage_have_their_own_decisions() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let s = space(&dir, true);
    let (ok, count, err) = nas(&["count", &s]);
    assert!(ok, "{err}");
    // Per stage: 2 widths × (4 + 4² + 4³) block settings = 168; three stages.
    assert_eq!(count, "4741632\n");
    samples_build(&s, 4);
}

#[test]
fn calls_without_independent_share_the_cells_genotype_and_choose_their_own_depth() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let s = space(&dir, false);
    let (ok, count, err) = nas(&["count", &s]);
    assert!(ok, "{err}");
    // 2³ widths × 3³ depths × 4 block settings (k, and whether x joins the sum).
    assert_eq!(count, "864\n");
    samples_build(&s, 4);
}
