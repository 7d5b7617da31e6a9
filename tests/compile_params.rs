//! `nas params` pins NAS-Bench-201's parameter counts and FLOPs against the PyTorch reference
//! (benches/nb201_vs_pytorch.py params ARCH gives the same numbers), and reports bad input.

use std::process::Command;

const ALL_3X3: &str =
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|";
const ALL_NONE: &str = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|";
const MIXED: &str =
    "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_3x3~0|none~1|avg_pool_3x3~2|";

fn params(arch: &str) -> (String, String, bool) {
    let out = Command::new(env!("CARGO_BIN_EXE_nas"))
        .args(["params", "nb201", arch])
        .output()
        .expect("nas runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.success(),
    )
}

fn field<'a>(stdout: &'a str, name: &str) -> &'a str {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix(name))
        .and_then(|v| v.split_whitespace().next())
        .unwrap_or_else(|| panic!("no `{name}` line in {stdout}"))
}

#[test]
fn nb201_parameter_counts_and_flops_match_the_pytorch_reference() {
    for (arch, count, macs) in [
        (ALL_3X3, "1531546", "220119690"),
        (ALL_NONE, "73306", "7783050"),
        (MIXED, "344346", "47104650"),
    ] {
        let (stdout, stderr, ok) = params(arch);
        assert!(ok, "{stderr}");
        assert_eq!(field(&stdout, "params: "), count, "{arch}");
        assert_eq!(field(&stdout, "flops: "), macs, "{arch}");
    }
}

#[test]
fn a_bad_architecture_or_space_is_an_error_message() {
    let (_, stderr, ok) = params("|nor_conv_5x5~0|+|none~0|none~1|+|none~0|none~1|none~2|");
    assert!(!ok);
    assert!(stderr.contains("`nor_conv_5x5` is not one of"), "{stderr}");
    let (_, stderr, ok) = params("|none~0|");
    assert!(!ok && stderr.contains("expected 3 nodes"), "{stderr}");
    let out = Command::new(env!("CARGO_BIN_EXE_nas"))
        .args(["params", "nowhere", ALL_3X3])
        .output()
        .expect("nas runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no stdlib space `nowhere`"), "{stderr}");
}
