//! `nas count`, `nas sample` and `nas show` end to end.

use crate::cli_common::nas;

#[test]
fn count_prints_the_number() {
    assert_eq!(nas(&["count", "nb201"]).1, "15625\n");
    assert_eq!(nas(&["count", "darts"]).1, "1076746950455072400\n");
    assert_eq!(
        nas(&["count", "nb201", "--unique", "--equivalence", "nb201"]).1,
        "6466\n"
    );
    assert_eq!(nas(&["count", "nb201", "--unique"]).1, "5425\n");
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/stdlib/spaces/mobilenet_v2.nas:mobilenet_v2"
    );
    assert_eq!(nas(&["count", file]).1, "221502229807900608\n");
}

#[test]
fn sample_is_seeded_and_prints_canonical_strings() {
    let (ok, a, _) = nas(&["sample", "nb201", "-n", "5", "--seed", "7"]);
    assert!(ok);
    assert_eq!(a.lines().count(), 5);
    assert!(
        a.lines()
            .all(|l| l.starts_with('|') && l.matches('~').count() == 6),
        "{a}"
    );
    assert_eq!(nas(&["sample", "nb201", "-n", "5", "--seed", "7"]).1, a);
    assert_ne!(nas(&["sample", "nb201", "-n", "5", "--seed", "8"]).1, a);
    let (ok, json, _) = nas(&["sample", "darts", "--json"]);
    assert!(ok && json.starts_with('{'), "{json}");
}

#[test]
fn show_draws_text_and_dot() {
    let arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|";
    let (ok, text, _) = nas(&["show", "nb201", arch]);
    assert!(ok);
    assert!(
        text.contains("x2 = sum(x0 >> nor_conv_3x3, x1 >> avg_pool_3x3)"),
        "{text}"
    );
    let (ok, dot, _) = nas(&["show", "nb201", arch, "--dot"]);
    assert!(
        ok && dot.starts_with("digraph") && dot.contains("-> g0v3 [label=\"skip_connect\"]"),
        "{dot}"
    );
    let (ok, _, err) = nas(&["show", "nb201", "|conv~0|"]);
    assert!(!ok);
    assert!(
        err.contains("expected 3 nodes") && err.contains("hint:"),
        "{err}"
    );
}

#[test]
fn unknown_spaces_fail_with_a_hint() {
    let (ok, _, err) = nas(&["count", "nb999"]);
    assert!(!ok);
    assert!(
        err.contains("no stdlib space `nb999`") && err.contains("hint"),
        "{err}"
    );
}
