//! CIFAR-10 and CIFAR-100 in their binary format: fixed-size records of label byte(s) followed
//! by 3·32·32 pixel bytes (red plane, green plane, blue plane). CIFAR-10 has
//! `data_batch_1..5.bin` and `test_batch.bin` with one label byte; CIFAR-100 has `train.bin`
//! and `test.bin` with a coarse and a fine label byte (the fine label is used).

use super::image_set::ImageSet;
use super::DataError;
use std::path::Path;
use tch::{Kind, Tensor};

const PIXELS: usize = 3 * 32 * 32;
/// Per-channel means of CIFAR-10's training images (0..1 scale).
pub const CIFAR10_MEAN: [f64; 3] = [0.4914, 0.4822, 0.4465];
/// Per-channel standard deviations of CIFAR-10's training images.
pub const CIFAR10_STD: [f64; 3] = [0.2470, 0.2435, 0.2616];
/// Per-channel means of CIFAR-100's training images.
pub const CIFAR100_MEAN: [f64; 3] = [0.5071, 0.4865, 0.4409];
/// Per-channel standard deviations of CIFAR-100's training images.
pub const CIFAR100_STD: [f64; 3] = [0.2673, 0.2564, 0.2762];

/// The training and test splits of a CIFAR dataset.
#[derive(Debug)]
pub struct Cifar {
    /// 50,000 images for the real datasets.
    pub train: ImageSet,
    /// 10,000 images for the real datasets.
    pub test: ImageSet,
}

/// Loads CIFAR-10 from `dir` (the `cifar-10-batches-bin` folder).
pub fn load_cifar10(dir: &Path) -> Result<Cifar, DataError> {
    let train: Vec<_> = (1..=5)
        .map(|i| dir.join(format!("data_batch_{i}.bin")))
        .collect();
    Ok(Cifar {
        train: read_files(&train, 1, 10, &CIFAR10_MEAN, &CIFAR10_STD)?,
        test: read_files(
            &[dir.join("test_batch.bin")],
            1,
            10,
            &CIFAR10_MEAN,
            &CIFAR10_STD,
        )?,
    })
}

/// Loads CIFAR-100 (fine labels) from `dir` (the `cifar-100-binary` folder).
pub fn load_cifar100(dir: &Path) -> Result<Cifar, DataError> {
    let (m, s) = (&CIFAR100_MEAN, &CIFAR100_STD);
    Ok(Cifar {
        train: read_files(&[dir.join("train.bin")], 2, 100, m, s)?,
        test: read_files(&[dir.join("test.bin")], 2, 100, m, s)?,
    })
}

/// Reads records with `label_bytes` leading label bytes (the last one is the class).
fn read_files(
    files: &[std::path::PathBuf],
    label_bytes: usize,
    classes: u8,
    mean: &[f64; 3],
    std: &[f64; 3],
) -> Result<ImageSet, DataError> {
    let record = label_bytes + PIXELS;
    let (mut labels, mut pixels) = (Vec::new(), Vec::new());
    for path in files {
        let bytes = std::fs::read(path).map_err(|source| DataError::Io {
            path: path.clone(),
            source,
        })?;
        if bytes.is_empty() || bytes.len() % record != 0 {
            return Err(DataError::format(
                path,
                format!(
                    "{} bytes is not a whole number of {record}-byte records",
                    bytes.len()
                ),
            ));
        }
        for (i, r) in bytes.chunks_exact(record).enumerate() {
            let label = r[label_bytes - 1];
            if label >= classes {
                return Err(DataError::format(
                    path,
                    format!("record {i} has label {label}, outside the {classes} classes"),
                ));
            }
            labels.push(label as i64);
            pixels.extend_from_slice(&r[label_bytes..]);
        }
    }
    let n = labels.len() as i64;
    Ok(ImageSet {
        pixels: Tensor::from_slice(&pixels).view([n, 3, 32, 32]),
        labels: Tensor::from_slice(&labels).to_kind(Kind::Int64),
        classes: classes as i64,
        mean: mean.to_vec(),
        std: std.to_vec(),
    })
}
