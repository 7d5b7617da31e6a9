//! Image datasets by name, as the command line (`--data fashion-mnist`) and experiments
//! (`data fashion_mnist(..)`) name them.

use super::{cifar, fashion_mnist, DataError, ImageSet};
use std::path::{Path, PathBuf};

/// The dataset names understood, as the command line writes them.
pub const NAMES: [&str; 4] = ["fashion-mnist", "mnist", "cifar10", "cifar100"];

/// The training and test sets of dataset `name` (`fashion-mnist` or `fashion_mnist`, `mnist`,
/// `cifar10`, `cifar100`) read from `dir`; Fashion-MNIST defaults to its usual folder
/// (`NAS_FASHION_MNIST`, else Debian's package), the others need a folder.
pub fn load_image_data(name: &str, dir: Option<&Path>) -> Result<(ImageSet, ImageSet), String> {
    let need_dir = || {
        dir.map(Path::to_path_buf)
            .ok_or(format!("the data `{name}` needs a folder"))
    };
    let canonical = name.replace('_', "-");
    let (train, test) = match canonical.as_str() {
        "fashion-mnist" => {
            let dir = dir.map_or_else(crate::paths::fashion_mnist_dir, PathBuf::from);
            let d = fashion_mnist::load_fashion_mnist(&dir).map_err(describe)?;
            (d.train, d.test)
        }
        "mnist" => {
            let d = fashion_mnist::load_mnist(&need_dir()?).map_err(describe)?;
            (d.train, d.test)
        }
        "cifar10" => {
            let d = cifar::load_cifar10(&need_dir()?).map_err(describe)?;
            (d.train, d.test)
        }
        "cifar100" => {
            let d = cifar::load_cifar100(&need_dir()?).map_err(describe)?;
            (d.train, d.test)
        }
        other => {
            return Err(format!(
                "unknown data `{other}` (expected {})",
                NAMES.join(", ")
            ))
        }
    };
    Ok((train, test))
}

/// A data error with its hint on a second line.
pub fn describe(e: DataError) -> String {
    match e.hint() {
        Some(hint) => format!("{e}\n  hint: {hint}"),
        None => e.to_string(),
    }
}
