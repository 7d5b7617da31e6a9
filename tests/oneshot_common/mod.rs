//! Shared pieces of the one-shot tests: running `nas run e.nas --fresh` in a test's folder on
//! one OpenMP thread, and a toy image set.
#![allow(dead_code)]

use nas::train::ImageSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use tch::{Device, Kind, Tensor};

/// Runs `nas run e.nas --fresh` in `dir` with one OpenMP thread and `env` set: (success,
/// stdout then stderr).
pub fn run_fresh(dir: &Path, env: &[(&str, PathBuf)]) -> (bool, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_nas"));
    command
        .args(["run", "e.nas", "--fresh"])
        .current_dir(dir)
        .env("OMP_NUM_THREADS", "1");
    for (key, value) in env {
        command.env(key, value);
    }
    let out = command.output().expect("nas runs");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// Two classes told apart by brightness, 8×8 grey pixels.
pub fn toy(n: i64, seed: i64) -> ImageSet {
    let (labels, noise) = nas::train::generator::seeded(seed, || {
        let labels = Tensor::randint(2, [n], (Kind::Int64, Device::Cpu));
        let noise = Tensor::randn([n, 1, 8, 8], (Kind::Float, Device::Cpu)) * 30.0;
        (labels, noise)
    });
    let base = labels.view([n, 1, 1, 1]).to_kind(Kind::Float) * 120.0 + 40.0;
    ImageSet {
        pixels: (base + noise).clamp(0.0, 255.0).to_kind(Kind::Uint8),
        labels,
        classes: 2,
        mean: vec![0.4],
        std: vec![0.3],
    }
}
