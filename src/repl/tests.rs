//! The engine's answers to a session: the session ([`nas_lang::repl::Session`]) with the
//! in-process host, as `nas repl` runs it once the engine is loaded.

use super::InProcess;
use nas_lang::repl::{Options, Reply, Session};

const TINY: &str = "space tiny {\n    input image(3, 8, 8)\n    conv(8, 3 | 5) >> relu >> global_avg_pool >> linear(2 | 4)\n}";

fn eval(s: &mut Session, input: &str) -> Reply {
    s.eval(input, &mut InProcess)
}

#[test]
fn rhai_snippets_use_the_current_space_and_keep_their_variables() {
    let mut s = Session::new(Options::default());
    assert!(eval(&mut s, TINY).ok);
    let r = eval(&mut s, ":rhai space.count()");
    assert_eq!(r.out, "4\n", "{r:?}");
    assert!(eval(&mut s, ":rhai let n = space.count() * 10;").ok);
    assert_eq!(eval(&mut s, ":rhai n").out, "40\n");
    let bad = eval(&mut s, ":rhai space.nope()");
    assert!(!bad.ok && bad.err.contains("<rhai>"), "{bad:?}");
    // Choosing another space forgets the variables; `:reset` too.
    assert!(eval(&mut s, ":use nb201").ok);
    assert!(!eval(&mut s, ":rhai n").ok);
    assert!(eval(&mut s, ":rhai let m = 1;").ok);
    assert!(eval(&mut s, ":reset").ok);
    assert!(!eval(&mut s, ":rhai m").ok);
}

#[test]
fn seeded_snippets_repeat() {
    let mut s = Session::new(Options::default());
    assert!(eval(&mut s, ":use nb201").ok);
    assert!(eval(&mut s, ":seed 3").ok);
    let first = eval(&mut s, ":rhai space.sample().key");
    assert!(first.ok, "{first:?}");
    assert!(eval(&mut s, ":seed 3").ok);
    assert_eq!(eval(&mut s, ":rhai space.sample().key").out, first.out);
}

#[test]
fn params_measure_a_space_defined_in_the_session() {
    let mut s = Session::new(Options::default());
    assert!(eval(&mut s, TINY).ok);
    // conv(8, 5) on 3 channels, without a bias: 8·3·25 = 600 parameters; linear(4) on 8: 36.
    let r = eval(&mut s, ":params s0.1=5 s3.0=4");
    assert!(r.ok, "{r:?}");
    assert!(r.out.contains("params: 636"), "{}", r.out);
    assert!(r.out.contains("per 3x8x8 image"), "{}", r.out);
}
