//! Spaces built directly in Rust for the space tests: NAS-Bench-201, NAS-Bench-101, a DARTS
//! cell and pair, and a small space with a chosen depth.
#![allow(dead_code)]

use nas::space::*;

/// An op alternative with a kind.
pub fn alt(name: &str, kind: OpKind) -> Alt {
    Alt::op(Op::new(name, kind))
}

fn categorical(name: String, alts: &[Alt]) -> Decision {
    Decision {
        name,
        domain: Domain::Categorical(alts.to_vec()),
        guard: None,
    }
}

/// The five NAS-Bench-201 ops.
pub fn nb201_ops() -> Vec<Alt> {
    vec![
        alt("none", OpKind::Zero),
        alt("skip_connect", OpKind::Identity),
        alt("nor_conv_1x1", OpKind::Other),
        alt("nor_conv_3x3", OpKind::Other),
        alt("avg_pool_3x3", OpKind::Other),
    ]
}

/// NAS-Bench-201: four vertices, every edge its own op decision.
pub fn nb201() -> Space {
    let ops = nb201_ops();
    let mut decisions = Vec::new();
    let mut nodes = Vec::new();
    for j in 1..=3 {
        let mut terms = Vec::new();
        for i in 0..j {
            terms.push(Term {
                source: Source::Vertex(i),
                op: Some(OpRef::Choice(decisions.len())),
            });
            decisions.push(categorical(format!("x{j}.e{i}"), &ops));
        }
        nodes.push(Node {
            name: format!("x{j}"),
            combine: Combine::Sum,
            terms,
            post: None,
            guard: None,
        });
    }
    let output = Node {
        name: "out".into(),
        combine: Combine::Sum,
        terms: vec![Term {
            source: Source::Vertex(3),
            op: None,
        }],
        post: None,
        guard: None,
    };
    let g = Graph {
        name: "nb201_cell".into(),
        inputs: vec!["x0".into()],
        nodes,
        output,
        states: Vec::new(),
    };
    Space::new("nb201", decisions, vec![], vec![g]).expect("nb201 is valid")
}

/// NAS-Bench-101: input v0, five op vertices each summing any subset of earlier vertices,
/// the output concatenating any subset; at most 9 edges, input connected to output.
pub fn nb101() -> Space {
    let ops = vec![
        alt("conv3x3-bn-relu", OpKind::Other),
        alt("conv1x1-bn-relu", OpKind::Other),
        alt("maxpool3x3", OpKind::Other),
    ];
    let names: Vec<String> = (0..7).map(|i| format!("v{i}")).collect();
    let mut decisions = Vec::new();
    let mut nodes = Vec::new();
    let member_terms = |d: usize, upto: usize| -> Vec<Term> {
        (0..upto)
            .map(|j| Term {
                source: Source::Member {
                    decision: d,
                    candidate: j as u32,
                    vertex: j,
                },
                op: None,
            })
            .collect()
    };
    for v in 1..=5 {
        let s = decisions.len();
        decisions.push(Decision {
            name: format!("v{v}.in"),
            domain: Domain::Subset {
                candidates: names[..v].to_vec(),
            },
            guard: None,
        });
        decisions.push(categorical(format!("v{v}.op"), &ops));
        nodes.push(Node {
            name: names[v].clone(),
            combine: Combine::Sum,
            terms: member_terms(s, v),
            post: Some(OpRef::Choice(s + 1)),
            guard: None,
        });
    }
    let s = decisions.len();
    decisions.push(Decision {
        name: "out.in".into(),
        domain: Domain::Subset {
            candidates: names[..6].to_vec(),
        },
        guard: None,
    });
    let output = Node {
        name: "v6".into(),
        combine: Combine::Concat,
        terms: member_terms(s, 6),
        post: None,
        guard: None,
    };
    let g = Graph {
        name: "nb101_cell".into(),
        inputs: vec!["v0".into()],
        nodes,
        output,
        states: Vec::new(),
    };
    let constraints = vec![
        Constraint {
            lhs: Expr::Edges(0),
            cmp: Cmp::Le,
            rhs: Expr::Num(9),
            text: "edges <= 9".into(),
            guard: None,
        },
        Constraint {
            lhs: Expr::Connected(0),
            cmp: Cmp::Eq,
            rhs: Expr::Num(1),
            text: "connected".into(),
            guard: None,
        },
    ];
    Space::new("nb101", decisions, constraints, vec![g]).expect("nb101 is valid")
}

/// The seven DARTS ops (without `none`).
pub fn darts_ops() -> Vec<Alt> {
    let mut v: Vec<Alt> = [
        "sep_conv_3x3",
        "sep_conv_5x5",
        "dil_conv_3x3",
        "dil_conv_5x5",
        "max_pool_3x3",
        "avg_pool_3x3",
    ]
    .iter()
    .map(|n| alt(n, OpKind::Other))
    .collect();
    v.push(alt("skip_connect", OpKind::Identity));
    v
}

fn darts_graph(prefix: &str, decisions: &mut Vec<Decision>) -> Graph {
    let ops = darts_ops();
    let mut nodes = Vec::new();
    let mut cands = vec!["c0".to_string(), "c1".to_string()];
    for i in 0..4 {
        let p = decisions.len();
        decisions.push(Decision {
            name: format!("{prefix}n{i}.in"),
            domain: Domain::Pick {
                k: 2,
                candidates: cands.clone(),
            },
            guard: None,
        });
        let vertices: Vec<usize> = (0..cands.len()).collect();
        let mut terms = Vec::new();
        for slot in 0..2 {
            terms.push(Term {
                source: Source::Pick {
                    decision: p,
                    slot,
                    vertices: vertices.clone(),
                },
                op: Some(OpRef::Choice(decisions.len())),
            });
            decisions.push(categorical(format!("{prefix}n{i}.op{slot}"), &ops));
        }
        nodes.push(Node {
            name: format!("n{i}"),
            combine: Combine::Sum,
            terms,
            post: None,
            guard: None,
        });
        cands.push(format!("n{i}"));
    }
    let output = Node {
        name: "out".into(),
        combine: Combine::Concat,
        terms: (2..6)
            .map(|v| Term {
                source: Source::Vertex(v),
                op: None,
            })
            .collect(),
        post: None,
        guard: None,
    };
    Graph {
        name: format!("{prefix}cell"),
        inputs: vec!["c0".into(), "c1".into()],
        nodes,
        output,
        states: Vec::new(),
    }
}

/// One DARTS cell.
pub fn darts_cell() -> Space {
    let mut decisions = Vec::new();
    let g = darts_graph("", &mut decisions);
    Space::new("darts_cell", decisions, vec![], vec![g]).expect("darts cell is valid")
}

/// The DARTS normal and reduction cells.
pub fn darts_pair() -> Space {
    let mut decisions = Vec::new();
    let normal = darts_graph("normal.", &mut decisions);
    let reduce = darts_graph("reduce.", &mut decisions);
    Space::new("darts", decisions, vec![], vec![normal, reduce]).expect("darts is valid")
}

/// A chain of 1 to 3 blocks (a depth decision), each block choosing a kernel 3, 5 or 7 and
/// whether to use a squeeze-excite (only when the kernel is 7): 4 + 16 + 64 = 84 architectures.
pub fn depth_chain() -> Space {
    let mut decisions = vec![Decision {
        name: "depth".into(),
        domain: Domain::Depth { lo: 1, hi: 3 },
        guard: None,
    }];
    let mut nodes = Vec::new();
    for b in 0..3 {
        let k = decisions.len();
        decisions.push(Decision {
            name: format!("b{b}.kernel"),
            domain: Domain::Categorical(vec![Alt::label("3"), Alt::label("5"), Alt::label("7")]),
            guard: Some(Guard {
                parent: 0,
                when: When::AtLeast(b as i64 + 1),
            }),
        });
        decisions.push(Decision {
            name: format!("b{b}.se"),
            domain: Domain::Boolean,
            guard: Some(Guard {
                parent: k,
                when: When::Is(2),
            }),
        });
        let op = Op {
            name: "mbconv".into(),
            args: vec![
                Arg {
                    name: Some("kernel".into()),
                    value: ArgValue::Decision(k),
                },
                Arg {
                    name: Some("se".into()),
                    value: ArgValue::Decision(k + 1),
                },
            ],
            kind: OpKind::Other,
        };
        nodes.push(Node {
            name: format!("b{b}"),
            combine: Combine::Sum,
            terms: vec![Term {
                source: Source::Vertex(b),
                op: None,
            }],
            post: Some(OpRef::Fixed(op)),
            guard: Some(Guard {
                parent: 0,
                when: When::AtLeast(b as i64 + 1),
            }),
        });
    }
    let output = Node {
        name: "out".into(),
        combine: Combine::Sum,
        terms: vec![Term {
            source: Source::Vertex(3),
            op: None,
        }],
        post: None,
        guard: None,
    };
    let g = Graph {
        name: "chain".into(),
        inputs: vec!["x".into()],
        nodes,
        output,
        states: Vec::new(),
    };
    Space::new("depth_chain", decisions, vec![], vec![g]).expect("depth chain is valid")
}
