//! Canonical strings and JSON: round trips over samples of every space, the NAS-Bench-201
//! benchmark strings, and clear errors on malformed input.

use crate::space_common::*;
use nas::space::{rng, Space};

fn round_trips(space: &Space, n: usize, seed: u64) {
    let mut r = rng(seed);
    for _ in 0..n {
        let a = space.sample(&mut r).unwrap();
        let text = space.encode(&a);
        assert_eq!(space.decode(&text).unwrap(), a, "{text}");
        let json = space.to_json(&a);
        assert_eq!(space.from_json(&json).unwrap(), a, "{json}");
        let reparsed: serde_json::Value = serde_json::from_str(&json.to_string()).unwrap();
        assert_eq!(space.from_json(&reparsed).unwrap(), a);
    }
}

#[test]
fn samples_of_every_space_round_trip() {
    round_trips(&nb201(), 3000, 1);
    round_trips(&nb101(), 3000, 2);
    round_trips(&darts_cell(), 3000, 3);
    round_trips(&darts_pair(), 3000, 4);
    round_trips(&depth_chain(), 3000, 5);
}

#[test]
fn nb201_strings_are_the_benchmarks() {
    let s = nb201();
    let archs = s.enumerate(100_000).unwrap();
    let first = s.encode(&archs[0]);
    assert_eq!(first, "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|");
    let a = s.decode("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|").unwrap();
    assert_eq!(
        s.encode(&a),
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"
    );
}

#[test]
fn nb201_enumeration_matches_the_benchmark_table() {
    let dir = nas::paths::data_dir().expect("the project's data/ holds the NB201 table");
    let table = nas::paths::read_data_text(&dir.join("nb201/nb201.csv")).expect("nb201.csv.gz");
    let s = nb201();
    let mut from_table: Vec<String> = table
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).expect("arch column").to_string())
        .collect();
    for text in &from_table {
        assert_eq!(&s.encode(&s.decode(text).unwrap()), text);
    }
    let mut ours: Vec<String> = s
        .enumerate(100_000)
        .unwrap()
        .iter()
        .map(|a| s.encode(a))
        .collect();
    from_table.sort();
    ours.sort();
    assert_eq!(ours, from_table);
}

fn decode_error(space: &Space, text: &str) -> String {
    space.decode(text).unwrap_err().to_string()
}

#[test]
fn malformed_nb201_strings_are_clear_errors() {
    let s = nb201();
    let e = decode_error(&s, "|none~0|+|none~0|none~1|");
    assert!(e.contains("expected 3 nodes"), "{e}");
    let e = decode_error(&s, "|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|");
    assert!(e.contains("`conv` is not one of none, skip_connect"), "{e}");
    let e = decode_error(&s, "|none~1|+|none~0|none~1|+|none~0|none~1|none~2|");
    assert!(e.contains("must come from vertex 0"), "{e}");
    let e = decode_error(&s, "|none~0|+|none~0|+|none~0|none~1|none~2|");
    assert!(e.contains("has 1 edges, expected 2"), "{e}");
    let e = decode_error(&s, "none~0|+|none~0|none~1|+|none~0|none~1|none~2|");
    assert!(e.contains("must start and end with `|`"), "{e}");
    let e = decode_error(&s, "|none0|+|none~0|none~1|+|none~0|none~1|none~2|");
    assert!(e.contains("is not `op~source`"), "{e}");
    assert!(s.decode("").is_err());
}

#[test]
fn malformed_named_strings_are_clear_errors() {
    let s = darts_cell();
    let a = s.sample(&mut rng(9)).unwrap();
    let good = s.encode(&a);
    assert!(good.starts_with("n0.in={c0,c1} n0.op0="), "{good}");
    let e = decode_error(&s, &good.replacen("n0.in={c0,c1}", "n0.in={c0}", 1));
    assert!(e.contains("pick exactly 2"), "{e}");
    let e = decode_error(&s, &good.replacen("n0.in={c0,c1}", "n0.in={c0,n3}", 1));
    assert!(e.contains("`n3` is not one of c0, c1"), "{e}");
    let e = decode_error(&s, &format!("{good} n9.op0=skip_connect"));
    assert!(e.contains("no decision `n9.op0`"), "{e}");
    let e = decode_error(&s, &format!("{good} n0.op0=skip_connect"));
    assert!(e.contains("given twice"), "{e}");
    let e = decode_error(&s, good.split_once(' ').unwrap().1);
    assert!(e.contains("`n0.in` has no value"), "{e}");
    let e = decode_error(&s, "n0.in");
    assert!(e.contains("not `name=value`"), "{e}");

    let d = depth_chain();
    let e = decode_error(&d, "depth=1 b0.kernel=3 b1.kernel=5");
    assert!(e.contains("`b1.kernel` is inactive"), "{e}");
    let e = decode_error(&d, "depth=4 b0.kernel=3");
    assert!(e.contains("not an integer in 1..=3"), "{e}");
    assert_eq!(
        d.encode(&d.decode("depth=1 b0.kernel=7 b0.se=true").unwrap()),
        "depth=1 b0.kernel=7 b0.se=true"
    );
}

#[test]
fn constraint_breaking_strings_are_rejected() {
    let s = nb101();
    let all = "v1.in={v0} v1.op=maxpool3x3 v2.in={v0,v1} v2.op=maxpool3x3 v3.in={v0,v1,v2} v3.op=maxpool3x3 \
               v4.in={v0} v4.op=maxpool3x3 v5.in={v0} v5.op=maxpool3x3 out.in={v1,v2,v3,v4,v5}";
    let e = decode_error(&s, all);
    assert!(e.contains("edges <= 9"), "{e}");
}

#[test]
fn malformed_json_is_a_clear_error() {
    let s = nb201();
    let e = s
        .from_json(&serde_json::json!({"x1.e0": "none"}))
        .unwrap_err()
        .to_string();
    assert!(e.contains("`x2.e0` has no value"), "{e}");
    let e = s
        .from_json(&serde_json::json!([1, 2]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("object"), "{e}");
    let e = s
        .from_json(&serde_json::json!({"x1.e0": 3}))
        .unwrap_err()
        .to_string();
    assert!(e.contains("wrong JSON type"), "{e}");
    let e = s
        .from_json(&serde_json::json!({"bogus": "none"}))
        .unwrap_err()
        .to_string();
    assert!(e.contains("no decision `bogus`"), "{e}");
}
