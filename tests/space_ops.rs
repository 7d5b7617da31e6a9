//! Sampling, mutation, neighbours, crossover and enumeration on the space IR.

use crate::space_common::*;
use nas::space::{rng, Architecture, Space, Value};
use std::collections::{HashMap, HashSet};

fn differing(a: &Architecture, b: &Architecture) -> usize {
    a.values()
        .iter()
        .zip(b.values())
        .filter(|(x, y)| x != y)
        .count()
}

#[test]
fn sampling_is_seeded_and_deterministic() {
    for s in [nb201(), nb101(), darts_pair(), depth_chain()] {
        let a: Vec<String> = (0..50)
            .scan(rng(42), |r, _| Some(s.encode(&s.sample(r).unwrap())))
            .collect();
        let b: Vec<String> = (0..50)
            .scan(rng(42), |r, _| Some(s.encode(&s.sample(r).unwrap())))
            .collect();
        let c: Vec<String> = (0..50)
            .scan(rng(43), |r, _| Some(s.encode(&s.sample(r).unwrap())))
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}

/// Chi-square-like check: every architecture's frequency is near the uniform expectation.
fn assert_uniform(space: &Space, draws: usize, seed: u64) {
    let all = space.enumerate(100_000).unwrap();
    let mut counts: HashMap<Architecture, usize> = all.iter().map(|a| (a.clone(), 0)).collect();
    let mut r = rng(seed);
    for _ in 0..draws {
        let a = space.sample(&mut r).unwrap();
        *counts
            .get_mut(&a)
            .expect("samples are members of the enumeration") += 1;
    }
    let expect = draws as f64 / all.len() as f64;
    let chi2: f64 = counts
        .values()
        .map(|&c| (c as f64 - expect).powi(2) / expect)
        .sum();
    let dof = all.len() as f64 - 1.0;
    // Mean dof, standard deviation sqrt(2 dof): six deviations is far out for a fair sampler.
    assert!(
        chi2 < dof + 6.0 * (2.0 * dof).sqrt(),
        "chi2 {chi2} for {dof} degrees of freedom"
    );
}

#[test]
fn sampling_is_uniform_over_guarded_architectures() {
    // Depth 3 holds 64 of the 84 architectures; a per-decision sampler would give it 1/3.
    assert_uniform(&depth_chain(), 84_000, 11);
}

#[test]
fn sampling_is_uniform_over_nb201() {
    assert_uniform(&nb201(), 312_500, 12);
}

#[test]
fn sampling_honours_constraints() {
    let s = nb101();
    let mut r = rng(5);
    for _ in 0..2000 {
        let a = s.sample(&mut r).unwrap();
        assert!(s.satisfies(&a));
        s.validate(&a).unwrap();
    }
}

#[test]
fn mutation_changes_one_decision() {
    for s in [nb201(), darts_pair(), nb101()] {
        let mut r = rng(3);
        for _ in 0..500 {
            let a = s.sample(&mut r).unwrap();
            let b = s.mutate(&a, &mut r).unwrap();
            assert_eq!(differing(&a, &b), 1, "{} -> {}", s.encode(&a), s.encode(&b));
            s.validate(&b).unwrap();
        }
    }
}

#[test]
fn mutation_under_guards_fills_and_clears() {
    let s = depth_chain();
    let mut r = rng(8);
    for _ in 0..500 {
        let a = s.sample(&mut r).unwrap();
        let b = s.mutate(&a, &mut r).unwrap();
        assert_ne!(a, b);
        s.validate(&b).unwrap();
    }
}

#[test]
fn nb201_has_24_neighbours() {
    let s = nb201();
    let a = s.sample(&mut rng(1)).unwrap();
    let n = s.neighbours(&a);
    assert_eq!(n.len(), 24);
    assert!(n.iter().all(|b| differing(&a, b) == 1));
    assert_eq!(n.iter().collect::<HashSet<_>>().len(), 24);
}

#[test]
fn darts_neighbours_swap_inputs_and_ops() {
    let s = darts_cell();
    let a = s.sample(&mut rng(2)).unwrap();
    // Ops: 8 slots x 6 others; inputs: node i has 2 x (i + 2 - 2) swaps: 0 + 2 + 4 + 6.
    assert_eq!(s.neighbours(&a).len(), 8 * 6 + 12);
}

#[test]
fn neighbours_honour_constraints_and_guards() {
    let s = nb101();
    let mut r = rng(4);
    for _ in 0..50 {
        let a = s.sample(&mut r).unwrap();
        for b in s.neighbours(&a) {
            s.validate(&b).unwrap();
        }
    }
    let d = depth_chain();
    let a = d.decode("depth=1 b0.kernel=3").unwrap();
    let texts: Vec<String> = d.neighbours(&a).iter().map(|b| d.encode(b)).collect();
    assert_eq!(
        texts,
        vec![
            "depth=2 b0.kernel=3 b1.kernel=3",
            "depth=3 b0.kernel=3 b1.kernel=3 b2.kernel=3",
            "depth=1 b0.kernel=5",
            "depth=1 b0.kernel=7 b0.se=false",
        ]
    );
}

#[test]
fn crossover_takes_each_value_from_a_parent() {
    for s in [nb201(), darts_pair(), nb101(), depth_chain()] {
        let mut r = rng(6);
        for _ in 0..300 {
            let a = s.sample(&mut r).unwrap();
            let b = s.sample(&mut r).unwrap();
            let c = s.crossover(&a, &b, &mut r).unwrap();
            s.validate(&c).unwrap();
            if s.name() != "depth_chain" {
                for (i, v) in c.values().iter().enumerate() {
                    assert!(*v == a.values()[i] || *v == b.values()[i] || *v == Value::Off);
                }
            }
        }
    }
}

#[test]
fn enumeration_is_complete_and_distinct() {
    let s = nb201();
    let all = s.enumerate(100_000).unwrap();
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), 15_625);
    let d = depth_chain();
    let all = d.enumerate(1000).unwrap();
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), 84);
    assert!(all.iter().all(|a| d.validate(a).is_ok()));
    assert!(s.enumerate(100).is_err());
}
