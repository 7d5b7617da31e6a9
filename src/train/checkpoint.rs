//! Checkpoints: every named variable of a store (parameters and batch-norm statistics) to and
//! from a safetensors file, under its path in the architecture.

use std::path::Path;
use tch::nn::VarStore;
use tch::{TchError, Tensor};

fn check_extension(path: &Path) -> Result<(), TchError> {
    if path.extension().and_then(|e| e.to_str()) == Some("safetensors") {
        Ok(())
    } else {
        Err(TchError::FileFormat(format!(
            "{}: checkpoints are safetensors files and must end in `.safetensors`",
            path.display()
        )))
    }
}

/// Writes all variables of `vs` to `path` (which must end in `.safetensors`).
pub fn save(vs: &VarStore, path: &Path) -> Result<(), TchError> {
    check_extension(path)?;
    // Variables may be laid out channels-last; the file holds plain row-major copies.
    let mut named = vs
        .variables()
        .into_iter()
        .map(|(name, t)| Ok((name, t.f_contiguous()?)))
        .collect::<Result<Vec<_>, TchError>>()?;
    named.sort_by(|a, b| a.0.cmp(&b.0));
    Tensor::write_safetensors(&named, path)
}

/// Loads `path` into the variables of `vs`; every variable must be in the file with its shape.
pub fn load(vs: &mut VarStore, path: &Path) -> Result<(), TchError> {
    check_extension(path)?;
    vs.load(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::norm::BatchNorm;
    use tch::{Device, Kind};

    #[test]
    fn round_trips_parameters_and_statistics_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("net.safetensors");
        let vs = VarStore::new(Device::Cpu);
        let _bn = BatchNorm::new(&(vs.root() / "stem" / "bn"), 3, true).unwrap();
        let mut stats = vs.variables()["stem.bn.running_mean"].shallow_clone();
        tch::no_grad(|| stats.copy_(&Tensor::from_slice(&[1.0f32, 2.0, 3.0])));
        save(&vs, &file).unwrap();
        let named = Tensor::read_safetensors(&file).unwrap();
        let mut names: Vec<_> = named.iter().map(|(n, _)| n.clone()).collect();
        names.sort();
        assert_eq!(
            names,
            [
                "stem.bn.bias",
                "stem.bn.running_mean",
                "stem.bn.running_var",
                "stem.bn.weight"
            ]
        );

        let mut other = VarStore::new(Device::Cpu);
        let _bn2 = BatchNorm::new(&(other.root() / "stem" / "bn"), 3, true).unwrap();
        load(&mut other, &file).unwrap();
        let loaded = other.variables()["stem.bn.running_mean"].shallow_clone();
        assert_eq!(loaded.sum(Kind::Float).double_value(&[]), 6.0);

        let mut wrong = VarStore::new(Device::Cpu);
        let _bn3 = BatchNorm::new(&(wrong.root() / "stem" / "bn"), 4, true).unwrap();
        assert!(load(&mut wrong, &file).is_err());
        assert!(save(&vs, &dir.path().join("net.pt")).is_err());
    }
}
