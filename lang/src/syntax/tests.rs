//! Unit tests of the lexer and parser.

use super::ast::{
    BinOp, Direction, EntryValue, ExprKind, ItemKind, Lit, Magnitude, PickCount, RepeatMode,
    StmtKind, TimeUnit,
};
use super::{parse, FileId, Parsed};

fn parse_ok(text: &str) -> Parsed {
    let parsed = parse(FileId(0), text);
    assert!(
        parsed.diagnostics.is_empty(),
        "unexpected diagnostics: {:#?}",
        parsed.diagnostics
    );
    parsed
}

/// The body of the single `op` in `text`.
fn op_body(text: &str) -> ExprKind {
    let parsed = parse_ok(text);
    match &parsed.file.items[0].kind {
        ItemKind::Op(def) => def.body.kind.clone(),
        other => panic!("not an op: {other:?}"),
    }
}

#[test]
fn alternatives_are_looser_than_composition() {
    let ExprKind::Alt(alts) = op_body("op o = relu | conv(8, 3) >> batchnorm") else {
        panic!("expected alternatives");
    };
    assert_eq!(alts.len(), 2);
    assert!(matches!(&alts[1].kind, ExprKind::Seq(items) if items.len() == 2));
}

#[test]
fn composition_chains_are_flat() {
    let ExprKind::Seq(items) = op_body("op o = a >> b >> c >> d") else {
        panic!("expected a sequence");
    };
    assert_eq!(items.len(), 4);
}

#[test]
fn arithmetic_binds_tighter_than_composition() {
    let ExprKind::Seq(items) = op_body("op o = conv(2 * c + 1, 3) >> x * n") else {
        panic!("expected a sequence");
    };
    assert!(matches!(
        &items[1].kind,
        ExprKind::Binary { op: BinOp::Mul, .. }
    ));
}

#[test]
fn independent_repetition_and_chosen_depth() {
    let kind = op_body("op o = block(c) * (2..=4) independent");
    let ExprKind::Repeat { count, mode, .. } = kind else {
        panic!("expected a repetition");
    };
    assert_eq!(mode, RepeatMode::Independent);
    assert!(matches!(
        count.kind,
        ExprKind::Range {
            inclusive: true,
            ..
        }
    ));
}

#[test]
fn input_choices() {
    let ExprKind::Seq(items) = op_body("op o = 2 of [a, b, c] >> op1") else {
        panic!("expected a sequence");
    };
    assert!(
        matches!(&items[0].kind, ExprKind::Pick { count: PickCount::Exactly(_), candidates } if candidates.len() == 3)
    );
    let kind = op_body("op o = any of [a, b]");
    assert!(matches!(
        kind,
        ExprKind::Pick {
            count: PickCount::Any,
            ..
        }
    ));
}

#[test]
fn literals_with_units() {
    let ExprKind::List(items) = op_body("op o = [5M, 2k, 1e-3, 4h, 30s, \"a\\\"b\", true, 1_000]")
    else {
        panic!("expected a list");
    };
    let lits: Vec<Lit> = items
        .into_iter()
        .map(|item| match item.kind {
            ExprKind::Lit(lit) => lit,
            other => panic!("not a literal: {other:?}"),
        })
        .collect();
    assert_eq!(
        lits[0],
        Lit::Int {
            value: 5,
            magnitude: Magnitude::Mega
        }
    );
    assert_eq!(lits[0].int_value(), Some(5_000_000));
    assert_eq!(lits[1].int_value(), Some(2_000));
    assert_eq!(
        lits[2],
        Lit::Float {
            value: 1e-3,
            magnitude: Magnitude::One
        }
    );
    assert_eq!(
        lits[3],
        Lit::Duration {
            value: 4,
            unit: TimeUnit::Hours
        }
    );
    assert_eq!(
        lits[4],
        Lit::Duration {
            value: 30,
            unit: TimeUnit::Seconds
        }
    );
    assert_eq!(lits[5], Lit::Str("a\"b".to_string()));
    assert_eq!(lits[6], Lit::Bool(true));
    assert_eq!(lits[7].int_value(), Some(1_000));
}

#[test]
fn bodies_and_experiments() {
    let parsed = parse_ok(
        "cell c(n: int) { input a, b\n node x = sum(a, b)\n let k = 3 | 5\n output x\n where edges <= 9 }\n\
         space s(c: int = 16) { input image(3, 32, 32)\n conv(c, 3) >> relu\n where params < 5M }\n\
         experiment e { space s(c: 8)\n budget trials: 10, time: 1h\n objective maximize valid_acc }",
    );
    let kinds: Vec<&str> = parsed
        .file
        .items
        .iter()
        .map(|item| item.kind.keyword())
        .collect();
    assert_eq!(kinds, ["cell", "space", "experiment"]);
    let ItemKind::Cell(cell) = &parsed.file.items[0].kind else {
        unreachable!()
    };
    assert!(matches!(&cell.body[0].kind, StmtKind::Input(names) if names.len() == 2));
    assert!(matches!(&cell.body[4].kind, StmtKind::Where(_)));
    let ItemKind::Experiment(experiment) = &parsed.file.items[2].kind else {
        unreachable!()
    };
    assert_eq!(experiment.entries.len(), 3);
    assert_eq!(experiment.entries[0].key.name, "space");
}

#[test]
fn an_objective_names_several_metrics_each_with_its_direction() {
    let text = "experiment e { objective maximize valid_acc, minimize params\n budget trials: 1 }";
    // The fast parser and the recovering one agree.
    for parsed in [parse_ok(text), super::parse_recovering(FileId(0), text)] {
        let ItemKind::Experiment(experiment) = &parsed.file.items[0].kind else {
            unreachable!()
        };
        let EntryValue::Objective(objectives) = &experiment.entries[0].value else {
            panic!("not an objective: {:?}", experiment.entries[0].value);
        };
        let read: Vec<(Direction, &str)> = objectives
            .iter()
            .map(|o| (o.direction, o.metric().expect("a metric").name.as_str()))
            .collect();
        assert_eq!(
            read,
            [
                (Direction::Maximize, "valid_acc"),
                (Direction::Minimize, "params")
            ]
        );
        assert_eq!(experiment.entries[1].key.name, "budget");
    }
    // A comma must be followed by another objective.
    assert!(
        !parse(FileId(0), "experiment e { objective maximize a, params }")
            .diagnostics
            .is_empty()
    );
}

#[test]
fn recovers_and_reports_several_errors() {
    let parsed = parse(
        FileId(0),
        "op a = conv(c, 3, stride = 2)\nop b = relu\ncell x { input x0\n node = 3\n output x0 }\nop c = ) relu\nop d = skip",
    );
    assert!(parsed.diagnostics.len() >= 3, "{:#?}", parsed.diagnostics);
    let names: Vec<String> = parsed
        .file
        .items
        .iter()
        .filter_map(|item| item.kind.name().map(|n| n.name.to_string()))
        .collect();
    assert!(
        names.contains(&"b".to_string()) && names.contains(&"d".to_string()),
        "{names:?}"
    );
}

#[test]
fn bad_tokens_and_numbers_are_diagnostics() {
    let parsed = parse(
        FileId(0),
        "op a = conv(3x, 3) $ \"open\nop b = 99999999999999999999",
    );
    let codes: Vec<&str> = parsed.diagnostics.iter().map(|d| d.code).collect();
    assert!(codes.contains(&"bad-number"), "{codes:?}");
    assert!(codes.contains(&"bad-token"), "{codes:?}");
}

#[test]
fn deep_nesting_is_refused_cleanly() {
    let text = format!("op a = {}relu{}", "(".repeat(10_000), ")".repeat(10_000));
    let parsed = parse(FileId(0), &text);
    assert_eq!(parsed.diagnostics[0].code, "too-deep");
    let chain = format!("op a = {}", vec!["1"; 100_000].join(" + "));
    let parsed = parse(FileId(0), &chain);
    assert!(parsed.has_errors());
    let minus = format!("op a = {}1", "-".repeat(10_000));
    assert!(parse(FileId(0), &minus).has_errors());
}

#[test]
fn nesting_within_limits_parses_on_a_small_stack() {
    let depth = super::lexer::MAX_NESTING;
    let text = format!("op a = {}relu{}", "f(".repeat(depth), ")".repeat(depth));
    let handle = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || parse(FileId(0), &text).diagnostics.len())
        .expect("spawn");
    assert_eq!(handle.join().expect("no stack overflow"), 0);
}
