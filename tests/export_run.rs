//! `nas run` keeps the trained weights of the architecture it chooses beside its trial store,
//! and `nas export STORE --best` writes that architecture with them: the exported weights,
//! loaded into nas's network, score the test accuracy the run reported for it. With
//! `--no-weights` nothing is kept and the export says its weights are not trained.

use crate::cli_common::nas_in;
use nas::compile::catalog::{build_arch, NetworkSize};
use nas::search::store;
use nas::space::load_space_with;
use nas::train::device::Runtime;
use nas::train::image_task::evaluate;
use nas::train::{checkpoint, named};
use std::path::Path;
use tch::{nn, Device};

fn experiment(dir: &Path) {
    let stdlib = Path::new(env!("CARGO_MANIFEST_DIR")).join("stdlib/spaces/nb201.nas");
    let text = format!(
        r#"import "{}"
experiment tiny {{
    space     nb201
    data      fashion_mnist(limit: 300, valid: 0.25, test_limit: 100)
    evaluate  train(epochs: 1, batch: 32, optimizer: sgd(lr: 0.05), schedule: constant, channels: 2, cells: 1, report_all: true)
    strategy  random
    budget    trials: 4
    workers   2
    objective maximize valid_acc
}}
"#,
        stdlib.display()
    );
    std::fs::write(dir.join("tiny.nas"), text).expect("experiment written");
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("file")).expect("JSON")
}

#[test]
fn a_run_keeps_its_chosen_weights_and_export_best_writes_them() {
    crate::data_common::require_fashion_mnist();
    let dir = tempfile::tempdir().expect("temp dir");
    experiment(dir.path());
    let (ok, out, err) = nas_in(dir.path(), &["run", "tiny.nas", "--out", "run.jsonl"]);
    assert!(ok, "{out}\n{err}");
    let store_path = dir.path().join("run.jsonl");
    let (header, loaded) = store::read(&store_path).expect("store");
    let trials = &loaded.trials[&0];
    let chosen = nas::search::runner::best_of(trials, true).expect("a chosen trial");
    let kept: Vec<_> = std::fs::read_dir(store::weights_dir(&store_path))
        .expect("weights folder")
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(kept, [store::weights_file(&store_path, chosen)], "{out}");
    assert!(out.contains("its trained weights:"), "{out}");

    let (ok, stdout, stderr) = nas_in(dir.path(), &["export", "run.jsonl", "--best", "-o", "best"]);
    assert!(ok, "{stdout}\n{stderr}");
    let about = json(&dir.path().join("best/arch.json"));
    assert_eq!(about["arch"], serde_json::json!(chosen.arch));
    assert_eq!(about["trained"], serde_json::json!(true));
    assert_eq!(
        about["metrics"]["valid_acc"],
        serde_json::json!(chosen.reward)
    );
    assert_eq!(about["run"]["trial"], serde_json::json!(chosen.id));
    assert_eq!(about["training"]["epochs"], serde_json::json!(1));

    // The exported weights are the trained ones: nas's network with them scores the test
    // accuracy the run measured for this trial on the same 100 test images.
    let network = header.about.and_then(|a| a.network).expect("network info");
    let space = load_space_with(&network.space, &network.args).expect("space");
    let arch = space.decode(&chosen.arch).expect("arch");
    let mut vs = nn::VarStore::new(Device::Cpu);
    let size = NetworkSize {
        in_channels: Some(1),
        ..NetworkSize::default()
    };
    let net = build_arch(&vs.root(), &space, &arch, size).expect("network");
    let exported = dir.path().join("best/weights.safetensors");
    let mut tensors = tch::Tensor::read_safetensors(&exported).expect("exported weights");
    tensors.retain(|(name, _)| !name.ends_with("num_batches_tracked"));
    let plain = dir.path().join("plain.safetensors");
    tch::Tensor::write_safetensors(&tensors, &plain).expect("written");
    checkpoint::load(&mut vs, &plain).expect("the exported weights fit the network");
    let (_, test) = named::load_image_data("fashion-mnist", None).expect("Fashion-MNIST");
    let (_, acc) = evaluate(net.as_ref(), &test.take(100), 500, Runtime::cpu()).expect("scored");
    let reported = chosen.report.expect("the chosen trial has its report");
    assert!(
        (100.0 * acc - reported).abs() < 1e-9,
        "exported weights score {}, the run reported {reported}",
        100.0 * acc
    );
}

#[test]
fn with_no_weights_nothing_is_kept_and_the_export_says_so() {
    crate::data_common::require_fashion_mnist();
    let dir = tempfile::tempdir().expect("temp dir");
    experiment(dir.path());
    let (ok, out, err) = nas_in(
        dir.path(),
        &["run", "tiny.nas", "--out", "run.jsonl", "--no-weights"],
    );
    assert!(ok, "{out}\n{err}");
    assert!(!store::weights_dir(&dir.path().join("run.jsonl")).exists());
    let (ok, stdout, stderr) = nas_in(dir.path(), &["export", "run.jsonl", "--best", "-o", "best"]);
    assert!(ok, "{stdout}\n{stderr}");
    assert!(stderr.contains("saved no weights"), "{stderr}");
    assert_eq!(
        json(&dir.path().join("best/arch.json"))["trained"],
        serde_json::json!(false)
    );
}
