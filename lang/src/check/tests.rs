//! Unit tests of the checker on small in-memory programs.

use super::{check_source, Program};

fn codes(program: &Program) -> Vec<&'static str> {
    program.diagnostics.iter().map(|d| d.code).collect()
}

fn clean(text: &str) -> Program {
    let program = check_source("test.nas", text);
    assert!(
        program.diagnostics.is_empty(),
        "{}",
        program.render_diagnostics(false)
    );
    program
}

#[test]
fn resolves_and_rewrites_repetition() {
    let program = clean(
        "op block(c: int) = conv(c, 3) >> batchnorm >> relu\n\
         space s(c: int = 16, n: int = 3) { input image(3, 32, 32)\n block(c) * n >> global_avg_pool >> linear(10) }",
    );
    let dump = super::dump(&program);
    assert!(dump.contains("repeat (shared)"), "{dump}");
    assert!(dump.contains("block -> op block (test.nas)"), "{dump}");
    assert!(dump.contains("-> vector(10)"), "{dump}");
}

#[test]
fn unknown_names_suggest() {
    let program = check_source("t.nas", "op a = batchnrom >> relu");
    assert_eq!(codes(&program), ["unknown-name"]);
    assert_eq!(
        program.diagnostics[0].hint.as_deref(),
        Some("did you mean `batchnorm`?")
    );
}

#[test]
fn arity_and_types() {
    let program = check_source(
        "t.nas",
        "op a = conv(16)\nop b = conv(16, 3, strid: 2)\nop c = conv(16, relu)\nop d = relu(3)",
    );
    assert_eq!(
        codes(&program),
        [
            "missing-argument",
            "unknown-argument",
            "type-mismatch",
            "arity"
        ]
    );
}

#[test]
fn sum_of_different_channels_is_an_error() {
    let program = check_source(
        "t.nas",
        "space s { input image(3, 32, 32)\n conv(16, 3) >> sum(conv(16, 3), conv(32, 3)) }",
    );
    assert_eq!(codes(&program), ["shape-mismatch"]);
    assert!(program.diagnostics[0]
        .message
        .contains("16 and 32 channels"));
}

#[test]
fn strides_that_shrink_to_nothing() {
    let program = check_source(
        "t.nas",
        "space s { input image(3, 4, 4)\n conv(8, 3, stride: 2) >> conv(8, 3, stride: 2) >> conv(8, 3, stride: 2) >> conv(8, 2) }",
    );
    assert_eq!(
        codes(&program),
        ["shape"],
        "{}",
        program.render_diagnostics(false)
    );
}

#[test]
fn cells_cycles_and_dead_nodes() {
    let program = check_source(
        "t.nas",
        "cell c(n: int) { input x0, x1\n node a = sum(b >> relu)\n node b = sum(a >> relu)\n node d = x0 >> relu\n output a }",
    );
    let found = codes(&program);
    assert!(found.contains(&"cycle"), "{found:?}");
    assert!(found.contains(&"unreachable-node"), "{found:?}");
    assert!(found.contains(&"unused-input"), "{found:?}");
}

#[test]
fn recursion_is_reported() {
    let program = check_source("t.nas", "op a = relu >> b\nop b = a");
    assert_eq!(codes(&program), ["recursive-definition"]);
}

#[test]
fn darts_cells_and_value_choices_check() {
    clean(
        "choice darts_op(c: int) = skip | sep_conv(c, 3 | 5) | dil_conv(c, 3) | max_pool(3) | none\n\
         cell darts(c: int) { input c0, c1\n node p0 = c0 >> conv(c, 1)\n node p1 = c1 >> conv(c, 1)\n\
           node n0 = sum(2 of [p0, p1] >> darts_op(c))\n node n1 = sum(2 of [p0, p1, n0] >> darts_op(c))\n output concat(n0, n1) }\n\
         space d(c: int = 8) { input image(3, 32, 32)\n let k = 3 | 5\n conv(c, k) >> darts(c) * (2..=4) independent >> global_avg_pool >> linear(10) }",
    );
}

#[test]
fn locked_dropout_and_tied_linear_take_sequences() {
    clean(
        "space s { input sequence(20, 1)\n embedding(50, 8) >> locked_dropout(0.4) >> tied_linear(50) }",
    );
    let program = check_source(
        "t.nas",
        "space s { input image(3, 8, 8)\n conv(4, 3) >> locked_dropout(0.4) >> global_avg_pool >> linear(10) }\n\
         space v { input vector(5)\n linear(8) >> tied_linear(10) }\n\
         space p { input sequence(20, 1)\n embedding(50, 8) >> locked_dropout(1.0) }",
    );
    let messages: Vec<&str> = program
        .diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(messages.len(), 3, "{messages:?}");
    assert!(
        messages[0].contains("shares one mask over a sequence's steps"),
        "{messages:?}"
    );
    assert!(
        messages[1].contains("`tied_linear` shares a sequence model's embedding"),
        "{messages:?}"
    );
    assert!(
        messages[2].contains("`locked_dropout`'s `p` must be in [0, 1)"),
        "{messages:?}"
    );
}
