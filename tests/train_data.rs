//! Dataset loaders: CIFAR-10/100 on small files written here in the real binary format, Penn
//! Treebank and Fashion-MNIST from the real files.

use nas::train::cifar::{load_cifar10, load_cifar100};
use nas::train::{fashion_mnist, ptb};
use std::path::Path;
use tch::{Device, Kind, Tensor};

/// `n` records with `label_bytes` label bytes (the last is `i % classes`) and pixels whose red
/// plane is `i`, green `2i`, blue `3i` (mod 256).
fn records(n: usize, label_bytes: usize, classes: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..n {
        out.extend(std::iter::repeat_n(1u8, label_bytes - 1));
        out.push((i % classes) as u8);
        for plane in 1..=3 {
            out.extend(std::iter::repeat_n((i * plane % 256) as u8, 1024));
        }
    }
    out
}

#[test]
fn cifar10_reads_five_training_batches_and_the_test_batch() {
    let dir = tempfile::tempdir().unwrap();
    for b in 1..=5 {
        std::fs::write(
            dir.path().join(format!("data_batch_{b}.bin")),
            records(2, 1, 10),
        )
        .unwrap();
    }
    std::fs::write(dir.path().join("test_batch.bin"), records(3, 1, 10)).unwrap();
    let c = load_cifar10(dir.path()).unwrap();
    assert_eq!(c.train.pixels.size(), [10, 3, 32, 32]);
    assert_eq!(c.test.len(), 3);
    assert_eq!(c.test.labels.int64_value(&[2]), 2);
    // Channel planes: record 1 has red 1, green 2, blue 3.
    let p = &c.train.pixels;
    assert_eq!(
        (
            p.int64_value(&[1, 0, 5, 5]),
            p.int64_value(&[1, 1, 0, 0]),
            p.int64_value(&[1, 2, 31, 31])
        ),
        (1, 2, 3)
    );
    assert_eq!(c.train.classes, 10);
}

#[test]
fn cifar100_uses_the_fine_label_and_bad_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("train.bin"), records(4, 2, 100)).unwrap();
    std::fs::write(dir.path().join("test.bin"), records(1, 2, 100)).unwrap();
    let c = load_cifar100(dir.path()).unwrap();
    assert_eq!(c.train.labels.int64_value(&[3]), 3);
    assert_eq!(c.train.classes, 100);
    let mut truncated = records(2, 2, 100);
    truncated.pop();
    std::fs::write(dir.path().join("test.bin"), truncated).unwrap();
    let err = load_cifar100(dir.path()).unwrap_err().to_string();
    assert!(
        err.contains("test.bin") && err.contains("3074-byte records"),
        "{err}"
    );
    let mut bad_label = records(1, 1, 10);
    bad_label[0] = 12;
    let dir10 = tempfile::tempdir().unwrap();
    std::fs::write(dir10.path().join("data_batch_1.bin"), bad_label).unwrap();
    let err = load_cifar10(dir10.path()).unwrap_err().to_string();
    assert!(err.contains("label 12"), "{err}");
}

#[test]
fn penn_treebank_has_its_vocabulary_and_batches_shift_by_one() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/ptb");
    let corpus = ptb::load_ptb(&dir).unwrap();
    assert_eq!(corpus.vocab.len(), 10_000);
    // 887,521 words plus one <eos> per sentence (42,068 lines).
    assert_eq!(corpus.train.size(), [887_521 + 42_068]);
    assert!(corpus.valid.size()[0] > 70_000 && corpus.test.size()[0] > 80_000);
    let rows = ptb::batchify(&corpus.valid, 4).unwrap();
    let (x, y) = ptb::window(&rows, 0, 5).unwrap();
    assert_eq!(x.size(), [4, 5]);
    assert!(x.narrow(1, 1, 4).equal(&y.narrow(1, 0, 4)));
    let eos = corpus.vocab.iter().position(|w| w == ptb::EOS).unwrap() as i64;
    let eos_count = corpus.train.eq(eos).sum(Kind::Int64).int64_value(&[]);
    assert_eq!(eos_count, 42_068);
}

#[test]
fn fashion_mnist_and_mnist_normalisation() {
    let dir = std::env::var("NAS_FASHION_MNIST")
        .unwrap_or_else(|_| "/usr/share/datasets/fashion-mnist".to_string());
    let d = fashion_mnist::load_fashion_mnist(Path::new(&dir)).unwrap();
    assert_eq!(d.train.pixels.size(), [60_000, 1, 28, 28]);
    assert_eq!(d.test.len(), 10_000);
    let (x, _) = d
        .train
        .batch(&Tensor::arange(2000, (Kind::Int64, Device::Cpu)))
        .unwrap();
    let mean = x.mean(Kind::Float).double_value(&[]);
    assert!(mean.abs() < 0.05, "normalised mean {mean}");
}
