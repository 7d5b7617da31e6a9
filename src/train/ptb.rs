//! Penn Treebank for language modelling: whitespace-separated words, one sentence per line,
//! each line ending in `<eos>`; the vocabulary comes from the training split. Batches follow
//! the usual layout: the token stream cut into `batch` parallel rows, read in windows of
//! `bptt` steps.

use super::DataError;
use std::collections::HashMap;
use std::path::Path;
use tch::{TchError, Tensor};

/// The end-of-sentence token.
pub const EOS: &str = "<eos>";

/// A corpus: its vocabulary and the three splits as token ids.
#[derive(Debug)]
pub struct Corpus {
    /// Words by id.
    pub vocab: Vec<String>,
    /// `[T]` int64 ids of the training split.
    pub train: Tensor,
    /// `[T]` ids of the validation split.
    pub valid: Tensor,
    /// `[T]` ids of the test split.
    pub test: Tensor,
}

/// Loads `ptb.{train,valid,test}.txt[.gz]` from `dir`.
pub fn load_ptb(dir: &Path) -> Result<Corpus, DataError> {
    let read = |split: &str| -> Result<(std::path::PathBuf, String), DataError> {
        let plain = dir.join(format!("ptb.{split}.txt"));
        let path = crate::paths::existing_data_file(&plain).unwrap_or(plain);
        let text = crate::paths::read_data_text(&path).map_err(|source| DataError::Io {
            path: path.clone(),
            source,
        })?;
        Ok((path, text))
    };
    let (_, train) = read("train")?;
    let (valid_path, valid) = read("valid")?;
    let (test_path, test) = read("test")?;
    let mut vocab = Vec::new();
    let mut ids = HashMap::new();
    let train = encode(&train, |w| {
        Some(*ids.entry(w.to_string()).or_insert_with(|| {
            vocab.push(w.to_string());
            vocab.len() as i64 - 1
        }))
    })
    .unwrap_or_default();
    let lookup = |path: &Path, text: &str| {
        encode(text, |w| ids.get(w).copied()).map_err(|w| {
            DataError::format(
                path,
                format!("word `{w}` is not in the training vocabulary"),
            )
        })
    };
    let valid = lookup(&valid_path, &valid)?;
    let test = lookup(&test_path, &test)?;
    Ok(Corpus {
        vocab,
        train: Tensor::from_slice(&train),
        valid: Tensor::from_slice(&valid),
        test: Tensor::from_slice(&test),
    })
}

/// Token ids of `text` (an `<eos>` after each line); the first unknown word is the error.
fn encode(text: &str, mut id: impl FnMut(&str) -> Option<i64>) -> Result<Vec<i64>, String> {
    let mut out = Vec::new();
    for line in text.lines() {
        for w in line.split_whitespace().chain(std::iter::once(EOS)) {
            out.push(id(w).ok_or_else(|| w.to_string())?);
        }
    }
    Ok(out)
}

/// The stream cut into `batch` rows: `[batch, T/batch]` (the remainder is dropped).
pub fn batchify(tokens: &Tensor, batch: i64) -> Result<Tensor, TchError> {
    let per_row = tokens.size()[0] / batch.max(1);
    tokens
        .f_narrow(0, 0, per_row * batch)?
        .f_view([batch, per_row])
}

/// The window starting at column `start` of a batchified stream: inputs `[B, L]` and the next
/// tokens as targets `[B, L]`, `L = min(bptt, T−1−start)`.
pub fn window(rows: &Tensor, start: i64, bptt: i64) -> Result<(Tensor, Tensor), TchError> {
    let len = bptt.min(rows.size()[1] - 1 - start);
    Ok((
        rows.f_narrow(1, start, len)?,
        rows.f_narrow(1, start + 1, len)?,
    ))
}
