//! `nas export` of an architecture of every stdlib space, with briefly trained weights: the
//! exported `model.py` loaded strictly with `weights.safetensors` in the project's PyTorch
//! gives nas's own evaluation-mode output within 1e-5, so does `model.onnx` in
//! onnxruntime, and one SGD step in PyTorch changes the weights
//! (`tests/export_common/check.py` does the Python side).

#[path = "cli_common/mod.rs"]
mod cli_common;

use cli_common::nas;
use nas::compile::catalog::build_arch;
use nas::compile::BoxLayer;
use nas::space::load_space_with;
use nas::train::checkpoint;
use std::path::{Path, PathBuf};
use std::process::Command;
use tch::nn::{self, OptimizerConfig};
use tch::{Device, Kind, Tensor};

/// The project's Python, with torch, onnx and onnxruntime; a clear failure when it is missing.
fn python() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join(".venv/bin/python");
    let ready = python.is_file()
        && Command::new(&python)
            .args(["-c", "import torch, onnx, onnxruntime"])
            .output()
            .is_ok_and(|o| o.status.success());
    assert!(
        ready,
        "{} with torch, onnx and onnxruntime is missing: run `make setup` (it installs requirements-torch.txt and requirements-export.txt into .venv)",
        python.display()
    );
    python
}

/// How one space is exported in the test: its parameters, the matching `nas export` flags,
/// and an input batch.
struct Case {
    space: &'static str,
    args: &'static [(&'static str, i64)],
    flags: &'static [&'static str],
    input: fn() -> Tensor,
}

fn images(c: i64, hw: i64) -> Tensor {
    Tensor::randn([2, c, hw, hw], (Kind::Float, Device::Cpu))
}

fn tokens() -> Tensor {
    Tensor::randint(50, [2, 5], (Kind::Int64, Device::Cpu))
}

/// Trains `net` for a few SGD steps on `input` (the mean square of its output as the loss),
/// so that its weights and batch-norm statistics are not the initial ones.
fn train_briefly(net: &BoxLayer, vs: &nn::VarStore, input: &Tensor) {
    let mut opt = nn::Sgd::default().build(vs, 0.01).expect("optimizer");
    for _ in 0..3 {
        let out = net.forward(input, true).expect("forward");
        opt.backward_step(&out.to_kind(Kind::Float).square().mean(Kind::Float));
    }
}

/// Exports an architecture of `case.space` with briefly trained weights into a folder of
/// `dir`, and writes beside it an input and nas's evaluation-mode output on it: (the export
/// folder, the expected output's file).
fn prepare(case: &Case, dir: &Path) -> (PathBuf, PathBuf) {
    let _generators = nas::train::generator::hold();
    tch::manual_seed(7);
    let dir = dir.join(case.space);
    std::fs::create_dir_all(&dir).expect("a folder per space");
    let arch = {
        let (ok, out, err) = nas(&["sample", case.space, "-n", "1", "--seed", "3"]);
        assert!(ok, "{err}");
        out.trim().to_string()
    };
    let args: Vec<(String, i64)> = case.args.iter().map(|(n, v)| (n.to_string(), *v)).collect();
    let space = load_space_with(case.space, &args).expect("space loads");
    let decoded = space.decode(&arch).expect("architecture decodes");
    let input = (case.input)();
    let in_channels = (input.dim() == 4).then(|| input.size()[1]);
    let vs = nn::VarStore::new(Device::Cpu);
    let size = nas::compile::catalog::NetworkSize {
        in_channels,
        ..Default::default()
    };
    let net = build_arch(&vs.root(), &space, &decoded, size).expect("network builds");
    train_briefly(&net, &vs, &input);
    let weights = dir.join("trained.safetensors");
    checkpoint::save(&vs, &weights).expect("checkpoint");

    let out = dir.join("export");
    let mut command = vec![
        "export",
        case.space,
        arch.as_str(),
        "--weights",
        weights.to_str().expect("utf-8 path"),
        "-o",
        out.to_str().expect("utf-8 path"),
    ];
    command.extend_from_slice(case.flags);
    let (ok, stdout, stderr) = nas(&command);
    assert!(ok, "nas export failed:\n{stdout}\n{stderr}");
    for file in [
        "model.py",
        "weights.safetensors",
        "arch.json",
        "export_onnx.py",
    ] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    let about: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("arch.json")).expect("arch.json"))
            .expect("arch.json is JSON");
    assert_eq!(about["arch"], serde_json::json!(space.encode(&decoded)));
    assert_eq!(about["trained"], serde_json::json!(true));
    let model = std::fs::read_to_string(out.join("model.py")).expect("model.py");
    assert!(!model.contains("nas."), "model.py must not use nas");

    let expected = dir.join("expected.safetensors");
    let output = tch::no_grad(|| net.forward(&input, false)).expect("nas forward");
    Tensor::write_safetensors(
        &[
            ("input", input.shallow_clone()),
            ("output", output.contiguous()),
        ],
        &expected,
    )
    .expect("expected output");
    (out, expected)
}

/// Exports every case and checks all exports in one Python process (`check.py`): loading torch
/// once instead of once per space.
fn check(cases: &[Case]) {
    let python = python();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut command = Command::new(python);
    command.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/export_common/check.py"));
    for case in cases {
        let (out, expected) = prepare(case, dir.path());
        command.arg(out).arg(expected);
    }
    let run = command.output().expect("python runs");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(run.status.success(), "export:\n{report}");
    for case in cases {
        assert!(
            report.contains(&format!("/{}/export:", case.space)),
            "{} checked:\n{report}",
            case.space
        );
    }
    assert_eq!(
        report.matches("ok one SGD step").count(),
        cases.len(),
        "{report}"
    );
    eprintln!("{report}");
}

#[test]
fn every_image_space_exports_and_matches() {
    check(&[
        Case {
            space: "nb201",
            args: &[("c", 4), ("n", 1)],
            flags: &["--channels", "4", "--cells", "1", "--input", "3x16x16"],
            input: || images(3, 16),
        },
        Case {
            space: "darts",
            args: &[("c", 4), ("n", 1)],
            flags: &["--channels", "4", "--cells", "1", "--input", "3x16x16"],
            input: || images(3, 16),
        },
        Case {
            space: "nb101",
            args: &[("c", 8), ("cells", 1)],
            flags: &["--channels", "8", "--cells", "1", "--input", "1x16x16"],
            input: || images(1, 16),
        },
        Case {
            space: "nas_rl",
            args: &[],
            flags: &["--input", "3x16x16"],
            input: || images(3, 16),
        },
        Case {
            space: "enas_macro",
            args: &[("c", 4)],
            flags: &["--channels", "4", "--input", "3x16x16"],
            input: || images(3, 16),
        },
        Case {
            space: "mobilenet_v2",
            args: &[("classes", 10)],
            flags: &["--classes", "10", "--input", "3x32x32"],
            input: || images(3, 32),
        },
    ]);
}

/// Named states: the exported `Sequence` of `lstm_lm` carries h and c as the cell's `next`
/// vertices (`nas_rl_rnn`'s too, the cell state read from a chosen node and merged into the
/// node a `when` picks); `awd_lstm` stacks three cells, with locked dropout between them and a decoder
/// tied to the embedding (its state has the decoder's bias only).
#[test]
fn every_sequence_space_exports_and_matches() {
    check(&[
        Case {
            space: "enas_rnn",
            args: &[("d", 8), ("vocab", 50)],
            flags: &["--channels", "8", "--vocab", "50", "--input", "5"],
            input: tokens,
        },
        Case {
            space: "nb_nlp",
            args: &[("d", 8), ("vocab", 50)],
            flags: &["--channels", "8", "--vocab", "50", "--input", "5"],
            input: tokens,
        },
        Case {
            space: "nas_rl_rnn",
            args: &[("d", 8), ("vocab", 50)],
            flags: &["--channels", "8", "--vocab", "50", "--input", "5"],
            input: tokens,
        },
        Case {
            space: "lstm_lm",
            args: &[("d", 8), ("vocab", 50)],
            flags: &["--channels", "8", "--vocab", "50", "--input", "5"],
            input: tokens,
        },
        Case {
            space: "awd_lstm",
            args: &[("d", 8), ("vocab", 50)],
            flags: &["--channels", "8", "--vocab", "50", "--input", "5"],
            input: tokens,
        },
    ]);
}

#[test]
fn bad_input_is_a_clear_error_not_a_panic() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let out = out.to_str().expect("utf-8 path");
    let arch = "|nor_conv_3x3~0|+|skip_connect~0|none~1|+|none~0|none~1|avg_pool_3x3~2|";
    let vs = nn::VarStore::new(Device::Cpu);
    let space = load_space_with("nb201", &[("c".into(), 4), ("n".into(), 1)]).expect("space");
    let decoded = space.decode(arch).expect("arch");
    build_arch(&vs.root(), &space, &decoded, Default::default()).expect("network");
    let weights = dir.path().join("c4.safetensors");
    checkpoint::save(&vs, &weights).expect("checkpoint");
    let weights = weights.to_str().expect("utf-8 path");
    let cases: [(&[&str], &str); 5] = [
        (
            &["export", "nb999", arch, "-o", out],
            "no stdlib space `nb999`",
        ),
        (
            &["export", "nb201", "|x~0|", "-o", out],
            "is not an architecture of nb201",
        ),
        (
            &[
                "export",
                "nb201",
                arch,
                "--weights",
                weights,
                "--channels",
                "8",
                "--cells",
                "1",
                "-o",
                out,
            ],
            "these weights are not this network's",
        ),
        (
            &[
                "export",
                "nb201",
                arch,
                "--weights",
                "missing.safetensors",
                "-o",
                out,
            ],
            "there is no weights file",
        ),
        (
            &["export", "nb201", arch, "--input", "3x0x4", "-o", out],
            "is not an image shape",
        ),
    ];
    for (args, expected) in cases {
        let (ok, _, stderr) = nas(args);
        assert!(!ok, "{args:?} succeeded");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    let (ok, _, _) = nas(&[
        "export",
        "nb201",
        arch,
        "--weights",
        weights,
        "--channels",
        "4",
        "--cells",
        "1",
        "-o",
        out,
    ]);
    assert!(ok, "the right size exports");
}
