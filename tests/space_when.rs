//! `when(k == v, a, b)` in generated recurrent cells: for each generated cell the space's
//! count is the generator's own (a sum over the values of `k` of the branches' choices), every
//! architecture decodes from its text, builds, runs a window to finite outputs, and holds the
//! parameters of the branches it takes and no others.

use nas::check::check_source;
use nas::compile::sequence::SequenceNet;
use nas::space::{lower_space, Space};
use num_bigint::BigUint;
use proptest::prelude::*;
use tch::{nn, Device, Tensor};

/// The cells' width: a `linear(D)` holds D·D + D parameters.
const D: i64 = 4;
const LINEAR: i64 = D * D + D;

/// The values a `let k` ranges over, as the language writes them and as labels.
#[derive(Debug, Clone)]
enum Domain {
    /// `0..=hi`
    Range(i64),
    /// `false | true`
    Bools,
    /// `2 | 4 | 8`
    Values,
}

impl Domain {
    fn source(&self) -> String {
        match self {
            Domain::Range(hi) => format!("0..={hi}"),
            Domain::Bools => "false | true".into(),
            Domain::Values => "2 | 4 | 8".into(),
        }
    }

    fn labels(&self) -> Vec<String> {
        match self {
            Domain::Range(hi) => (0..=*hi).map(|v| v.to_string()).collect(),
            Domain::Bools => vec!["false".into(), "true".into()],
            Domain::Values => vec!["2".into(), "4".into(), "8".into()],
        }
    }
}

/// A branch of a `when`, reading the node `a`: its text, its choices and its parameters.
#[derive(Debug, Clone, Copy)]
enum Branch {
    /// `a`
    Plain,
    /// `sum(a, c) >> (tanh | relu)`: 2 choices.
    Injected,
    /// `a >> linear(D)`: one linear map.
    Mapped,
    /// `(sum(a, c) | prod(a, c)) >> tanh`: 2 choices.
    Merged,
}

impl Branch {
    fn source(self, a: &str) -> String {
        match self {
            Branch::Plain => a.to_string(),
            Branch::Injected => format!("sum({a}, c) >> (tanh | relu)"),
            Branch::Mapped => format!("{a} >> linear(d)"),
            Branch::Merged => format!("(sum({a}, c) | prod({a}, c)) >> tanh"),
        }
    }

    fn choices(self) -> u64 {
        match self {
            Branch::Plain | Branch::Mapped => 1,
            Branch::Injected | Branch::Merged => 2,
        }
    }

    fn params(self) -> i64 {
        match self {
            Branch::Mapped => LINEAR,
            _ => 0,
        }
    }
}

/// How a node's `when` is asked: `k == v`, `k != v` (v by its index among the labels), or a
/// condition on the parameter `d`, decided once.
#[derive(Debug, Clone, Copy)]
enum Condition {
    Equals(usize),
    Differs(usize),
    Constant(bool),
}

#[derive(Debug, Clone)]
struct Cell {
    domain: Domain,
    nodes: Vec<(Condition, Branch, Branch)>,
}

impl Cell {
    fn source(&self) -> String {
        let labels = self.domain.labels();
        let mut s = format!(
            "cell w(d: int) {{\n    input x\n    state h, c\n    let k = {}\n",
            self.domain.source()
        );
        for (i, (condition, then, otherwise)) in self.nodes.iter().enumerate() {
            let from = if i == 0 {
                "x".to_string()
            } else {
                format!("b{}", i - 1)
            };
            let a = format!("a{i}");
            s += &format!("    node {a} = sum({from} >> linear(d), h >> linear(d)) >> tanh\n");
            let test = match condition {
                Condition::Equals(v) => format!("k == {}", labels[*v % labels.len()]),
                Condition::Differs(v) => format!("k != {}", labels[*v % labels.len()]),
                Condition::Constant(true) => format!("d == {D}"),
                Condition::Constant(false) => format!("d != {D}"),
            };
            s += &format!(
                "    node b{i} = when({test}, {}, {})\n",
                then.source(&a),
                otherwise.source(&a)
            );
        }
        let last = format!("b{}", self.nodes.len() - 1);
        s += &format!("    next c = {last}\n    next h = {last}\n    output {last}\n}}\n\n");
        s += &format!(
            "space s {{\n    input sequence(3, 1)\n    embedding(10, {D}) >> w({D}) >> linear(10)\n}}\n"
        );
        s
    }

    /// The branch node `i` takes while `k` holds the label `value`.
    fn taken(&self, i: usize, value: &str) -> Branch {
        let labels = self.domain.labels();
        let (condition, then, otherwise) = self.nodes[i];
        let holds = match condition {
            Condition::Equals(v) => labels[v % labels.len()] == value,
            Condition::Differs(v) => labels[v % labels.len()] != value,
            Condition::Constant(b) => b,
        };
        if holds {
            then
        } else {
            otherwise
        }
    }

    /// The generator's count: for each value of `k` (a decision whether or not a node asks
    /// it), the product of the branches' choices.
    fn count(&self) -> u64 {
        self.domain
            .labels()
            .iter()
            .map(|v| {
                (0..self.nodes.len())
                    .map(|i| self.taken(i, v).choices())
                    .product::<u64>()
            })
            .sum()
    }

    /// The cell's parameters while `k` holds `value`.
    fn params(&self, value: &str) -> i64 {
        (0..self.nodes.len())
            .map(|i| 2 * LINEAR + self.taken(i, value).params())
            .sum()
    }
}

fn branch() -> impl Strategy<Value = Branch> {
    prop_oneof![
        Just(Branch::Plain),
        Just(Branch::Injected),
        Just(Branch::Mapped),
        Just(Branch::Merged)
    ]
}

fn cell() -> impl Strategy<Value = Cell> {
    let domain = prop_oneof![
        (1i64..=3).prop_map(Domain::Range),
        Just(Domain::Bools),
        Just(Domain::Values)
    ];
    let condition = prop_oneof![
        4 => (0usize..4).prop_map(Condition::Equals),
        2 => (0usize..4).prop_map(Condition::Differs),
        1 => any::<bool>().prop_map(Condition::Constant),
    ];
    (
        domain,
        prop::collection::vec((condition, branch(), branch()), 1..=3),
    )
        .prop_map(|(domain, nodes)| Cell { domain, nodes })
}

fn lower(text: &str) -> Space {
    let program = check_source("when.nas", text);
    assert!(
        !program.has_errors(),
        "{text}\n{}",
        program.render_diagnostics(false)
    );
    lower_space(&program, "s").unwrap_or_else(|d| panic!("{text}\n{}", d.render(&program.sources)))
}

/// The value `k` holds in an architecture's text (`w.k=3`).
fn value_of_k(text: &str) -> String {
    text.split_whitespace()
        .find_map(|t| t.strip_prefix("w.k="))
        .unwrap_or_else(|| panic!("no w.k in {text}"))
        .to_string()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn generated_when_cells_keep_every_promise(cell in cell()) {
        let text = cell.source();
        let space = lower(&text);
        prop_assert_eq!(space.count().unwrap(), BigUint::from(cell.count()), "{}", text);
        let all = space.enumerate(1_000).unwrap();
        prop_assert_eq!(all.len() as u64, cell.count(), "{}", text);
        let tokens = Tensor::from_slice(&[1i64, 4, 2, 0, 3, 9]).view([2, 3]);
        for arch in &all {
            let written = space.encode(arch);
            prop_assert_eq!(&space.decode(&written).unwrap(), arch, "{}", written);
            let vs = nn::VarStore::new(Device::Cpu);
            let net = SequenceNet::new(&vs.root(), &space, arch)
                .unwrap_or_else(|e| panic!("{text}\n{written}: {e}"));
            let states = net.zero_states(2, Device::Cpu);
            let (out, _) = net.forward_states(&tokens, &states, false).unwrap();
            prop_assert_eq!(out.size(), vec![2, 3, 10]);
            prop_assert!(out.isfinite().all().int64_value(&[]) == 1);
            let in_cell: i64 = vs
                .variables()
                .iter()
                .filter(|(name, _)| name.starts_with("cell."))
                .map(|(_, t)| t.numel() as i64)
                .sum();
            let k = value_of_k(&written);
            prop_assert_eq!(in_cell, cell.params(&k), "{}\n{}", text, written);
        }
    }
}
