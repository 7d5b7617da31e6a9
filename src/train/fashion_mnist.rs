//! Fashion-MNIST and MNIST (the same layout) from IDX files into tensors.

use super::idx::{read_idx_u8, IdxBytes};
use super::image_set::ImageSet;
use super::DataError;
use std::path::{Path, PathBuf};
use tch::{Kind, Tensor};

/// Fashion-MNIST's per-pixel mean over the training set (pixels scaled to 0..1).
pub const FASHION_MNIST_MEAN: f64 = 0.2860;
/// Fashion-MNIST's per-pixel standard deviation over the training set.
pub const FASHION_MNIST_STD: f64 = 0.3530;

/// The training and test splits of an MNIST-layout dataset.
#[derive(Debug)]
pub struct MnistLike {
    /// 60,000 training examples for the real datasets.
    pub train: ImageSet,
    /// 10,000 test examples for the real datasets.
    pub test: ImageSet,
}

/// Loads `{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]` from `dir`.
pub fn load_mnist_like(dir: &Path, mean: f64, std: f64) -> Result<MnistLike, DataError> {
    Ok(MnistLike {
        train: load_split(dir, "train", mean, std)?,
        test: load_split(dir, "t10k", mean, std)?,
    })
}

/// Loads Fashion-MNIST from `dir` with its own normalisation.
pub fn load_fashion_mnist(dir: &Path) -> Result<MnistLike, DataError> {
    load_mnist_like(dir, FASHION_MNIST_MEAN, FASHION_MNIST_STD)
}

/// MNIST's per-pixel mean over the training set (pixels scaled to 0..1).
pub const MNIST_MEAN: f64 = 0.1307;
/// MNIST's per-pixel standard deviation over the training set.
pub const MNIST_STD: f64 = 0.3081;

/// Loads MNIST from `dir` with its own normalisation.
pub fn load_mnist(dir: &Path) -> Result<MnistLike, DataError> {
    load_mnist_like(dir, MNIST_MEAN, MNIST_STD)
}

/// The path of `stem` in `dir`, preferring the gzip file when both exist.
fn idx_file(dir: &Path, stem: &str) -> PathBuf {
    let gz = dir.join(format!("{stem}.gz"));
    if gz.exists() {
        gz
    } else {
        dir.join(stem)
    }
}

fn load_split(dir: &Path, prefix: &str, mean: f64, std: f64) -> Result<ImageSet, DataError> {
    let images_path = idx_file(dir, &format!("{prefix}-images-idx3-ubyte"));
    let labels_path = idx_file(dir, &format!("{prefix}-labels-idx1-ubyte"));
    let images = read_idx_u8(&images_path)?;
    let labels = read_idx_u8(&labels_path)?;
    images_and_labels(&images_path, images, &labels_path, labels, mean, std)
}

/// Checks that an image array and a label array fit together and turns them into tensors.
fn images_and_labels(
    images_path: &Path,
    images: IdxBytes,
    labels_path: &Path,
    labels: IdxBytes,
    mean: f64,
    std: f64,
) -> Result<ImageSet, DataError> {
    let [n, h, w] = images.dims[..] else {
        return Err(DataError::format(
            images_path,
            format!("expected 3 dimensions (N×H×W), found {:?}", images.dims),
        ));
    };
    let [m] = labels.dims[..] else {
        return Err(DataError::format(
            labels_path,
            format!("expected 1 dimension (N), found {:?}", labels.dims),
        ));
    };
    if n != m {
        return Err(DataError::Mismatch {
            path: labels_path.to_path_buf(),
            message: format!("{m} labels for {n} images in {}", images_path.display()),
        });
    }
    if let Some(bad) = labels.data.iter().find(|&&l| l > 9) {
        return Err(DataError::format(
            labels_path,
            format!("label {bad} is outside the 10 classes"),
        ));
    }
    Ok(ImageSet {
        pixels: Tensor::from_slice(&images.data).view([n as i64, 1, h as i64, w as i64]),
        labels: Tensor::from_slice(&labels.data).to_kind(Kind::Int64),
        classes: 10,
        mean: vec![mean],
        std: vec![std],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_idx(path: &Path, dims: &[u32], data: &[u8]) {
        let mut out = vec![0, 0, 0x08, dims.len() as u8];
        for d in dims {
            out.extend_from_slice(&d.to_be_bytes());
        }
        out.extend_from_slice(data);
        std::fs::write(path, out).unwrap();
    }

    fn write_split(dir: &Path, prefix: &str, n: u32, labels: &[u8]) {
        let pixels: Vec<u8> = (0..n * 4).map(|i| (i * 17 % 256) as u8).collect();
        write_idx(
            &dir.join(format!("{prefix}-images-idx3-ubyte")),
            &[n, 2, 2],
            &pixels,
        );
        write_idx(
            &dir.join(format!("{prefix}-labels-idx1-ubyte")),
            &[labels.len() as u32],
            labels,
        );
    }

    #[test]
    fn loads_a_small_dataset_in_the_real_layout() {
        let dir = tempfile::tempdir().unwrap();
        write_split(dir.path(), "train", 3, &[0, 9, 4]);
        write_split(dir.path(), "t10k", 2, &[1, 2]);
        let ds = load_mnist_like(dir.path(), 0.0, 1.0).unwrap();
        assert_eq!(ds.train.pixels.size(), vec![3, 1, 2, 2]);
        assert_eq!(ds.test.len(), 2);
        assert_eq!(ds.train.labels.int64_value(&[1]), 9);
        let (images, _) = ds.train.batch(&Tensor::from_slice(&[0i64])).unwrap();
        let first = images.double_value(&[0, 0, 0, 1]);
        assert!((first - 17.0 / 255.0).abs() < 1e-6);
    }

    #[test]
    fn mismatched_counts_and_bad_labels_are_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        write_split(dir.path(), "train", 3, &[0, 1]);
        write_split(dir.path(), "t10k", 1, &[1]);
        let err = load_mnist_like(dir.path(), 0.0, 1.0)
            .unwrap_err()
            .to_string();
        assert!(err.contains("2 labels for 3 images"), "{err}");
        write_split(dir.path(), "train", 1, &[12]);
        let err = load_mnist_like(dir.path(), 0.0, 1.0)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("train-labels-idx1-ubyte") && err.contains("label 12"),
            "{err}"
        );
    }
}
