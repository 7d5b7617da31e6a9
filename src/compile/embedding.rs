//! Token embeddings: a lookup table from token ids to vectors (a language model's first
//! layer).

use super::describe::Module;
use super::error::CompileError;
use super::layer::Layer;
use tch::nn::{self, Init};
use tch::{TchError, Tensor};

/// `vocab` vectors of `dim` features, looked up by token id, initialised as PyTorch's
/// `nn.Embedding` (standard normal).
#[derive(Debug)]
pub struct Embedding {
    weight: Tensor,
}

impl Embedding {
    /// Registers `weight` `[vocab, dim]` under `p`.
    pub fn new(p: &nn::Path, vocab: i64, dim: i64) -> Result<Self, CompileError> {
        if vocab < 1 || dim < 1 {
            return Err(CompileError::bad_op(
                p,
                "embedding",
                format!("vocabulary {vocab} and width {dim} must be positive"),
            ));
        }
        let weight = p.f_var(
            "weight",
            &[vocab, dim],
            Init::Randn {
                mean: 0.0,
                stdev: 1.0,
            },
        )?;
        Ok(Embedding { weight })
    }
}

impl Layer for Embedding {
    /// Token ids `[B, T]` (or `[B, T, 1]`) to vectors `[B, T, dim]`.
    fn forward(&self, xs: &Tensor, _train: bool) -> Result<Tensor, TchError> {
        let ids = match xs.size().as_slice() {
            [_, _, 1] => xs.f_squeeze_dim(-1)?,
            _ => xs.shallow_clone(),
        };
        Tensor::f_embedding(&self.weight, &ids, -1, false, false)
    }

    fn describe(&self) -> Module {
        let size = self.weight.size();
        Module::Embedding {
            vocab: size[0],
            dim: size[1],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    #[test]
    fn ids_become_vectors_and_bad_ids_are_errors() {
        let vs = nn::VarStore::new(Device::Cpu);
        let e = Embedding::new(&(vs.root() / "emb"), 10, 4).unwrap();
        let ids = Tensor::from_slice(&[1i64, 2, 3, 9, 0, 0]).view([2, 3]);
        assert_eq!(e.forward(&ids, false).unwrap().size(), [2, 3, 4]);
        assert_eq!(
            e.forward(&ids.unsqueeze(-1), false).unwrap().size(),
            [2, 3, 4]
        );
        let bad = Tensor::from_slice(&[10i64]).view([1, 1]);
        assert!(e.forward(&bad, false).is_err());
        assert_eq!(ids.kind(), Kind::Int64);
    }
}
