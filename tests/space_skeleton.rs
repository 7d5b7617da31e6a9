//! The `space` block's body lowers to a skeleton: the input shape, the space's arguments as
//! bound, the pipeline's steps in order with every cell call's evaluated arguments and its own
//! instance of the cell (same decisions, ops sized for the call).

use nas::check::check_source;
use nas::space::{load_space, load_space_with, lower_space_with, ArgValue, Domain, StepKind};

#[test]
fn nb201s_skeleton_holds_its_stages_and_sized_cell_calls() {
    let space = load_space("nb201").unwrap();
    let sk = space.skeleton();
    assert_eq!(sk.origin.as_deref(), Some("nb201"));
    let input = sk.input.as_ref().unwrap();
    assert_eq!(
        (input.kind.as_str(), input.dims.as_slice()),
        ("image", &[3, 32, 32][..])
    );
    assert_eq!(
        (sk.int_arg("c"), sk.int_arg("n"), sk.int_arg("classes")),
        (Some(16), Some(5), Some(10))
    );
    // conv, batchnorm, 5 cells, resblock, 5 cells, resblock, 5 cells, bn, relu, pool, linear.
    assert_eq!(sk.steps.len(), 2 + 5 + 1 + 5 + 1 + 5 + 4);
    let calls: Vec<i64> = sk
        .steps
        .iter()
        .filter_map(|s| match &s.kind {
            StepKind::Cell(call) => call.int_arg("c"),
            StepKind::Op(_) => None,
        })
        .collect();
    assert_eq!(calls, [[16; 5], [32; 5], [64; 5]].concat());
    // The third stage's cells choose among ops sized for 64 channels, from the same decisions.
    let StepKind::Cell(last) = &sk.steps[18].kind else {
        panic!("step 18 is not a cell");
    };
    assert_eq!(last.graph, 0);
    let (d, alts) = last.alternatives.iter().next().unwrap();
    assert!(matches!(
        space.decisions()[*d].domain,
        Domain::Categorical(_)
    ));
    let conv = alts.iter().find(|a| a.label == "nor_conv_3x3").unwrap();
    let c = &conv.op.as_ref().unwrap().args[0].value;
    assert_eq!(c, &ArgValue::Int(64));
}

#[test]
fn space_arguments_are_honoured_and_counts_do_not_change() {
    let small = load_space_with("nb201", &[("c".into(), 8), ("n".into(), 1)]).unwrap();
    assert_eq!(small.skeleton().int_arg("c"), Some(8));
    assert_eq!(small.skeleton().steps.len(), 2 + 1 + 1 + 1 + 1 + 1 + 4);
    assert_eq!(small.count().unwrap().to_string(), "15625");
    let err = load_space_with("nb201", &[("z".into(), 1)]).unwrap_err();
    assert!(
        err.contains("has no parameter `z`") && err.contains("c, n, classes"),
        "{err}"
    );
}

#[test]
fn dartss_reduction_cells_carry_their_stride_and_doubled_channels() {
    let space = load_space("darts").unwrap();
    let reduce: Vec<(i64, i64)> = space
        .skeleton()
        .steps
        .iter()
        .filter_map(|s| match &s.kind {
            StepKind::Cell(call) => call.int_arg("stride").zip(call.int_arg("c")),
            StepKind::Op(_) => None,
        })
        .collect();
    assert_eq!(reduce, [(2, 32), (2, 64)]);
}

#[test]
fn a_later_call_that_changes_a_cells_decisions_is_rejected_by_the_check() {
    let text = "cell t(k: int) {\n input a, b\n node n = sum(k of [a, b] >> skip)\n output n\n}\n\
                space s {\n input image(3, 8, 8)\n t(1) >> t(2)\n}\n";
    let program = check_source("test.nas", text);
    let shown = program.render_diagnostics(false);
    assert!(program.has_errors(), "accepted");
    assert!(
        shown.contains("other decisions than its first call"),
        "{shown}"
    );
    // Independent copies have their own decisions, so there it is fine.
    let ok = text.replace("t(1) >> t(2)", "t(1) >> t(2) * 1 independent");
    let program = check_source("test.nas", &ok);
    assert!(
        !program.has_errors(),
        "{}",
        program.render_diagnostics(false)
    );
    assert!(lower_space_with(&program, "s", &[]).is_ok());
}
