//! Lowering small programs to the space IR: decisions per use, `let` sharing, shared and
//! independent repetitions, chosen depths, guarded alternatives, and clear errors for what
//! the IR cannot express.

use nas::check::check_source;
use nas::space::{lower_space, Space};
use num_bigint::BigUint;

const OPS: &str = "op mb(c: int) = mbconv(c, expand: 3 | 6, kernel: 3 | 5 | 7)\n\
                   choice mb_or_skip(c: int) = mb(c) | skip\n";

fn lower(body: &str) -> Result<Space, String> {
    let text = format!("{OPS}space s {{\n input image(3, 32, 32)\n {body}\n}}\n");
    let program = check_source("test.nas", &text);
    assert!(
        !program.has_errors(),
        "{}",
        program.render_diagnostics(false)
    );
    lower_space(&program, "s").map_err(|d| d.render(&program.sources))
}

fn count(body: &str) -> BigUint {
    lower(body)
        .unwrap_or_else(|e| panic!("{e}"))
        .count()
        .unwrap()
}

#[test]
fn every_use_of_a_choice_is_its_own_decision() {
    assert_eq!(
        count("conv(16, 3 | 5) >> conv(16, 3 | 5) >> global_avg_pool >> linear(10)"),
        BigUint::from(4u32)
    );
}

#[test]
fn a_let_is_one_shared_decision() {
    assert_eq!(
        count("let k = 3 | 5\n conv(16, k) >> conv(16, k) >> global_avg_pool >> linear(10)"),
        BigUint::from(2u32)
    );
}

#[test]
fn repetitions_share_or_not() {
    assert_eq!(
        count("mb(16) * 3 >> global_avg_pool >> linear(10)"),
        BigUint::from(6u32)
    );
    assert_eq!(
        count("mb(16) * 3 independent >> global_avg_pool >> linear(10)"),
        BigUint::from(216u32)
    );
}

#[test]
fn a_chosen_depth_guards_the_deeper_copies() {
    let s = lower("mb(16) * (1..=3) independent >> global_avg_pool >> linear(10)").unwrap();
    assert_eq!(s.count().unwrap(), BigUint::from(6u32 + 36 + 216));
    let a = s.decode("s0.depth=1 s0.0.expand=3 s0.0.kernel=5").unwrap();
    assert_eq!(s.encode(&a), "s0.depth=1 s0.0.expand=3 s0.0.kernel=5");
    assert!(s
        .decode("s0.depth=1 s0.0.expand=3 s0.0.kernel=5 s0.1.expand=3")
        .is_err());
}

#[test]
fn decisions_inside_an_alternative_are_guarded_by_it() {
    let s = lower("mb_or_skip(16) >> global_avg_pool >> linear(10)").unwrap();
    assert_eq!(s.count().unwrap(), BigUint::from(7u32));
    let all: Vec<String> = s
        .enumerate(100)
        .unwrap()
        .iter()
        .map(|a| s.encode(a))
        .collect();
    assert!(all.contains(&"s0=skip".to_string()), "{all:?}");
    assert!(
        all.contains(&"s0=mb s0.0.expand=6 s0.0.kernel=7".to_string()),
        "{all:?}"
    );
}

#[test]
fn a_cell_used_twice_has_one_genotype() {
    let text = "choice e = skip | conv(8, 3) | none\n\
                cell c(ch: int) { input x\n node a = sum(x >> e)\n node b = sum(x >> e, a >> e)\n output b }\n\
                space s { input image(8, 16, 16)\n c(8) >> c(8) >> c(8) * 2 >> global_avg_pool >> linear(10) }";
    let program = check_source("t.nas", text);
    assert!(
        !program.has_errors(),
        "{}",
        program.render_diagnostics(false)
    );
    let s = lower_space(&program, "s").unwrap();
    assert_eq!(s.graphs().len(), 1);
    assert_eq!(s.count().unwrap(), BigUint::from(27u32));
    assert!(s.is_edge_list());
    assert_eq!(
        s.encode(&s.decode("|conv~0|+|skip~0|none~1|").unwrap()),
        "|conv~0|+|skip~0|none~1|"
    );
}

#[test]
fn what_the_ir_cannot_express_is_rejected_by_the_check() {
    let rejected = |text: &str, message: &str| {
        let program = check_source("t.nas", text);
        let shown = program.render_diagnostics(false);
        assert!(program.has_errors(), "accepted:\n{text}");
        assert!(
            shown.contains("[unsupported]") && shown.contains(message) && shown.contains("Help:"),
            "{shown}"
        );
    };
    let text = "cell c { input x\n node a = sum(any of [x] >> conv(8, 3))\n output a }\n\
                space s { input image(8, 16, 16)\n c >> global_avg_pool >> linear(10) }";
    rejected(text, "ops after `any of` are not supported");
    let program = check_source(
        "t.nas",
        "cell c { input x\n output x >> relu }\n\
         space s { input image(8, 16, 16)\n c >> global_avg_pool >> linear(10) }",
    );
    assert!(
        !program.has_errors(),
        "{}",
        program.render_diagnostics(false)
    );
    let e = lower_space(&program, "c")
        .unwrap_err()
        .render(&program.sources);
    assert!(e.contains("`c` is not a space"), "{e}");
}

#[test]
fn a_space_s_resource_bounds_are_lowered_as_written() {
    let program = check_source(
        "t.nas",
        "space s { input image(3, 32, 32)\n conv(8 | 16, 3) >> global_avg_pool >> linear(10)\n where params < 5M\n where flops <= 1.5G }",
    );
    assert!(
        !program.has_errors(),
        "{}",
        program.render_diagnostics(false)
    );
    let s = lower_space(&program, "s").expect("lowers");
    let read: Vec<(&str, f64, &str)> = s
        .resource_bounds()
        .iter()
        .map(|b| (b.metric.name(), b.bound, b.text.as_str()))
        .collect();
    assert_eq!(
        read,
        [
            ("params", 5e6, "params < 5M"),
            ("flops", 1.5e9, "flops <= 1.5G")
        ]
    );
    assert!(s.resource_bounds()[0].holds(4_999_999.0) && !s.resource_bounds()[0].holds(5e6));
}
