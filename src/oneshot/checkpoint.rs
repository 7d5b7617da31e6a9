//! A one-shot search's checkpoint file: named tensors (the supernet's variables, α and β, the
//! optimisers' buffers, the random generator's state) and a JSON value with everything else
//! (schedule position, data streams' positions, generators' positions, what the script
//! keeps), in one file replaced atomically ([`crate::paths::write_atomic`]), so a kill at any
//! moment leaves the previous checkpoint or the new one.
//!
//! Layout: the line `nas-oneshot-checkpoint 1`, one line of JSON, then libtorch's stream of
//! named tensors (the format of PyTorch's C++ `torch::save`).

use super::OneShotError;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::Cursor;
use std::path::Path;
use tch::Tensor;

/// The first line of every checkpoint file.
const MAGIC: &str = "nas-oneshot-checkpoint 1";

/// The position of a ChaCha8 generator: its seed, stream and word position, from which it
/// continues exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RngState {
    seed: [u8; 32],
    stream: u64,
    /// The word position (a 68-bit number, as text: JSON numbers stop at 64 bits).
    word: String,
}

impl RngState {
    /// Where `rng` is.
    pub fn of(rng: &ChaCha8Rng) -> RngState {
        RngState {
            seed: rng.get_seed(),
            stream: rng.get_stream(),
            word: rng.get_word_pos().to_string(),
        }
    }

    /// A generator at this position.
    pub fn rng(&self) -> Result<ChaCha8Rng, OneShotError> {
        let word: u128 = self.word.parse().map_err(|_| {
            OneShotError::Config(format!(
                "a saved generator position `{}` is not a number",
                self.word
            ))
        })?;
        let mut rng = ChaCha8Rng::from_seed(self.seed);
        rng.set_stream(self.stream);
        rng.set_word_pos(word);
        Ok(rng)
    }
}

/// What one checkpoint holds.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// Everything that is not a tensor.
    pub meta: serde_json::Value,
    /// The tensors, by name.
    pub tensors: HashMap<String, Tensor>,
}

impl Snapshot {
    /// The tensor `name`, which a checkpoint of this kind must have.
    pub fn tensor(&self, name: &str) -> Result<&Tensor, OneShotError> {
        self.tensors
            .get(name)
            .ok_or_else(|| corrupt(format!("it has no tensor `{name}`")))
    }

    /// Writes it to `path` atomically (the folder is created when missing).
    pub fn write(&self, path: &Path) -> Result<(), OneShotError> {
        let fail = |e: String| {
            OneShotError::Config(format!(
                "cannot write the checkpoint {}: {e}",
                path.display()
            ))
        };
        let mut bytes = format!("{MAGIC}\n{}\n", self.meta).into_bytes();
        let mut named: Vec<(&String, Tensor)> = Vec::with_capacity(self.tensors.len());
        for (name, t) in &self.tensors {
            named.push((name, t.f_contiguous().map_err(|e| fail(e.to_string()))?));
        }
        named.sort_by(|a, b| a.0.cmp(b.0));
        Tensor::save_multi_to_stream(&named, &mut bytes).map_err(|e| fail(e.to_string()))?;
        crate::paths::write_atomic(path, &bytes).map_err(|e| fail(e.to_string()))
    }

    /// Reads the checkpoint at `path` (its tensors on the CPU).
    pub fn read(path: &Path) -> Result<Snapshot, OneShotError> {
        let bytes = std::fs::read(path).map_err(|e| {
            OneShotError::Config(format!(
                "cannot read the checkpoint {}: {e}",
                path.display()
            ))
        })?;
        let named = |e: String| OneShotError::Config(format!("{}: {e}", path.display()));
        let mut lines = bytes.splitn(3, |&b| b == b'\n');
        if lines.next() != Some(MAGIC.as_bytes()) {
            return Err(named(corrupt("it does not start like one").to_string()));
        }
        let meta = lines
            .next()
            .and_then(|line| serde_json::from_slice(line).ok())
            .ok_or_else(|| named(corrupt("its state line is not JSON").to_string()))?;
        let rest = lines.next().unwrap_or_default();
        let tensors = Tensor::load_multi_from_stream(Cursor::new(rest))
            .map_err(|e| named(corrupt(format!("its tensors cannot be read: {e}")).to_string()))?;
        Ok(Snapshot {
            meta,
            tensors: tensors.into_iter().collect(),
        })
    }
}

/// The error of a checkpoint that is not what this version writes.
pub fn corrupt(why: impl std::fmt::Display) -> OneShotError {
    OneShotError::Config(format!("not a usable one-shot checkpoint: {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;
    use tch::{Device, Kind};

    #[test]
    fn a_snapshot_round_trips_its_tensors_and_state_and_a_generator_its_position() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.ckpt");
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let _: u64 = rng.random();
        let snapshot = Snapshot {
            meta: serde_json::json!({ "epoch": 2, "rng": RngState::of(&rng) }),
            tensors: [
                (
                    "net.a.weight".to_string(),
                    Tensor::from_slice(&[1.5f32, -2.0]),
                ),
                (
                    "alpha".to_string(),
                    Tensor::ones([2, 3], (Kind::Double, Device::Cpu)),
                ),
            ]
            .into_iter()
            .collect(),
        };
        snapshot.write(&path).unwrap();
        let back = Snapshot::read(&path).unwrap();
        assert_eq!(back.meta["epoch"], 2);
        let w = back.tensor("net.a.weight").unwrap();
        assert_eq!(Vec::<f32>::try_from(w).unwrap(), [1.5, -2.0]);
        assert_eq!(back.tensor("alpha").unwrap().size(), [2, 3]);
        assert!(back.tensor("beta").is_err());
        let state: RngState = serde_json::from_value(back.meta["rng"].clone()).unwrap();
        let mut again = state.rng().unwrap();
        assert_eq!(rng.random::<u64>(), again.random::<u64>());
        std::fs::write(&path, b"something else\n{}\n").unwrap();
        let err = Snapshot::read(&path).unwrap_err();
        assert!(err.to_string().contains("not a usable"), "{err}");
        assert!(Snapshot::read(&dir.path().join("missing")).is_err());
    }
}
