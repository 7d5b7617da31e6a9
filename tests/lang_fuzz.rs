//! Robustness of the front end (lexer + parser + checker + formatter) on hostile input:
//! random bytes, token soup, mutated programs, 10,000-deep nesting and 50 MB lines must give
//! diagnostics or a clean "too deep/too large" error — never a panic, hang or stack overflow.
//!
//! The quick properties run in `cargo test`; the long run is ignored:
//! `NAS_FUZZ_SECONDS=600 cargo test --release --test front_end_suite -- lang_fuzz:: --ignored --nocapture`.

use nas::check::check_source;
use nas::syntax::lexer::lex;
use nas::syntax::{parse, parse_recovering, FileId};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use std::time::{Duration, Instant};

/// Pieces of `.nas` text that token soup is made of.
const FRAGMENTS: &[&str] = &[
    "op ",
    "choice ",
    "cell ",
    "space ",
    "experiment ",
    "import ",
    "\"stdlib/ops.nas\" ",
    "input ",
    "node ",
    "output ",
    "let ",
    "where ",
    " of ",
    "any ",
    " independent",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ", ",
    ": ",
    " = ",
    " >> ",
    " | ",
    "..",
    "..=",
    " + ",
    " - ",
    " * ",
    " / ",
    " % ",
    " == ",
    " < ",
    " <= ",
    " > ",
    "x0",
    "x1",
    "c",
    "n",
    "k",
    "conv",
    "relu",
    "sum",
    "concat",
    "prod",
    "blend",
    "skip",
    "none",
    "image(3, 8, 8)",
    "vector(4)",
    "16",
    "3",
    "2",
    "0",
    "-1",
    "5M",
    "4h",
    "1e-3",
    "0.5",
    "true",
    "\n",
    "# comment\n",
    "int",
    "op",
    "float",
    "\"s\"",
    "edges",
    "params",
    "batchnorm",
    "linear(10)",
    "global_avg_pool",
    "flatten",
    "max_pool(3, stride: 2)",
    "conv(c, 3, stride: 2)",
    "2 of [x0, x1]",
    "any of [x0]",
    "sum(x0 >> relu)",
    "* n",
    "* (2..=4)",
    "budget trials: 3",
    "objective maximize acc",
    "@",
    "\"",
    "é",
    "\t",
    "99999999999999999999",
    "1x",
];

/// Valid programs that mutations start from.
const SEEDS: &[&str] = &[
    "op rcb(c: int, k: int, stride: int = 1) = relu >> conv(c, k, stride: stride) >> batchnorm\n\
     choice pick(c: int) = none | skip | rcb(c, 1) | rcb(c, 3) | avg_pool(3)\n\
     cell nb(c: int) {\n input x0\n node x1 = sum(x0 >> pick(c))\n node x2 = sum(x0 >> pick(c), x1 >> pick(c))\n output x2\n}\n\
     space s(c: int = 16, n: int = 2) {\n input image(3, 32, 32)\n conv(c, 3) >> nb(c) * n >> resblock(2 * c, stride: 2)\n\
     >> nb(2 * c) * n >> global_avg_pool >> linear(10)\n}\n\
     experiment e {\n space s(c: 8)\n data fashion_mnist(resize: 32)\n evaluate train(epochs: 1)\n strategy random\n\
     budget trials: 10, time: 1h\n objective maximize valid_acc\n}\n",
    "cell d(c: int) {\n input c0, c1\n node p0 = c0 >> conv(c, 1)\n node p1 = c1 >> conv(c, 1)\n\
     node n0 = sum(2 of [p0, p1] >> sep_conv(c, 3 | 5))\n node n1 = sum(2 of [p0, p1, n0] >> skip)\n\
     output concat(n0, n1)\n}\nspace ds(c: int = 8) {\n input image(3, 16, 16)\n let k = 3 | 5 | 7\n\
     conv(c, k) >> d(c) * (1..=3) independent >> global_avg_pool >> linear(10)\n}\n",
    "cell n101(c: int) {\n input v0\n node v1 = sum(any of [v0]) >> conv(c, 3)\n node v2 = sum(any of [v0, v1]) >> max_pool(3)\n\
     output concat(any of [v1, v2])\n where edges <= 9\n}\n",
];

/// Asserts that the fast path of [`parse`] gives exactly what the chumsky parser gives.
fn parsers_agree(text: &str) {
    let (fast, recovering) = (parse(FileId(0), text), parse_recovering(FileId(0), text));
    assert!(
        fast.file == recovering.file
            && fast.diagnostics == recovering.diagnostics
            && fast.comments == recovering.comments,
        "the fast parser and the chumsky parser disagree on:\n{text}\n--- fast: {fast:#?}\n--- chumsky: {recovering:#?}"
    );
}

/// Runs the whole front end on `text`; panics propagate to the test.
fn exercise(text: &str) {
    parsers_agree(text);
    let program = check_source("fuzz.nas", text);
    let rendered = program.render_diagnostics(false);
    assert!(program.diagnostics.is_empty() || !rendered.is_empty());
    let parsed = parse(FileId(0), text);
    if !parsed.has_errors() {
        let formatted = nas::fmt::format_source(text).expect("a file without parse errors formats");
        let again = parse(FileId(0), &formatted);
        assert!(
            !again.has_errors(),
            "formatted text does not parse:\n{formatted}"
        );
        assert!(
            nas::fmt::same_tree(&parsed.file, &again.file),
            "formatting changed the tree:\n{text}\n---\n{formatted}"
        );
    }
}

fn bytes() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<u8>(), 0..400)
        .prop_map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(FRAGMENTS), 0..160)
        .prop_map(|pieces| pieces.concat())
}

fn mutated() -> impl Strategy<Value = String> {
    let edit = (
        any::<prop::sample::Index>(),
        0usize..12,
        prop::sample::select(FRAGMENTS),
        any::<bool>(),
    );
    (
        prop::sample::select(SEEDS),
        prop::collection::vec(edit, 1..6),
    )
        .prop_map(|(seed, edits)| {
            let mut text = seed.to_string();
            for (at, length, fragment, delete) in edits {
                let mut start = at.index(text.len() + 1);
                while !text.is_char_boundary(start) {
                    start -= 1;
                }
                if delete {
                    let mut end = (start + length).min(text.len());
                    while !text.is_char_boundary(end) {
                        end += 1;
                    }
                    text.replace_range(start..end, "");
                } else {
                    text.insert_str(start, fragment);
                }
            }
            text
        })
}

proptest! {
    #![proptest_config(Config { cases: 64, ..Config::default() })]

    #[test]
    fn random_bytes_give_diagnostics(text in bytes()) {
        exercise(&text);
    }

    #[test]
    fn token_soup_gives_diagnostics(text in soup()) {
        exercise(&text);
    }

    #[test]
    fn mutated_programs_give_diagnostics(text in mutated()) {
        exercise(&text);
    }
}

/// Inputs the long run found problems with, kept as regressions.
#[test]
fn regressions() {
    // A network statement `(-11160)` after a call used to be formatted as `- 11160`, which
    // reads as a subtraction continuing the statement before it.
    exercise(
        "space ds(c: int = 8) {\n input image(3, 16, 16)\n let k = # comment\n3 | 5 | 7\n\
         conv(c, k) >> global_avg_po >> linearvector(4)(-11160)\n}\n",
    );
}

/// Every `.nas` file under `dir` (recursively).
fn nas_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a repository folder") {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            nas_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "nas") {
            out.push(path);
        }
    }
}

/// The fast path and the chumsky parser agree on every program in the repository (valid
/// ones and the golden error files) and on each of them with any one token deleted, which
/// gives many near-valid programs.
#[test]
fn fast_and_recovering_parsers_agree_on_the_repository() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["stdlib", "scripts", "tests/lang"] {
        nas_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 20, "found only {} .nas files", files.len());
    let mut clean = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).expect("a readable .nas file");
        parsers_agree(&text);
        clean += usize::from(!parse(FileId(0), &text).has_errors());
        let spans: Vec<_> = lex(FileId(0), &text)
            .tokens
            .iter()
            .map(|(_, span)| span.range())
            .collect();
        for range in spans {
            let mut mutated = text.clone();
            mutated.replace_range(range, " ");
            parsers_agree(&mutated);
        }
    }
    assert!(clean > 20, "only {clean} files parse cleanly");
}

#[test]
fn seeds_are_valid_programs() {
    for seed in SEEDS {
        let program = check_source("seed.nas", seed);
        assert!(
            !program.has_errors(),
            "{}",
            program.render_diagnostics(false)
        );
    }
}

#[test]
fn ten_thousand_deep_nesting_is_refused() {
    for (open, close) in [
        ("(", ")"),
        ("[", "]"),
        ("{", "}"),
        ("f(", ")"),
        ("2 of [", "]"),
    ] {
        let text = format!("op a = {}relu{}", open.repeat(10_000), close.repeat(10_000));
        let program = check_source("deep.nas", &text);
        assert!(
            program.diagnostics.iter().any(|d| d.code == "too-deep"),
            "{open}: {:?}",
            program.diagnostics.first()
        );
    }
    for text in [
        format!("op a = {}1", "-".repeat(10_000)),
        format!("op a = {}", vec!["relu"; 10_000].join(" >> ")),
        format!("op a = {}", vec!["1"; 10_000].join(" * ")),
        format!("op a = {}", vec!["relu"; 10_000].join(" | ")),
    ] {
        exercise(&text);
    }
}

#[test]
fn fifty_megabyte_lines_are_handled() {
    let size = 50 << 20;
    for text in [
        format!("op {} = relu", "a".repeat(size)),
        format!("# {}\nop a = relu", "x".repeat(size)),
        format!("op a = \"{}\"", "s".repeat(size)),
        format!("op a = {}", "relu >> ".repeat(size / 8)),
        "(".repeat(size),
    ] {
        let start = Instant::now();
        let program = check_source("big.nas", &text);
        assert!(program.has_errors() || program.diagnostics.is_empty());
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "took {:?}",
            start.elapsed()
        );
    }
}

/// The long fuzz run: cycles through the three generators until `NAS_FUZZ_SECONDS` (600 by
/// default) pass, fails on a panic or on any input taking over 5 s, and prints the count.
#[test]
#[ignore = "runs for NAS_FUZZ_SECONDS (default 600 s)"]
fn long_fuzz_run() {
    let seconds: u64 = std::env::var("NAS_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut runner = TestRunner::new(Config::default());
    let generators: Vec<BoxedStrategy<String>> =
        vec![bytes().boxed(), soup().boxed(), mutated().boxed()];
    let mut executions: u64 = 0;
    let mut slowest = Duration::ZERO;
    let started = Instant::now();
    while Instant::now() < deadline {
        for generator in &generators {
            let text = generator.new_tree(&mut runner).expect("generate").current();
            let start = Instant::now();
            let outcome = std::panic::catch_unwind(|| exercise(&text));
            let took = start.elapsed();
            slowest = slowest.max(took);
            assert!(outcome.is_ok(), "panic on input:\n{text:?}");
            assert!(
                took < Duration::from_secs(5),
                "took {took:?} on input:\n{text:?}"
            );
            executions += 1;
        }
    }
    println!(
        "fuzz: {executions} executions in {:.1} s ({:.0}/s), slowest input {:?}",
        started.elapsed().as_secs_f64(),
        executions as f64 / started.elapsed().as_secs_f64(),
        slowest
    );
}
