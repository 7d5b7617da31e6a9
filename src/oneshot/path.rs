//! Single architectures of the NAS-Bench-201 cell as the supernet sees them: one op per edge,
//! edges in the benchmark's string order, and the conversion to and from the benchmark's
//! genotype (`|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`).

use crate::compile::nb201::{Nb201Genotype, Nb201Op};

/// The cell's edges `(to, from)` in the order of the benchmark's string (and of α's rows).
pub const EDGES: [(usize, usize); 6] = [(1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2)];

/// The number of candidate ops on an edge (α's columns, in [`Nb201Op::ALL`]'s order).
pub const OPS: usize = 5;

/// One op per edge, in [`EDGES`] order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellPath(pub [Nb201Op; 6]);

impl CellPath {
    /// The path whose edge `e` runs op number `ops[e]` of [`Nb201Op::ALL`].
    pub fn from_indices(ops: [usize; 6]) -> Option<CellPath> {
        let mut out = [Nb201Op::None; 6];
        for (slot, &k) in out.iter_mut().zip(&ops) {
            *slot = *Nb201Op::ALL.get(k)?;
        }
        Some(CellPath(out))
    }

    /// The index in [`Nb201Op::ALL`] of each edge's op.
    pub fn indices(&self) -> [usize; 6] {
        self.0.map(op_index)
    }

    /// The benchmark's genotype of this cell.
    pub fn genotype(&self) -> Nb201Genotype {
        let mut nodes: Vec<Vec<Nb201Op>> = (1..=3).map(|j| vec![Nb201Op::None; j]).collect();
        for (&(to, from), &op) in EDGES.iter().zip(&self.0) {
            nodes[to - 1][from] = op;
        }
        Nb201Genotype { nodes }
    }

    /// The path of a genotype of the benchmark's 4-vertex cell; `None` for other cell sizes.
    pub fn from_genotype(genotype: &Nb201Genotype) -> Option<CellPath> {
        let mut out = [Nb201Op::None; 6];
        for (slot, &(to, from)) in out.iter_mut().zip(&EDGES) {
            *slot = *genotype.nodes.get(to - 1)?.get(from)?;
        }
        (genotype.nodes.len() == 3).then_some(CellPath(out))
    }
}

impl std::fmt::Display for CellPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.genotype().fmt(f)
    }
}

/// The index of `op` in [`Nb201Op::ALL`].
pub fn op_index(op: Nb201Op) -> usize {
    Nb201Op::ALL.iter().position(|&o| o == op).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_round_trip_through_the_benchmark_string() {
        let text = "|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|none~0|nor_conv_1x1~1|nor_conv_3x3~2|";
        let g = Nb201Genotype::parse(text).unwrap();
        let path = CellPath::from_genotype(&g).unwrap();
        assert_eq!(path.indices(), [3, 1, 4, 0, 2, 3]);
        assert_eq!(path.to_string(), text);
        assert_eq!(CellPath::from_indices(path.indices()), Some(path));
        assert_eq!(CellPath::from_indices([5, 0, 0, 0, 0, 0]), None);
        let small = Nb201Genotype::parse("|none~0|+|none~0|none~1|").unwrap();
        assert_eq!(CellPath::from_genotype(&small), None);
    }
}
