//! Checkpoints: every named variable of a store (parameters and batch-norm statistics) to and
//! from a safetensors file, under its path in the architecture.

use std::path::Path;
use tch::nn::VarStore;
use tch::{Device, Kind, TchError, Tensor};

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

/// Every variable of a store copied out as plain data (name, shape, float32 values, sorted by
/// name), which can cross threads and be written later: what a trial hands back so that its
/// run can keep the weights of the architecture it chooses.
#[derive(Clone, PartialEq)]
pub struct Snapshot(Vec<(String, Vec<i64>, Vec<f32>)>);

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Snapshot({} variables)", self.0.len())
    }
}

impl Snapshot {
    /// The variables of `vs` as they are now.
    pub fn of(vs: &VarStore) -> Result<Snapshot, TchError> {
        let mut vars = Vec::new();
        for (name, t) in vs.variables() {
            let t = t
                .f_to_device(Device::Cpu)?
                .f_to_kind(Kind::Float)?
                .f_contiguous()?;
            vars.push((name, t.size(), Vec::<f32>::try_from(&t.f_flatten(0, -1)?)?));
        }
        vars.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Snapshot(vars))
    }

    /// Writes the snapshot to `path` (which must end in `.safetensors`) as [`save`] writes a
    /// store: to a temporary file beside it, renamed into place, so that a crash never leaves
    /// a half-written file under the name.
    pub fn save(&self, path: &Path) -> Result<(), TchError> {
        check_extension(path)?;
        let named: Vec<(String, Tensor)> = self
            .0
            .iter()
            .map(|(name, shape, values)| {
                (
                    name.clone(),
                    Tensor::from_slice(values).view(shape.as_slice()),
                )
            })
            .collect();
        let tmp = path.with_extension("partial.safetensors");
        Tensor::write_safetensors(&named, &tmp)?;
        std::fs::rename(&tmp, path).map_err(|e| {
            TchError::FileFormat(format!("cannot rename {} into place: {e}", tmp.display()))
        })
    }
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

    #[test]
    fn a_snapshot_writes_what_the_store_held_when_it_was_taken() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("snap.safetensors");
        let vs = VarStore::new(Device::Cpu);
        let _bn = BatchNorm::new(&(vs.root() / "bn"), 2, true).unwrap();
        let mut mean = vs.variables()["bn.running_mean"].shallow_clone();
        tch::no_grad(|| mean.copy_(&Tensor::from_slice(&[4.0f32, 5.0])));
        let snapshot = Snapshot::of(&vs).unwrap();
        tch::no_grad(|| mean.copy_(&Tensor::from_slice(&[0.0f32, 0.0])));
        snapshot.save(&file).unwrap();
        assert!(!dir.path().join("snap.partial.safetensors").exists());
        let mut other = VarStore::new(Device::Cpu);
        let _bn2 = BatchNorm::new(&(other.root() / "bn"), 2, true).unwrap();
        load(&mut other, &file).unwrap();
        let loaded = other.variables()["bn.running_mean"].sum(Kind::Float);
        assert_eq!(loaded.double_value(&[]), 9.0);
        assert!(snapshot.save(&dir.path().join("snap.bin")).is_err());
    }
}
