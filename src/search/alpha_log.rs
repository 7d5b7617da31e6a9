//! The α history of a run's one-shot searches: at each finished epoch, every α row's softmax
//! (one JSON line per supernet and epoch) appended to a file beside the trial store
//! (`runs/x.jsonl` → `runs/x.alphas.jsonl`), so that `nas report` can draw how the
//! architecture weights moved. Lines are appended whole and synced; a line cut short by a
//! kill is skipped when read, and an epoch written again after a resume replaces the earlier
//! line.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The α history file of the store at `store`.
pub fn file(store: &Path) -> PathBuf {
    let mut name = store.file_stem().unwrap_or_default().to_os_string();
    name.push(".alphas.jsonl");
    store.with_file_name(name)
}

/// One α row at one epoch: its name, its ops' labels and their softmax weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlphaRow {
    /// The row's name (an edge, or an input choice).
    pub name: String,
    /// The labels of its ops, in order.
    pub ops: Vec<String>,
    /// The softmax of the row's α, one weight per op.
    pub p: Vec<f64>,
}

/// Every α row of one supernet after one finished epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlphaEpoch {
    /// The run's seed.
    pub seed: u64,
    /// Which of the run's supernets (`supernet0`, …, in the order the script built them).
    pub supernet: String,
    /// Epochs finished (1 after the first).
    pub epoch: u64,
    /// The rows.
    pub rows: Vec<AlphaRow>,
}

/// Appends `record` to the history file `path` as one line, synced.
pub fn append(path: &Path, record: &AlphaEpoch) -> std::io::Result<()> {
    let mut line = serde_json::to_string(record).map_err(std::io::Error::other)?;
    line.push('\n');
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(line.as_bytes())?;
    file.sync_data()
}

/// The history in `path` (empty when there is none), ordered by seed, supernet and epoch; for
/// an epoch written more than once (a run resumed from an earlier checkpoint), the last line.
pub fn read(path: &Path) -> Vec<AlphaEpoch> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    let mut latest = BTreeMap::new();
    for record in text
        .lines()
        .filter_map(|l| serde_json::from_str::<AlphaEpoch>(l).ok())
    {
        latest.insert((record.seed, record.supernet.clone(), record.epoch), record);
    }
    latest.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(seed: u64, epoch: u64, p: f64) -> AlphaEpoch {
        AlphaEpoch {
            seed,
            supernet: "supernet0".into(),
            epoch,
            rows: vec![AlphaRow {
                name: "e0".into(),
                ops: vec!["a".into(), "b".into()],
                p: vec![p, 1.0 - p],
            }],
        }
    }

    #[test]
    fn beside_the_store_and_read_back_in_order_with_the_last_line_of_an_epoch() {
        let dir = tempfile::tempdir().unwrap();
        let path = file(&dir.path().join("x-darts.jsonl"));
        assert_eq!(path, dir.path().join("x-darts.alphas.jsonl"));
        assert!(read(&path).is_empty());
        append(&path, &record(0, 2, 0.25)).unwrap();
        append(&path, &record(0, 1, 0.5)).unwrap();
        // A resumed run writes epoch 2 again; a kill left half a line behind.
        append(&path, &record(0, 2, 0.75)).unwrap();
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(b"{\"seed\":0,\"superne").unwrap();
        let back = read(&path);
        assert_eq!(back, vec![record(0, 1, 0.5), record(0, 2, 0.75)]);
    }
}
