//! `nas train` end to end: a tiny NAS-Bench-201 network on a slice of the real Fashion-MNIST
//! with a validation split and a checkpoint, step timing on synthetic data, and its errors.

use std::process::{Command, Output};

const ARCH: &str =
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|";

fn nas(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nas"))
        .args(args)
        .output()
        .expect("nas runs")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn trains_on_a_slice_of_fashion_mnist_and_writes_a_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let ckpt = dir.path().join("nb201.safetensors");
    let args = format!(
        "train nb201 {ARCH} --data fashion-mnist --cpu --threads 1 --limit 1000 --test-limit 1000 \
         --valid-fraction 0.2 --epochs 2 --batch 32 --channels 4 --cells 1 --lr 0.1 --warmup 0.5 \
         --flip --crop-padding 2 --label-smoothing 0.1 --clip 5 --seed 2 --checkpoint {}",
        ckpt.display()
    );
    let out = nas(&args.split_whitespace().collect::<Vec<_>>());
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert!(all.contains("epoch 2: train loss"), "{all}");
    assert!(all.contains("valid loss"), "{all}");
    let accuracy: f64 = all
        .lines()
        .find_map(|l| l.strip_prefix("test accuracy: "))
        .and_then(|v| v.trim_end_matches('%').parse().ok())
        .expect("an accuracy line");
    // 800 images, two epochs, 4 channels: about 50%; chance is 10%.
    assert!(accuracy > 30.0, "{all}");
    let names = tch::Tensor::read_safetensors(&ckpt).unwrap();
    assert!(names
        .iter()
        .any(|(n, _)| n == "cells.0.edges.3<-2.conv.weight"));
}

/// Two timed steps of a 4-channel NB201 network on synthetic 16×16 images, with `extra` options.
fn synthetic_steps(extra: &[&str]) -> Output {
    let mut args = vec![
        "train",
        "nb201",
        ARCH,
        "--data",
        "synthetic:3x16x16",
        "--cpu",
        "--steps",
        "2",
        "--batch",
        "4",
        "--channels",
        "4",
        "--cells",
        "1",
    ];
    args.extend(extra);
    nas(&args)
}

#[test]
fn times_steps_on_synthetic_data() {
    let out = synthetic_steps(&["--layout", "nchw"]);
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert!(all.contains("timed: 2 steps of batch 4"), "{all}");
}

#[test]
fn trains_in_mixed_precision_on_the_cpu() {
    // bfloat16 autocast learns as float32 does (same slice, net and seed as above, one epoch).
    let args = format!(
        "train nb201 {ARCH} --data fashion-mnist --cpu --threads 1 --limit 1000 --test-limit 500 \
         --epochs 1 --batch 32 --channels 4 --cells 1 --seed 2 --amp bf16"
    );
    let out = nas(&args.split_whitespace().collect::<Vec<_>>());
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert!(all.contains("autocast bf16"), "{all}");
    let accuracy: f64 = all
        .lines()
        .find_map(|l| l.strip_prefix("test accuracy: "))
        .and_then(|v| v.trim_end_matches('%').parse().ok())
        .expect("an accuracy line");
    assert!(accuracy > 30.0, "{all}");
    // float16 with loss scaling (slow on a CPU without float16 arithmetic: two steps).
    let out = synthetic_steps(&["--amp", "fp16"]);
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert!(all.contains("autocast fp16"), "{all}");
    assert!(all.contains("timed: 2 steps of batch 4"), "{all}");
}

#[test]
fn bad_options_are_errors_with_reasons() {
    for (args, expected) in [
        (vec!["--data", "imagenet"], "unknown data `imagenet`"),
        (vec!["--data", "cifar10"], "needs a folder"),
        (vec!["--data", "cifar10:/nonexistent"], "data_batch_1.bin"),
        (vec!["--optimizer", "lion"], "unknown optimizer"),
        (vec!["--layout", "nhwc"], "unknown layout"),
        (vec!["--amp", "fp8"], "unknown precision `fp8`"),
        (vec!["--data", "synthetic:3x0x1"], "synthetic shape"),
    ] {
        let mut full = vec!["train", "nb201", ARCH, "--cpu"];
        full.extend(args);
        let out = nas(&full);
        assert!(!out.status.success());
        let all = text(&out);
        assert!(all.contains(expected), "{full:?}: {all}");
    }
}

#[test]
fn missing_data_is_a_clear_error_with_a_hint() {
    let empty = tempfile::tempdir().expect("tempdir");
    let data = format!("fashion-mnist:{}", empty.path().display());
    let out = nas(&["train", "nb201", ARCH, "--cpu", "--data", &data]);
    assert_eq!(out.status.code(), Some(1));
    let all = text(&out);
    assert!(
        all.contains("train-images-idx3-ubyte") && all.contains("hint:"),
        "{all}"
    );
}

#[test]
fn trains_an_nb_nlp_language_model_on_a_slice_of_penn_treebank() {
    let ptb = concat!(env!("CARGO_MANIFEST_DIR"), "/data/ptb");
    // Every node of every kind but blend; node 6 is a linear map of the input and node 5.
    let arch = "nb_nlp_cell.n1=linear nb_nlp_cell.n1.linear.in={x,h1} nb_nlp_cell.n2=activation \
nb_nlp_cell.n2.activation.in={n1} nb_nlp_cell.n2.activation.op0=tanh nb_nlp_cell.n3=prod \
nb_nlp_cell.n3.prod.in={h2,n2} nb_nlp_cell.n4=sum nb_nlp_cell.n4.sum.in={h3,n3} \
nb_nlp_cell.n5=activation nb_nlp_cell.n5.activation.in={n4} nb_nlp_cell.n5.activation.op0=tanh \
nb_nlp_cell.n6=linear nb_nlp_cell.n6.linear.in={x,n5}";
    let data = format!("ptb:{ptb}");
    let out = nas(&[
        "train",
        "nb_nlp",
        arch,
        "--data",
        &data,
        "--cpu",
        "--threads",
        "1",
        "--limit",
        "20000",
        "--test-limit",
        "3000",
        "--epochs",
        "2",
        "--batch",
        "16",
        "--channels",
        "16",
        "--optimizer",
        "adamw",
        "--lr",
        "0.003",
        "--weight-decay",
        "0",
        // A constant rate, as the README's figure (the default cosine halves it by epoch 2).
        "--schedule",
        "constant",
    ]);
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    let ppl = |prefix: &str| -> Vec<f64> {
        all.lines()
            .filter_map(|l| l.split_once(prefix))
            .filter_map(|(_, rest)| {
                rest.split_whitespace()
                    .next()?
                    .trim_end_matches(',')
                    .parse()
                    .ok()
            })
            .collect()
    };
    let valid = ppl("valid perplexity ");
    assert_eq!(valid.len(), 2, "{all}");
    // Two passes over 10,000 tokens: the second lowers the validation perplexity further,
    // to under a fifth of a uniform guess's (10,000).
    assert!(
        valid[1].is_finite() && valid[1] < valid[0] && valid[1] < 2_000.0,
        "{all}"
    );
    assert_eq!(ppl("test perplexity ").len(), 1, "{all}");
    // An image space cannot be trained on text.
    let out = nas(&[
        "train",
        "nb201",
        "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
        "--data",
        &data,
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("not a sequence space"),
        "{}",
        text(&out)
    );
}
