//! A scalarised objective: a formula of the evaluator's metric and the metrics nas computes
//! without training, written in the experiment (`objective maximize valid_acc *
//! pow(latency / 20, if(latency <= 20, -0.07, -0.07))`, MnasNet's reward `ACC · (LAT/T)^w`
//! with `w` switching at the target `T`). The evaluator measures its one metric; the runner
//! measures the others and the trial's reward is the formula's value.
//!
//! Numbers are plain or carry a magnitude (`5M`); `+ - * / %`, comparisons (1 when true, 0
//! when not) and the functions of [`Func`] are allowed. Nothing else of the expression
//! grammar (ops, choices, lists) means anything here, and each is refused with a diagnostic.

use super::metric::ArchMetric;
use crate::syntax::ast::{BinOp, Expr, ExprKind, Lit};
use crate::syntax::suggest::did_you_mean;
use crate::syntax::{Diagnostic, Span};

/// A function a formula may call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    /// `pow(x, y)`: x to the power y.
    Pow,
    /// `min(a, b, ..)`: the smallest.
    Min,
    /// `max(a, b, ..)`: the largest.
    Max,
    /// `exp(x)`.
    Exp,
    /// `log(x)`: the natural logarithm.
    Log,
    /// `abs(x)`.
    Abs,
    /// `sqrt(x)`.
    Sqrt,
    /// `if(condition, then, else)`: `then` where the condition is not 0.
    If,
}

impl Func {
    /// Every function, by name, with how many arguments it takes (`None`: two or more).
    const ALL: [(&'static str, Func, Option<usize>); 8] = [
        ("pow", Func::Pow, Some(2)),
        ("min", Func::Min, None),
        ("max", Func::Max, None),
        ("exp", Func::Exp, Some(1)),
        ("log", Func::Log, Some(1)),
        ("abs", Func::Abs, Some(1)),
        ("sqrt", Func::Sqrt, Some(1)),
        ("if", Func::If, Some(3)),
    ];

    fn names() -> String {
        Self::ALL.map(|(n, ..)| n).join(", ")
    }

    fn apply(self, args: &[f64]) -> f64 {
        match (self, args) {
            (Func::Pow, [x, y]) => x.powf(*y),
            (Func::Min, _) => args.iter().copied().fold(f64::INFINITY, f64::min),
            (Func::Max, _) => args.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            (Func::Exp, [x]) => x.exp(),
            (Func::Log, [x]) => x.ln(),
            (Func::Abs, [x]) => x.abs(),
            (Func::Sqrt, [x]) => x.sqrt(),
            (Func::If, [c, a, b]) => {
                if *c != 0.0 {
                    *a
                } else {
                    *b
                }
            }
            // Arities are checked when reading.
            _ => f64::NAN,
        }
    }
}

/// A node of a read formula.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Num(f64),
    /// The evaluator's metric.
    Measured,
    /// A metric computed without training.
    Arch(ArchMetric),
    Neg(Box<Node>),
    Binary(BinOp, Box<Node>, Box<Node>),
    Call(Func, Vec<Node>),
}

/// A scalarised objective, read and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Formula {
    root: Node,
    /// The evaluator's metric it names (`valid_acc`, a table column, a proxy).
    measured: String,
    /// Where the evaluator's metric is first named.
    measured_span: Span,
    /// The metrics computed without training it names, each once, in order of appearance.
    arch: Vec<ArchMetric>,
    /// The formula as formatted (`valid_acc * pow(latency / 20, -0.07)`).
    text: String,
}

impl Formula {
    /// Reads `expr`: numbers, arithmetic, comparisons, [`Func`]s, the metrics of
    /// [`ArchMetric`] and exactly one other name, the metric the evaluator measures.
    pub fn read(expr: &Expr) -> Result<Formula, Vec<Diagnostic>> {
        let mut reader = Reader::default();
        let root = reader.node(expr);
        if reader.problems.is_empty() && reader.measured.is_none() {
            reader.problems.push(bad(
                expr.span,
                "this objective names no metric the evaluator measures",
                "a formula scales the evaluator's metric by ones computed without training: write e.g. `maximize valid_acc * pow(latency / 20, -0.07)`",
            ));
        }
        match (root, reader.measured) {
            (Some(root), Some((measured, measured_span))) if reader.problems.is_empty() => {
                Ok(Formula {
                    root,
                    measured,
                    measured_span,
                    arch: reader.arch,
                    text: crate::fmt::expr_to_string(expr),
                })
            }
            _ => Err(reader.problems),
        }
    }

    /// The metric the evaluator measures, and where it is named.
    pub fn measured(&self) -> (&str, Span) {
        (&self.measured, self.measured_span)
    }

    /// The metrics computed without training that it names, each once.
    pub fn arch_metrics(&self) -> &[ArchMetric] {
        &self.arch
    }

    /// The formula as formatted.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The formula's value where the evaluator measured `measured` and `arch` gives each
    /// metric it names (non-finite where the arithmetic is: `log(0)`, a division by 0).
    pub fn value(&self, measured: f64, arch: &dyn Fn(ArchMetric) -> f64) -> f64 {
        eval(&self.root, measured, arch)
    }
}

fn eval(node: &Node, measured: f64, arch: &dyn Fn(ArchMetric) -> f64) -> f64 {
    let of = |n: &Node| eval(n, measured, arch);
    let truth = |b: bool| if b { 1.0 } else { 0.0 };
    match node {
        Node::Num(v) => *v,
        Node::Measured => measured,
        Node::Arch(m) => arch(*m),
        Node::Neg(inner) => -of(inner),
        Node::Binary(op, lhs, rhs) => {
            let (a, b) = (of(lhs), of(rhs));
            match op {
                BinOp::Add => a + b,
                BinOp::Sub => a - b,
                BinOp::Mul => a * b,
                BinOp::Div => a / b,
                BinOp::Rem => a % b,
                BinOp::Eq => truth(a == b),
                BinOp::Ne => truth(a != b),
                BinOp::Lt => truth(a < b),
                BinOp::Le => truth(a <= b),
                BinOp::Gt => truth(a > b),
                BinOp::Ge => truth(a >= b),
            }
        }
        Node::Call(f, args) => f.apply(&args.iter().map(of).collect::<Vec<_>>()),
    }
}

#[derive(Default)]
struct Reader {
    measured: Option<(String, Span)>,
    arch: Vec<ArchMetric>,
    problems: Vec<Diagnostic>,
}

impl Reader {
    fn node(&mut self, e: &Expr) -> Option<Node> {
        match &e.kind {
            ExprKind::Lit(lit @ (Lit::Int { .. } | Lit::Float { .. })) => {
                lit.number_value().map(Node::Num)
            }
            ExprKind::Lit(Lit::Duration { .. }) => self.refuse(
                e.span,
                "a formula's numbers are plain",
                "latencies are in milliseconds: write `1000`, not `1s`",
            ),
            ExprKind::Lit(_) => self.refuse(
                e.span,
                "a formula computes with numbers",
                "write a number, a metric or a function of them",
            ),
            ExprKind::Neg(inner) => Some(Node::Neg(Box::new(self.node(inner)?))),
            ExprKind::Binary { op, lhs, rhs } => {
                let (lhs, rhs) = (self.node(lhs), self.node(rhs));
                Some(Node::Binary(*op, Box::new(lhs?), Box::new(rhs?)))
            }
            ExprKind::Ref(r) => match &r.args {
                None => Some(self.name(&r.name.name, r.name.span)),
                Some(args) => {
                    let name = r.name.name.as_str();
                    let Some((_, func, arity)) = Func::ALL.iter().find(|(n, ..)| *n == name)
                    else {
                        let hint = match did_you_mean(name, Func::ALL.map(|(n, ..)| n)) {
                            Some(best) => format!("did you mean `{best}`?"),
                            None => format!("a formula may call {}", Func::names()),
                        };
                        return self.refuse(
                            r.name.span,
                            format!("`{name}` is not a function a formula may call"),
                            &hint,
                        );
                    };
                    if let Some(named) = args.items.iter().find_map(|a| a.name.as_ref()) {
                        return self.refuse(
                            named.span,
                            "a formula's functions take their arguments in order, unnamed",
                            &format!("write e.g. `{name}(..)` with plain arguments"),
                        );
                    }
                    let count = args.items.len();
                    let fits = arity.map_or(count >= 2, |n| count == n);
                    if !fits {
                        let wanted = arity.map_or("two or more".to_string(), |n| n.to_string());
                        return self.refuse(
                            args.span,
                            format!("`{name}` takes {wanted} arguments, not {count}"),
                            match func {
                                Func::If => "write `if(condition, then, else)`",
                                Func::Pow => "write `pow(base, exponent)`",
                                _ => "give it the arguments it takes",
                            },
                        );
                    }
                    let nodes: Vec<Option<Node>> =
                        args.items.iter().map(|a| self.node(&a.value)).collect();
                    Some(Node::Call(*func, nodes.into_iter().collect::<Option<_>>()?))
                }
            },
            _ => self.refuse(
                e.span,
                "this is not arithmetic",
                "a formula is numbers, metrics, `+ - * / %`, comparisons and functions such as `pow(x, y)`",
            ),
        }
    }

    /// A bare name: a metric computed without training, else the evaluator's metric.
    fn name(&mut self, name: &str, span: Span) -> Node {
        if let Some(metric) = ArchMetric::from_name(name) {
            if !self.arch.contains(&metric) {
                self.arch.push(metric);
            }
            return Node::Arch(metric);
        }
        match &self.measured {
            Some((first, _)) if first != name => {
                let d = bad(
                    span,
                    format!(
                        "the evaluator measures one metric, and this formula names `{first}` and `{name}`"
                    ),
                    &format!(
                        "keep `{first}` (or `{name}`); the other names may be metrics computed without training: {}",
                        ArchMetric::names()
                    ),
                );
                self.problems.push(d);
            }
            Some(_) => {}
            None => self.measured = Some((name.to_string(), span)),
        }
        Node::Measured
    }

    fn refuse(&mut self, span: Span, message: impl Into<String>, hint: &str) -> Option<Node> {
        self.problems.push(bad(span, message, hint));
        None
    }
}

fn bad(span: Span, message: impl Into<String>, hint: &str) -> Diagnostic {
    Diagnostic::error("experiment", message, span, "here").with_hint(hint)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::ast::{EntryValue, ItemKind};
    use crate::syntax::{parse, FileId};

    /// The first objective of `objective maximize <text>`, read.
    fn read(text: &str) -> Result<Formula, Vec<Diagnostic>> {
        let source = format!("experiment e {{ objective maximize {text}\n budget trials: 1 }}");
        let parsed = parse(FileId(0), &source);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let ItemKind::Experiment(e) = &parsed.file.items[0].kind else {
            panic!("not an experiment")
        };
        let EntryValue::Objective(objectives) = &e.entries[0].value else {
            panic!("not an objective")
        };
        Formula::read(&objectives[0].value)
    }

    fn message(text: &str) -> String {
        let problems = read(text).expect_err("refused");
        problems
            .iter()
            .map(|d| d.message.clone())
            .collect::<Vec<_>>()
            .join("; ")
    }

    #[test]
    fn mnasnet_s_reward_switches_its_exponent_at_the_target() {
        let f = read("valid_acc * pow(latency / 20, if(latency <= 20, -0.07, -0.5))").unwrap();
        assert_eq!(f.measured().0, "valid_acc");
        assert_eq!(f.arch_metrics(), [ArchMetric::Latency]);
        let at = |lat: f64| f.value(90.0, &|_| lat);
        assert!((at(10.0) - 90.0 * 0.5f64.powf(-0.07)).abs() < 1e-12);
        assert!((at(20.0) - 90.0).abs() < 1e-12);
        assert!((at(40.0) - 90.0 * 2.0f64.powf(-0.5)).abs() < 1e-12);
    }

    #[test]
    fn the_exponent_switch_equals_min_and_max_of_the_ratio() {
        let switched =
            read("valid_acc * pow(latency / 20, if(latency <= 20, -0.07, -0.5))").unwrap();
        let split =
            read("valid_acc * pow(min(1, latency / 20), -0.07) * pow(max(1, latency / 20), -0.5)")
                .unwrap();
        for lat in [1.0, 7.5, 19.9, 20.0, 20.1, 55.0] {
            let (a, b) = (switched.value(71.0, &|_| lat), split.value(71.0, &|_| lat));
            assert!((a - b).abs() < 1e-9, "{lat}: {a} vs {b}");
        }
    }

    #[test]
    fn numbers_carry_magnitudes_and_comparisons_are_one_or_zero() {
        let f = read("test_acc - 10 * (params > 1.5M) + flops / 1G").unwrap();
        let value = |params: f64| {
            f.value(80.0, &|m| match m {
                ArchMetric::Params => params,
                _ => 2e9,
            })
        };
        assert_eq!(value(1e6), 82.0);
        assert_eq!(value(2e6), 72.0);
        assert_eq!(f.arch_metrics(), [ArchMetric::Params, ArchMetric::Flops]);
    }

    #[test]
    fn non_finite_arithmetic_is_not_hidden() {
        let f = read("log(valid_acc - 50)").unwrap();
        assert!(f.value(50.0, &|_| 0.0).is_infinite());
        assert!(f.value(40.0, &|_| 0.0).is_nan());
    }

    #[test]
    fn bad_formulas_say_why() {
        assert!(message("-params").contains("names no metric the evaluator measures"));
        assert!(message("valid_acc * test_acc").contains("names `valid_acc` and `test_acc`"));
        assert!(message("valid_acc * pwo(latency, 2)").contains("`pwo` is not a function"));
        assert!(message("pow(valid_acc)").contains("`pow` takes 2 arguments, not 1"));
        assert!(message("if(valid_acc, 1)").contains("`if` takes 3 arguments"));
        assert!(message("max(valid_acc)").contains("two or more"));
        assert!(message("valid_acc * (latency < 1s)").contains("plain"));
        assert!(message("valid_acc * \"x\"").contains("computes with numbers"));
        assert!(message("valid_acc | params").contains("not arithmetic"));
        assert!(message("pow(x: valid_acc, y: 2)").contains("in order, unnamed"));
    }

    #[test]
    fn the_text_is_the_formatted_formula() {
        let f = read("valid_acc*pow( latency/20 ,-0.07 )").unwrap();
        assert_eq!(f.text(), "valid_acc * pow(latency / 20, -0.07)");
    }
}
