//! The published sizes of the standard spaces, computed by the space IR.

use crate::space_common::*;
use nas::space::{Equivalence, COUNT_LIMIT};
use num_bigint::BigUint;

#[test]
fn nb201_has_15625_cells() {
    let s = nb201();
    assert_eq!(s.count().unwrap(), BigUint::from(15_625u32));
    assert_eq!(s.enumerate(1_000_000).unwrap().len(), 15_625);
}

#[test]
fn nb201_has_6466_unique_cells_under_the_benchmarks_rule() {
    assert_eq!(
        nb201()
            .count_unique(Equivalence::Nb201Published, 1_000_000)
            .unwrap(),
        6_466
    );
}

#[test]
fn nb201_has_5425_functions_under_the_isomorphism_hash() {
    // Not the benchmark's rule: zero terms vanish from sums and nested sums flatten (fewer
    // classes), but one conv read by two paths differs from two convs (more classes).
    assert_eq!(
        nb201()
            .count_unique(Equivalence::Function, 1_000_000)
            .unwrap(),
        5_425
    );
}

#[test]
fn one_darts_cell_has_1_037_664_180_architectures() {
    assert_eq!(
        darts_cell().count().unwrap(),
        BigUint::from(1_037_664_180u64)
    );
}

#[test]
fn the_darts_pair_has_about_1_0767e18() {
    let n = darts_pair().count().unwrap();
    assert_eq!(
        n,
        BigUint::from(1_037_664_180u64) * BigUint::from(1_037_664_180u64)
    );
    assert_eq!(n.to_string(), "1076746950455072400");
}

#[test]
fn darts_is_too_big_to_enumerate() {
    let err = darts_cell().for_each(COUNT_LIMIT, |_| {}).unwrap_err();
    assert!(err.to_string().contains("too large"), "{err}");
}

#[test]
fn nb101_count_honours_its_constraints() {
    // 2^21 edge sets; those with at most 9 edges that connect input to output, times 3^5 ops.
    let s = nb101();
    let count = s.count().unwrap();
    assert_eq!(&count % BigUint::from(243u32), BigUint::from(0u32));
    assert!(
        count < BigUint::from(510_000_000u64) && count > BigUint::from(100_000_000u64),
        "{count}"
    );
}

/// The NAS-Bench-101 space as `stdlib/spaces/nb101.nas` writes it (`where edges <= 9`, `where
/// connected`) has as many architectures as the one built in Rust above.
#[test]
fn nb101_from_the_stdlib_has_the_same_count_as_the_rust_built_space() {
    let stdlib = nas::space::load_space("nb101").unwrap();
    assert_eq!(stdlib.count().unwrap(), nb101().count().unwrap());
}

/// Hashes every NAS-Bench-101 graph of `stdlib/spaces/nb101.nas`: a few minutes in release on
/// one core (see the note of the session that measured it), hence ignored by default.
#[test]
#[ignore]
fn nb101_has_423624_unique_graphs() {
    let t = std::time::Instant::now();
    let n = nas::space::load_space("nb101")
        .unwrap()
        .count_unique(Equivalence::Function, 1_000_000_000)
        .unwrap();
    eprintln!("nb101 unique count took {:?}", t.elapsed());
    assert_eq!(n, 423_624);
}

#[test]
fn depth_chain_counts_guarded_decisions() {
    let s = depth_chain();
    assert_eq!(s.count().unwrap(), BigUint::from(84u32));
    assert_eq!(s.enumerate(1000).unwrap().len(), 84);
}
