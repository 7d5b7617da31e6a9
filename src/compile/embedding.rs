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

impl Embedding {
    /// The table `[vocab, dim]`, shared (a tied decoder's weight).
    pub fn weight(&self) -> Tensor {
        self.weight.shallow_clone()
    }

    /// Token ids `[B, T]` (or `[B, T, 1]`) to vectors, with each word (row of the table)
    /// dropped with probability `p`, the kept ones scaled by 1/(1 − p) (AWD-LSTM's embedding
    /// dropout; `p` = 0: the plain lookup).
    pub fn forward_dropping(&self, xs: &Tensor, p: f64) -> Result<Tensor, TchError> {
        if !(0.0..1.0).contains(&p) {
            return Err(TchError::Kind(format!(
                "embedding dropout {p} is outside [0, 1)"
            )));
        }
        let ids = match xs.size().as_slice() {
            [_, _, 1] => xs.f_squeeze_dim(-1)?,
            _ => xs.shallow_clone(),
        };
        if p == 0.0 {
            return Tensor::f_embedding(&self.weight, &ids, -1, false, false);
        }
        let vocab = self.weight.size()[0];
        let keep = 1.0 - p;
        let mask = Tensor::f_empty([vocab, 1], (self.weight.kind(), self.weight.device()))?
            .f_bernoulli_float_(keep)?
            .f_div_scalar(keep)?;
        Tensor::f_embedding(&self.weight.f_mul(&mask)?, &ids, -1, false, false)
    }
}

impl Layer for Embedding {
    /// Token ids `[B, T]` (or `[B, T, 1]`) to vectors `[B, T, dim]`.
    fn forward(&self, xs: &Tensor, _train: bool) -> Result<Tensor, TchError> {
        self.forward_dropping(xs, 0.0)
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

    #[test]
    fn embedding_dropout_drops_whole_words() {
        let vs = nn::VarStore::new(Device::Cpu);
        let e = Embedding::new(&(vs.root() / "emb"), 200, 6).unwrap();
        let ids = Tensor::arange(200, (Kind::Int64, Device::Cpu))
            .repeat([2])
            .view([2, 200]);
        let plain = e.forward(&ids, true).unwrap();
        assert!(e.forward_dropping(&ids, 0.0).unwrap().equal(&plain));
        let dropped = e.forward_dropping(&ids, 0.5).unwrap();
        // Each word is either gone or scaled by 2, wherever it occurs.
        let ratio = (&dropped / &plain).mean_dim(-1, false, Kind::Float);
        let words: Vec<f64> = Vec::try_from(ratio.get(0)).unwrap();
        assert!(words
            .iter()
            .all(|r| (r - 0.0).abs() < 1e-5 || (r - 2.0).abs() < 1e-5));
        assert!(ratio.get(0).allclose(&ratio.get(1), 1e-5, 1e-5, false));
        let gone = words.iter().filter(|r| r.abs() < 1e-5).count();
        assert!((50..150).contains(&gone), "{gone} of 200");
        assert!(e.forward_dropping(&ids, 1.0).is_err());
    }
}
