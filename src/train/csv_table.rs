//! CSV tables of numbers: a header row naming the columns, then one example per row; one
//! column is the target (a class index or a value to regress), the others are the features.

use super::DataError;
use std::path::Path;
use tch::{Kind, Tensor};

/// A numeric table split into features and a target.
#[derive(Debug)]
pub struct CsvTable {
    /// The feature columns' names, in order.
    pub columns: Vec<String>,
    /// `[N, D]` float features.
    pub features: Tensor,
    /// `[N]` target values (float; [`CsvTable::class_labels`] turns them into classes).
    pub target: Tensor,
}

impl CsvTable {
    /// The number of rows.
    pub fn len(&self) -> i64 {
        self.target.size()[0]
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The target as int64 class labels, when every value is a non-negative integer.
    pub fn class_labels(&self) -> Option<Tensor> {
        let values = Vec::<f64>::try_from(&self.target).ok()?;
        values
            .iter()
            .all(|v| v.fract() == 0.0 && *v >= 0.0)
            .then(|| self.target.to_kind(Kind::Int64))
    }
}

/// Reads `path` with `target` as the target column.
pub fn read_csv(path: &Path, target: &str) -> Result<CsvTable, DataError> {
    let text = std::fs::read_to_string(path).map_err(|source| DataError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_csv(&text, target).map_err(|m| DataError::format(path, m))
}

/// Parses CSV text (comma-separated, no quoting) with `target` as the target column.
pub fn parse_csv(text: &str, target: &str) -> Result<CsvTable, String> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines.next().ok_or("the table is empty")?;
    let names: Vec<String> = header.split(',').map(|h| h.trim().to_string()).collect();
    let t = names
        .iter()
        .position(|n| n == target)
        .ok_or_else(|| format!("no column `{target}` (columns: {})", names.join(", ")))?;
    let (mut features, mut targets) = (Vec::new(), Vec::new());
    for (i, line) in lines {
        let cells: Vec<&str> = line.split(',').collect();
        if cells.len() != names.len() {
            return Err(format!(
                "line {}: {} cells, the header has {}",
                i + 1,
                cells.len(),
                names.len()
            ));
        }
        for (j, cell) in cells.iter().enumerate() {
            let v: f64 = cell.trim().parse().map_err(|_| {
                format!(
                    "line {}: `{}` in column `{}` is not a number",
                    i + 1,
                    cell.trim(),
                    names[j]
                )
            })?;
            if j == t {
                targets.push(v);
            } else {
                features.push(v as f32);
            }
        }
    }
    let n = targets.len() as i64;
    let d = names.len() as i64 - 1;
    let mut columns = names;
    columns.remove(t);
    Ok(CsvTable {
        columns,
        features: Tensor::from_slice(&features).view([n, d]),
        target: Tensor::from_slice(&targets),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_features_and_target_and_reports_bad_cells() {
        let t = parse_csv("a,label,b\n1,0,2\n3.5,2,4\n\n", "label").unwrap();
        assert_eq!(t.columns, ["a", "b"]);
        assert_eq!(t.features.size(), [2, 2]);
        assert_eq!(t.features.double_value(&[1, 0]), 3.5);
        assert_eq!(t.class_labels().unwrap().int64_value(&[1]), 2);
        let e = parse_csv("a,y\n1,x\n", "y").unwrap_err();
        assert!(e.contains("line 2") && e.contains("`x`"), "{e}");
        assert!(parse_csv("a,y\n1\n", "y").unwrap_err().contains("1 cells"));
        assert!(parse_csv("a,y\n", "z")
            .unwrap_err()
            .contains("no column `z`"));
        let reg = parse_csv("x,y\n1,0.5\n", "y").unwrap();
        assert!(reg.class_labels().is_none());
    }
}
