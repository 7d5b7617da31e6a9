//! Tests of the session core: no terminal, a fake host for `:run`, `:train` and the engine.
//! (The engine's answers are tested in the engine, src/repl/tests.rs.)

use super::*;

/// A host that records requests and answers with a fixed outcome; its engine echoes the
/// request's kind, or cannot be loaded.
struct FakeHost {
    requests: Vec<RunRequest>,
    outcome: RunOutcome,
    engine_requests: Vec<EngineRequest>,
    engine_loads: bool,
}

impl Host for FakeHost {
    fn run(&mut self, request: &RunRequest) -> RunOutcome {
        self.requests.push(request.clone());
        self.outcome.clone()
    }

    fn engine(&mut self, request: &EngineRequest) -> Result<EngineReply, String> {
        if !self.engine_loads {
            return Err("error: nas cannot start: no engine here\n  hint: build it\n".into());
        }
        self.engine_requests.push(request.clone());
        Ok(EngineReply {
            out: "answered\n".to_string(),
            err: String::new(),
            ok: true,
        })
    }
}

fn host() -> FakeHost {
    FakeHost {
        requests: Vec::new(),
        outcome: RunOutcome::Finished,
        engine_requests: Vec::new(),
        engine_loads: true,
    }
}

fn eval(s: &mut Session, input: &str) -> Reply {
    s.eval(input, &mut host())
}

const TINY: &str = "space tiny {\n    input image(3, 8, 8)\n    conv(8, 3 | 5) >> relu >> global_avg_pool >> linear(2 | 4)\n}";

#[test]
fn define_count_sample_show_mutate() {
    let mut s = Session::new(Options::default());
    let r = eval(&mut s, TINY);
    assert!(r.ok, "{r:?}");
    assert!(r.out.contains("defined space tiny"), "{}", r.out);
    assert!(
        r.out.contains("current space: tiny (4 architectures)"),
        "{}",
        r.out
    );
    assert_eq!(eval(&mut s, ":count").out, "4 architectures\n");
    let sampled = eval(&mut s, ":sample 2 seed=1");
    assert!(sampled.ok, "{sampled:?}");
    assert!(
        sampled.out.starts_with("#1 ") && sampled.out.contains("\n#2 "),
        "{}",
        sampled.out
    );
    assert_eq!(
        eval(&mut s, "sample 2 seed=1")
            .out
            .replace("#3", "#1")
            .replace("#4", "#2"),
        sampled.out
    );
    let shown = eval(&mut s, ":show #1");
    assert!(shown.ok && shown.out.contains("conv"), "{shown:?}");
    let mutated = eval(&mut s, ":mutate #1");
    assert!(mutated.ok && mutated.out.starts_with("#5 "), "{mutated:?}");
    let text = mutated.out.trim_start_matches("#5 ").trim().to_string();
    let again = eval(&mut s, &format!(":show {text}"));
    assert!(again.ok, "{again:?}");
}

#[test]
fn errors_render_as_diagnostics_into_the_typed_line_and_the_session_recovers() {
    let mut s = Session::new(Options::default());
    assert!(eval(&mut s, "op block(c: int) = relu >> conv(c, 3)").ok);
    let bad = eval(
        &mut s,
        "space s {\n    input image(3, 8, 8)\n    blok(8) >> global_avg_pool >> linear(2)\n}",
    );
    assert!(!bad.ok);
    assert!(bad.err.contains("<repl>:4:"), "{}", bad.err);
    assert!(bad.err.contains("blok"), "{}", bad.err);
    assert!(bad.err.contains("block"), "a suggestion: {}", bad.err);
    let good = eval(
        &mut s,
        "space s {\n    input image(3, 8, 8)\n    block(8) >> global_avg_pool >> linear(2)\n}",
    );
    assert!(good.ok, "{good:?}");
    assert!(
        good.out.contains("current space: s (1 architectures)"),
        "{}",
        good.out
    );
}

#[test]
fn redefinitions_replace_and_the_current_space_follows() {
    let mut s = Session::new(Options::default());
    assert!(eval(&mut s, "choice k = 3 | 5").ok);
    assert!(
        eval(
            &mut s,
            "space t {\n input image(3, 8, 8)\n conv(8, k) >> global_avg_pool >> linear(2)\n}"
        )
        .ok
    );
    assert_eq!(eval(&mut s, ":count").out, "2 architectures\n");
    let r = eval(&mut s, "choice k = 1 | 3 | 5");
    assert!(r.out.contains("redefined choice k"), "{r:?}");
    assert_eq!(eval(&mut s, ":count").out, "3 architectures\n");
}

#[test]
fn stdlib_spaces_by_name_and_unknown_spaces_with_hints() {
    let mut s = Session::new(Options::default());
    let r = eval(&mut s, ":use nb201");
    assert!(r.ok, "{r:?}");
    assert_eq!(eval(&mut s, ":count").out, "15625 architectures\n");
    let missing = eval(&mut s, ":count nb20");
    assert!(!missing.ok);
    assert!(
        missing.err.contains("did you mean `nb201`?"),
        "{}",
        missing.err
    );
    let none = eval(&mut Session::new(Options::default()), ":sample");
    assert!(none.err.contains("no current space"), "{}", none.err);
}

#[test]
fn load_reset_list_and_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("mine.nas");
    std::fs::write(&path, TINY).expect("write");
    let mut s = Session::new(Options::default());
    let r = eval(&mut s, &format!(":load {}", path.display()));
    assert!(r.ok, "{r:?}");
    assert!(r.out.contains("defined space tiny"), "{}", r.out);
    assert!(eval(&mut s, ":list").out.contains("space tiny"));
    let check = eval(&mut s, ":check");
    assert!(check.ok && check.out.contains("0 errors"), "{check:?}");
    assert!(eval(&mut s, ":reset").ok);
    assert!(eval(&mut s, ":list").out.contains("nothing is defined"));
    assert!(!eval(&mut s, ":count tiny").ok);
}

#[test]
fn run_hands_the_session_to_the_host() {
    let mut s = Session::new(Options::default());
    let mut h = host();
    let none = s.eval(":run", &mut h);
    assert!(none.err.contains("no experiment"), "{none:?}");
    let defined = s.eval(
        "import \"stdlib/spaces/nb201.nas\"\nexperiment e {\n    space nb201\n    evaluate table(file: \"nb201/nb201.csv\")\n    strategy random\n    budget trials: 3\n    objective maximize cifar10_valid_12\n}",
        &mut h,
    );
    assert!(defined.ok, "{defined:?}");
    let r = s.eval(":run --fresh", &mut h);
    assert!(r.ok, "{r:?}");
    assert_eq!(h.requests.len(), 1);
    assert_eq!(h.requests[0].job, Job::Experiment("e".to_string()));
    assert_eq!(h.requests[0].options, vec!["--fresh".to_string()]);
    assert!(h.requests[0].source.contains("experiment e"));
    h.outcome = RunOutcome::Interrupted;
    let stopped = s.eval(":run e", &mut h);
    assert!(
        !stopped.ok && stopped.err.contains("--resume"),
        "{stopped:?}"
    );
    let typo = s.eval(":run f", &mut h);
    assert!(typo.err.contains("no experiment `f`"), "{typo:?}");
}

#[test]
fn train_hands_the_architecture_and_its_space_to_the_host() {
    let mut s = Session::new(Options::default());
    let mut h = host();
    let none = s.eval(":train", &mut h);
    assert!(
        !none.ok && none.err.contains("no architecture yet"),
        "{none:?}"
    );
    assert!(s.eval(TINY, &mut h).ok);
    let sampled = s.eval(":sample 1 seed=3", &mut h);
    let arch = sampled.out.trim().trim_start_matches("#1 ").to_string();
    let r = s.eval(":train #1 --epochs 1 --data synthetic", &mut h);
    assert!(r.ok, "{r:?}");
    assert_eq!(
        h.requests[0].job,
        Job::Train {
            space: "tiny".to_string(),
            in_session: true,
            arch: arch.clone(),
        }
    );
    assert_eq!(
        h.requests[0].options,
        ["--epochs", "1", "--data", "synthetic"]
    );
    assert!(h.requests[0].source.contains("space tiny"));
    // The last architecture by default; a stdlib space is named as `nas train` knows it.
    assert!(s.eval(":use nb201", &mut h).ok);
    assert!(s.eval(":sample 1", &mut h).ok);
    h.outcome = RunOutcome::Failed;
    let failed = s.eval(":train", &mut h);
    assert!(!failed.ok && failed.err.contains("failed"), "{failed:?}");
    assert!(matches!(
        &h.requests[1].job,
        Job::Train { space, in_session: false, .. } if space == "nb201"
    ));
    // `#1` still belongs to the session's `tiny`.
    h.outcome = RunOutcome::Finished;
    assert!(s.eval(":train #1", &mut h).ok);
    assert!(matches!(
        &h.requests[2].job,
        Job::Train { space, in_session: true, arch: a } if space == "tiny" && *a == arch
    ));
}

#[test]
fn params_hand_the_architecture_and_its_space_to_the_engine() {
    let mut s = Session::new(Options::default());
    let mut h = host();
    assert!(s.eval(TINY, &mut h).ok);
    let r = s.eval(":params s0.1=5 s3.0=4", &mut h);
    assert_eq!(r.out, "answered\n", "{r:?}");
    match &h.engine_requests[..] {
        [EngineRequest::Params {
            session,
            space,
            arch,
        }] => {
            assert!(session.contains("space tiny"), "{session}");
            assert_eq!(
                space,
                &SpaceAt {
                    name: "tiny".into(),
                    in_session: true
                }
            );
            assert_eq!(arch, "s0.1=5 s3.0=4");
        }
        other => panic!("{other:?}"),
    }
    assert!(s.eval(":use nb201", &mut h).ok);
    assert!(s.eval(":sample 1 seed=0", &mut h).ok);
    assert!(s.eval(":params", &mut h).ok);
    assert!(matches!(
        &h.engine_requests[1],
        EngineRequest::Params { space, .. } if !space.in_session && space.name == "nb201"
    ));
    // An architecture the session cannot parse never reaches the engine.
    assert!(!s.eval(":params s0.1=99", &mut h).ok);
    assert_eq!(h.engine_requests.len(), 2);
}

#[test]
fn rhai_restarts_and_reseeds_the_engine_state_once() {
    let mut s = Session::new(Options::default());
    let mut h = host();
    assert!(s.eval(":seed 7", &mut h).ok);
    assert!(s.eval(":rhai 1 + 1", &mut h).ok);
    assert!(s.eval(":rhai 2 + 2", &mut h).ok);
    assert!(s.eval(":seed 9", &mut h).ok);
    assert!(s.eval(TINY, &mut h).ok);
    assert!(s.eval(":rhai space.count()", &mut h).ok);
    assert!(s.eval(":reset", &mut h).ok);
    assert!(s.eval(":rhai 3", &mut h).ok);
    let seen: Vec<(Option<u64>, Option<u64>, Option<String>)> = h
        .engine_requests
        .iter()
        .map(|r| match r {
            EngineRequest::Rhai {
                restart,
                reseed,
                space,
                ..
            } => (*restart, *reseed, space.as_ref().map(|s| s.name.clone())),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            (Some(7), None, None),
            (None, None, None),
            (None, Some(9), Some("tiny".to_string())),
            (Some(0), None, None),
        ]
    );
}

#[test]
fn an_engine_that_cannot_load_fails_the_input_not_the_session() {
    let mut s = Session::new(Options::default());
    let mut h = host();
    h.engine_loads = false;
    assert!(s.eval(TINY, &mut h).ok);
    let r = s.eval(":rhai 1", &mut h);
    assert!(!r.ok && r.err.contains("nas cannot start"), "{r:?}");
    let r = s.eval(":params s0.1=5 s3.0=4", &mut h);
    assert!(!r.ok && r.err.contains("hint: build it"), "{r:?}");
    assert_eq!(eval(&mut s, ":count").out, "4 architectures\n");
    // The restart is still owed to the engine when it does load.
    h.engine_loads = true;
    assert!(s.eval(":rhai 1", &mut h).ok);
    assert!(matches!(
        &h.engine_requests[0],
        EngineRequest::Rhai {
            restart: Some(0),
            ..
        }
    ));
}

#[test]
fn help_examples_are_accepted() {
    let mut s = Session::new(Options::default());
    let help = eval(&mut s, ":help");
    assert!(help.ok);
    for line in help
        .out
        .lines()
        .filter(|l| l.starts_with("    op ") || l.starts_with("    space "))
    {
        let r = eval(&mut s, line.trim());
        assert!(r.ok, "{line}: {r:?}");
    }
    assert!(eval(&mut s, ":help count").out.contains("e.g. :count"));
    assert!(!eval(&mut s, ":nope").ok);
    assert!(eval(&mut s, ":quit").quit);
}
