//! The plan's parts: the history of outputs, which of them a cell reads, how each is brought
//! to the cell's channels, and where a cell's edges run.

use super::size::{self, SizeError};

/// The outputs a pipeline's next steps may read, oldest first: a layer's output starts it
/// afresh, a cell's joins it, and at most `keep` are kept (the most inputs any cell reads).
#[derive(Debug, Clone)]
pub struct History<T> {
    items: Vec<T>,
    keep: usize,
}

impl<T> History<T> {
    /// A history holding the network's input, keeping at most `keep` (at least 1) outputs.
    pub fn new(input: T, keep: usize) -> History<T> {
        History {
            items: vec![input],
            keep: keep.max(1),
        }
    }

    /// The newest output.
    pub fn newest(&self) -> &T {
        &self.items[self.items.len() - 1]
    }

    /// The newest output, to be replaced (a repetition's merged result over its depths).
    pub fn newest_mut(&mut self) -> &mut T {
        let last = self.items.len() - 1;
        &mut self.items[last]
    }

    /// The outputs kept, oldest first (never empty).
    pub fn as_slice(&self) -> &[T] {
        &self.items
    }

    /// Records a layer's output: the history starts afresh from it.
    pub fn layer(&mut self, out: T) {
        self.items.clear();
        self.items.push(out);
    }

    /// Records a cell's output, dropping the oldest beyond `keep`.
    pub fn cell(&mut self, out: T) {
        self.items.push(out);
        if self.items.len() > self.keep {
            self.items.remove(0);
        }
    }

    /// What a cell with `k` inputs reads, oldest first (see [`reads`]).
    pub fn reads(&self, k: usize) -> impl Iterator<Item = &T> {
        reads(self.items.len(), k).map(|j| &self.items[j])
    }

    /// The newest output, the history given up.
    pub fn into_newest(mut self) -> T {
        self.items.pop().expect("a history is never empty")
    }
}

impl<T: Clone> History<T> {
    /// A history of `items` (oldest first; the last `keep` of them kept), or of `fallback`
    /// alone when there are none.
    pub fn of(items: &[T], keep: usize, fallback: T) -> History<T> {
        let keep = keep.max(1);
        let items = match items {
            [] => vec![fallback],
            _ => items[items.len().saturating_sub(keep)..].to_vec(),
        };
        History { items, keep }
    }
}

/// Which of `n` outputs (oldest first) a cell with `k` inputs reads, oldest first: the last
/// `k`, the oldest repeated where there are fewer than `k`.
pub fn reads(n: usize, k: usize) -> impl Iterator<Item = usize> {
    (0..k).map(move |j| (n + j).saturating_sub(k))
}

/// What the plan needs to know of an output the compiler builds on: its channels and how many
/// times smaller than the network's input image it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Feature {
    /// Its channels.
    pub channels: i64,
    /// How many times smaller than the input image it is.
    pub scale: i64,
}

impl Feature {
    /// The output of a step with `channels` channels and spatial stride `stride` on this one.
    pub fn after(self, channels: i64, stride: i64) -> Result<Feature, SizeError> {
        Ok(Feature {
            channels,
            scale: size::mul(self.scale, stride.max(1))?,
        })
    }
}

/// How an output's resolution compares with the newest output a cell reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// The same.
    Same,
    /// Twice as large (one stride-2 step older).
    Double,
    /// Anything else.
    Other,
}

/// What one of a cell's inputs goes through before the cell's nodes read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pre {
    /// Nothing (a cell with one input).
    Keep,
    /// ReLU, a 1×1 convolution to the cell's channels, batch norm.
    ReluConvBn,
    /// A factorized reduce to the cell's channels (halving the resolution).
    FactorizedReduce,
}

/// What a caller's view of an output tells the plan.
pub trait Wired: Copy {
    /// How this output's resolution compares with `newest`'s (`None` when unknown).
    fn resolution(self, newest: Self) -> Option<Resolution>;
    /// This output after preprocessing: `channels` channels (`None`: unknown) at `newest`'s
    /// resolution.
    fn preprocessed(self, channels: Option<i64>, newest: Self) -> Self;
}

impl Wired for Feature {
    fn resolution(self, newest: Feature) -> Option<Resolution> {
        Some(if self.scale == newest.scale {
            Resolution::Same
        } else if self.scale.checked_mul(2) == Some(newest.scale) {
            Resolution::Double
        } else {
            Resolution::Other
        })
    }

    fn preprocessed(self, channels: Option<i64>, newest: Feature) -> Feature {
        Feature {
            channels: channels.unwrap_or(self.channels),
            scale: newest.scale,
        }
    }
}

/// One input of a cell as the plan wires it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellInput<T> {
    /// Which output it reads: its index in the history given to [`cell_inputs`].
    pub read: usize,
    /// What it goes through (`None` when its resolution is unknown, a checker's case).
    pub pre: Option<Pre>,
    /// What the cell's nodes see.
    pub shape: T,
}

/// Why a cell cannot be wired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WiringError {
    /// An input is neither at the newest input's resolution nor at twice it.
    #[error("the cell's inputs differ in resolution by more than a factor of 2")]
    Resolution {
        /// Which input (0 for the oldest).
        input: usize,
    },
}

/// The inputs of a cell with `k` inputs and `channels` channels (its first argument; `None`
/// when unknown) reading `history` (oldest first): which output each reads, its
/// preprocessing, and what the cell's nodes see (none from an empty history).
pub fn cell_inputs<T: Wired>(
    history: &[T],
    k: usize,
    channels: Option<i64>,
) -> Result<Vec<CellInput<T>>, WiringError> {
    if history.is_empty() {
        return Ok(Vec::new());
    }
    let read: Vec<usize> = reads(history.len(), k).collect();
    let Some(&newest) = read.last().map(|&j| &history[j]) else {
        return Ok(Vec::new());
    };
    read.iter()
        .enumerate()
        .map(|(input, &j)| {
            let shape = history[j];
            if k < 2 {
                return Ok(CellInput {
                    read: j,
                    pre: Some(Pre::Keep),
                    shape,
                });
            }
            let pre = match shape.resolution(newest) {
                Some(Resolution::Same) => Some(Pre::ReluConvBn),
                Some(Resolution::Double) => Some(Pre::FactorizedReduce),
                Some(Resolution::Other) => return Err(WiringError::Resolution { input }),
                None => None,
            };
            Ok(CellInput {
                read: j,
                pre,
                shape: shape.preprocessed(channels, newest),
            })
        })
        .collect()
}

/// The cell parameter whose value is the stride of the edges that read the cell's inputs.
pub const STRIDE: &str = "stride";

/// Where a cell's edges run: the cell's `inputs`, its `stride` and the `scale` of its inputs
/// after preprocessing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellFrame {
    /// How many inputs the cell has (its vertices `0..inputs`).
    pub inputs: usize,
    /// The stride of edges that read an input (1 but in a reduction cell).
    pub stride: i64,
    /// How many times smaller than the network's input its inputs are.
    pub scale: i64,
}

/// Where one edge runs: its stride and the scale of the map it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    /// Its spatial stride.
    pub stride: i64,
    /// How many times smaller than the network's input its input is.
    pub scale: i64,
}

impl CellFrame {
    /// Where an edge from vertex `from` runs: at the cell's stride from an input, else at
    /// stride 1 on maps `stride` times smaller.
    pub fn edge(&self, from: usize) -> Result<Edge, SizeError> {
        Ok(if from < self.inputs {
            Edge {
                stride: self.stride,
                scale: self.scale,
            }
        } else {
            Edge {
                stride: 1,
                scale: self.output_scale()?,
            }
        })
    }

    /// The scale of the cell's nodes and output.
    pub fn output_scale(&self) -> Result<i64, SizeError> {
        size::mul(self.scale, self.stride.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(channels: i64, scale: i64) -> Feature {
        Feature { channels, scale }
    }

    #[test]
    fn darts_first_cell_reads_the_stem_twice() {
        let mut h = History::new(at(3, 1), 2);
        h.layer(at(48, 1));
        let wired = cell_inputs(h.as_slice(), 2, Some(16)).unwrap();
        assert_eq!(wired.iter().map(|w| w.read).collect::<Vec<_>>(), [0, 0]);
        assert!(wired.iter().all(|w| w.pre == Some(Pre::ReluConvBn)));
        assert!(wired.iter().all(|w| w.shape == at(16, 1)));
    }

    #[test]
    fn after_a_reduction_the_older_input_is_factorized_reduced() {
        let mut h = History::new(at(3, 1), 2);
        h.layer(at(48, 1));
        h.cell(at(64, 1));
        h.cell(at(128, 2));
        let wired = cell_inputs(h.as_slice(), 2, Some(32)).unwrap();
        assert_eq!(wired[0].pre, Some(Pre::FactorizedReduce));
        assert_eq!(wired[1].pre, Some(Pre::ReluConvBn));
        assert!(wired.iter().all(|w| w.shape == at(32, 2)));
    }

    #[test]
    fn inputs_four_times_apart_are_an_error() {
        let h = [at(16, 1), at(32, 4)];
        assert_eq!(
            cell_inputs(&h, 2, Some(8)),
            Err(WiringError::Resolution { input: 0 })
        );
    }

    #[test]
    fn a_one_input_cell_reads_the_newest_as_it_is() {
        let h = [at(16, 1), at(32, 2)];
        let wired = cell_inputs(&h, 1, Some(8)).unwrap();
        assert_eq!(wired.len(), 1);
        assert_eq!(wired[0].read, 1);
        assert_eq!(wired[0].pre, Some(Pre::Keep));
        assert_eq!(wired[0].shape, at(32, 2));
    }

    #[test]
    fn a_reduction_cell_strides_only_the_edges_from_its_inputs() {
        let frame = CellFrame {
            inputs: 2,
            stride: 2,
            scale: 4,
        };
        assert_eq!(
            frame.edge(1),
            Ok(Edge {
                stride: 2,
                scale: 4
            })
        );
        assert_eq!(
            frame.edge(2),
            Ok(Edge {
                stride: 1,
                scale: 8
            })
        );
        assert_eq!(frame.output_scale(), Ok(8));
        let huge = CellFrame {
            inputs: 1,
            stride: 2,
            scale: i64::MAX,
        };
        assert!(huge.output_scale().is_err());
        assert!(at(1, i64::MAX).after(1, 2).is_err());
    }

    proptest! {
        #[test]
        fn reads_are_the_last_k_oldest_first(n in 1usize..12, k in 1usize..12) {
            let read: Vec<usize> = reads(n, k).collect();
            prop_assert_eq!(read.len(), k);
            prop_assert_eq!(read[k - 1], n - 1);
            prop_assert!(read.windows(2).all(|w| w[0] <= w[1]));
            prop_assert!(read.iter().all(|&j| j < n));
            // Distinct where there are enough outputs; the oldest repeated where not.
            if n >= k {
                prop_assert!(read.windows(2).all(|w| w[0] + 1 == w[1]));
            } else {
                prop_assert_eq!(read.iter().filter(|&&j| j == 0).count(), k - n + 1);
            }
        }

        #[test]
        fn a_history_keeps_what_its_cells_may_read(
            steps in proptest::collection::vec((any::<bool>(), 0i64..100), 0..30),
            keep in 1usize..5,
        ) {
            let mut h = History::new(-1i64, keep);
            let mut all = vec![-1i64];
            for (is_cell, value) in steps {
                if is_cell {
                    h.cell(value);
                    all.push(value);
                } else {
                    h.layer(value);
                    all = vec![value];
                }
                prop_assert!(h.as_slice().len() <= keep);
                prop_assert_eq!(*h.newest(), value);
                // A cell of up to `keep` inputs reads what it would from the unbounded list.
                for k in 1..=keep {
                    let kept: Vec<i64> = h.reads(k).copied().collect();
                    let full: Vec<i64> = reads(all.len(), k).map(|j| all[j]).collect();
                    prop_assert_eq!(kept, full);
                }
            }
        }

        #[test]
        fn preprocessed_inputs_all_meet_the_newest(
            scales in proptest::collection::vec(0u32..3, 1..6),
            k in 2usize..5,
            c in 1i64..64,
        ) {
            // Resolutions only ever shrink along a pipeline.
            let mut scale = 1;
            let mut h = Vec::new();
            for s in scales {
                scale *= 1 << s;
                h.push(at(7, scale));
            }
            if let Ok(wired) = cell_inputs(&h, k, Some(c)) {
                let newest = h[h.len() - 1];
                for w in &wired {
                    prop_assert_eq!(w.shape, at(c, newest.scale));
                    let from = h[w.read].scale;
                    let expect = if from == newest.scale { Pre::ReluConvBn } else { Pre::FactorizedReduce };
                    prop_assert_eq!(w.pre, Some(expect));
                }
            }
        }
    }
}
