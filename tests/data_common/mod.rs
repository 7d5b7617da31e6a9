//! What the tests that read real data need, checked in one place: a missing input fails the test
//! with how to get it, never skips it.

/// Panics, saying how to install it, unless Fashion-MNIST's IDX files are where `nas` looks
/// (`NAS_FASHION_MNIST`, else Debian's `/usr/share/datasets/fashion-mnist`).
pub fn require_fashion_mnist() {
    let dir = nas::paths::fashion_mnist_dir();
    let present = ["train-images-idx3-ubyte", "train-images-idx3-ubyte.gz"]
        .iter()
        .any(|f| dir.join(f).is_file());
    assert!(
        present,
        "Fashion-MNIST is not in {}: run `make setup` (it installs Debian's dataset-fashion-mnist) \
         or point NAS_FASHION_MNIST at a folder with its IDX files",
        dir.display()
    );
}
