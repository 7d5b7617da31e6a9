//! The isomorphism hash: equal exactly when two architectures compute the same function.

use crate::space_common::*;
use nas::space::Space;

fn same(space: &Space, a: &str, b: &str) -> bool {
    space.iso_hash(&space.decode(a).unwrap()) == space.iso_hash(&space.decode(b).unwrap())
}

#[test]
fn nb201_zero_edges_and_dead_paths_vanish() {
    let s = nb201();
    // x1 and x2 are dead when nothing leaves them: only x3's direct edge matters.
    assert!(same(
        &s,
        "|nor_conv_3x3~0|+|avg_pool_3x3~0|nor_conv_1x1~1|+|nor_conv_3x3~0|none~1|none~2|",
        "|none~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|none~2|",
    ));
    // A sum of two terms is the same either way round; a skip chain is a wire.
    assert!(same(
        &s,
        "|skip_connect~0|+|none~0|skip_connect~1|+|none~0|none~1|nor_conv_1x1~2|",
        "|none~0|+|none~0|none~1|+|nor_conv_1x1~0|none~1|none~2|",
    ));
    // Every all-zero cell is the same zero function.
    assert!(same(
        &s,
        "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
        "|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|",
    ));
    // Different ops differ.
    assert!(!same(
        &s,
        "|none~0|+|none~0|none~1|+|nor_conv_1x1~0|none~1|none~2|",
        "|none~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|none~2|",
    ));
}

#[test]
fn nb201_commutative_sums_and_node_order() {
    let s = nb201();
    // x3 = conv(x0) + pool(x1) with x1 = conv1(x0), against x3 = conv(x0) + pool(x2) with x2 =
    // conv1(x0): the intermediate node's position does not matter.
    assert!(same(
        &s,
        "|nor_conv_1x1~0|+|none~0|none~1|+|nor_conv_3x3~0|avg_pool_3x3~1|none~2|",
        "|none~0|+|nor_conv_1x1~0|none~1|+|nor_conv_3x3~0|none~1|avg_pool_3x3~2|",
    ));
    // Nested sums flatten: (a + b) + c through a skip equals a + b + c.
    assert!(same(
        &s,
        "|nor_conv_1x1~0|+|nor_conv_3x3~0|skip_connect~1|+|none~0|none~1|skip_connect~2|",
        "|nor_conv_1x1~0|+|none~0|none~1|+|nor_conv_3x3~0|skip_connect~1|none~2|",
    ));
}

#[test]
fn shared_weights_differ_from_copies() {
    let s = nb201();
    // One conv read by two pools, against two separate convs each read by one pool.
    assert!(!same(
        &s,
        "|nor_conv_3x3~0|+|none~0|skip_connect~1|+|none~0|avg_pool_3x3~1|avg_pool_3x3~2|",
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|none~1|+|none~0|avg_pool_3x3~1|avg_pool_3x3~2|",
    ));
}

#[test]
fn darts_input_order_and_symmetric_nodes() {
    let s = darts_cell();
    let base = "n0.in={c0,c1} n0.op0=sep_conv_3x3 n0.op1=max_pool_3x3 \
                n1.in={c0,c1} n1.op0=dil_conv_3x3 n1.op1=avg_pool_3x3 \
                n2.in={c0,n0} n2.op0=sep_conv_5x5 n2.op1=skip_connect \
                n3.in={c1,n1} n3.op0=dil_conv_5x5 n3.op1=sep_conv_3x3";
    // Swapping n0 and n1 (their ops and who reads them) is the same cell.
    let swapped = "n0.in={c0,c1} n0.op0=dil_conv_3x3 n0.op1=avg_pool_3x3 \
                   n1.in={c0,c1} n1.op0=sep_conv_3x3 n1.op1=max_pool_3x3 \
                   n2.in={c0,n1} n2.op0=sep_conv_5x5 n2.op1=skip_connect \
                   n3.in={c1,n0} n3.op0=dil_conv_5x5 n3.op1=sep_conv_3x3";
    assert!(same(&s, base, swapped));
    // c0 and c1 are different inputs.
    let other_input = base.replacen("n2.in={c0,n0}", "n2.in={c1,n0}", 1);
    assert!(!same(&s, base, &other_input));
}

#[test]
fn nb101_vertex_relabelling() {
    let s = nb101();
    // v0 -> v1 (conv3) -> out, v0 -> v2 (pool) -> out, against the same with v1 and v2 swapped,
    // with unused vertices holding different ops.
    let a = "v1.in={v0} v1.op=conv3x3-bn-relu v2.in={v0} v2.op=maxpool3x3 v3.in={} v3.op=conv1x1-bn-relu \
             v4.in={} v4.op=conv1x1-bn-relu v5.in={} v5.op=conv1x1-bn-relu out.in={v1,v2}";
    let b =
        "v1.in={v0} v1.op=maxpool3x3 v2.in={v0} v2.op=conv3x3-bn-relu v3.in={} v3.op=maxpool3x3 \
             v4.in={} v4.op=conv3x3-bn-relu v5.in={} v5.op=conv1x1-bn-relu out.in={v1,v2}";
    assert!(same(&s, a, b));
    let c = b.replacen("v2.op=conv3x3-bn-relu", "v2.op=conv1x1-bn-relu", 1);
    assert!(!same(&s, a, &c));
}

#[test]
fn guarded_decisions_hash_by_what_is_present() {
    let s = depth_chain();
    assert!(!same(
        &s,
        "depth=1 b0.kernel=3",
        "depth=2 b0.kernel=3 b1.kernel=3"
    ));
    assert!(!same(
        &s,
        "depth=1 b0.kernel=7 b0.se=true",
        "depth=1 b0.kernel=7 b0.se=false"
    ));
    assert!(same(&s, "depth=1 b0.kernel=5", "depth=1 b0.kernel=5"));
}
