//! The `table` evaluator: a tabular benchmark (any CSV keyed by the canonical architecture
//! string) looked up instead of training, with a simulated cost per evaluation.

use super::csv;
use std::collections::HashMap;

/// The placeholder in a reward column's name that a fidelity replaces (`valid_{fidelity}`).
pub const FIDELITY_SLOT: &str = "{fidelity}";

pub use super::cost::CostModel;

/// Which columns a table evaluation reads.
#[derive(Debug, Clone, PartialEq)]
pub struct TableConfig {
    /// The column holding canonical architecture strings.
    pub key: String,
    /// The reward column; may contain [`FIDELITY_SLOT`] to read a column per fidelity.
    pub reward: String,
    /// The column reported for chosen architectures, if any.
    pub report: Option<String>,
    /// The simulated cost.
    pub cost: CostModel,
}

/// What the table holds for one architecture.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lookup {
    /// The reward.
    pub reward: f64,
    /// The reported value, when the table has one for it.
    pub report: Option<f64>,
    /// The simulated cost in seconds (0 when the table's is not a finite number).
    pub cost: f64,
}

/// A loaded table, ready to answer lookups.
#[derive(Debug, Clone)]
pub struct Table {
    rows: HashMap<String, usize>,
    /// Reward columns by fidelity, ascending; one entry with fidelity `None` when the reward
    /// column has no slot.
    rewards: Vec<(Option<f64>, Vec<f64>)>,
    report: Option<Vec<f64>>,
    cost: Vec<f64>,
    reward_name: String,
}

impl Table {
    /// Reads `text` (CSV with a header) under `config`; the error says which column or line
    /// is wrong and lists the columns there are.
    pub fn from_csv(text: &str, config: &TableConfig) -> Result<Table, String> {
        let table = csv::parse(text)?;
        let column = |name: &str| -> Result<usize, String> {
            table.header.iter().position(|h| h == name).ok_or_else(|| {
                format!(
                    "the table has no column `{name}` (it has: {})",
                    table.header.join(", ")
                )
            })
        };
        let numbers = |index: usize| -> Result<Vec<f64>, String> {
            table
                .rows
                .iter()
                .enumerate()
                .map(|(line, row)| number(&row[index], &table.header[index], line + 2))
                .collect()
        };
        let key = column(&config.key)?;
        let mut rows = HashMap::with_capacity(table.rows.len());
        for (i, row) in table.rows.iter().enumerate() {
            if rows.insert(row[key].clone(), i).is_some() {
                return Err(format!(
                    "line {}: architecture `{}` appears twice",
                    i + 2,
                    row[key]
                ));
            }
        }
        let rewards = match config.reward.split_once(FIDELITY_SLOT) {
            None => vec![(None, numbers(column(&config.reward)?)?)],
            Some((prefix, suffix)) => {
                let mut found = Vec::new();
                for (i, h) in table.header.iter().enumerate() {
                    let middle = h
                        .strip_prefix(prefix)
                        .and_then(|rest| rest.strip_suffix(suffix));
                    if let Some(f) = middle.and_then(|m| m.parse::<f64>().ok()) {
                        found.push((Some(f), numbers(i)?));
                    }
                }
                if found.is_empty() {
                    return Err(format!(
                        "no column matches `{}` (it has: {})",
                        config.reward,
                        table.header.join(", ")
                    ));
                }
                found.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal));
                found
            }
        };
        let report = match &config.report {
            Some(name) => Some(numbers(column(name)?)?),
            None => None,
        };
        let cost = match &config.cost {
            CostModel::Constant(c) => vec![*c; table.rows.len()],
            CostModel::Column(name) => numbers(column(name)?)?,
            CostModel::OpWeights { base, weights } => table
                .rows
                .iter()
                .map(|row| base + op_weight_sum(&row[key], weights))
                .collect(),
        };
        Ok(Table {
            rows,
            rewards,
            report,
            cost,
            reward_name: config.reward.clone(),
        })
    }

    /// Number of architectures in the table.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The reward, report and simulated cost of the architecture `key` at `fidelity` (the
    /// cost scaled by the fidelity's share of the full one); an error when the table lacks it.
    pub fn lookup(&self, key: &str, fidelity: Option<f64>) -> Result<Lookup, String> {
        let row = *self
            .rows
            .get(key)
            .ok_or_else(|| format!("architecture `{key}` is not in the table"))?;
        let (column, fraction) = self.reward_column(fidelity)?;
        let reward = column[row];
        if reward.is_nan() {
            return Err(format!(
                "the table has no `{}` value for `{key}`",
                self.reward_name
            ));
        }
        let report = self.report.as_ref().map(|c| c[row]).filter(|v| !v.is_nan());
        let cost = self.cost[row] * fraction;
        Ok(Lookup {
            reward,
            report,
            cost: if cost.is_finite() { cost.max(0.0) } else { 0.0 },
        })
    }

    /// The fidelities of the reward columns, ascending (none when the reward has no slot).
    pub fn fidelities(&self) -> Vec<f64> {
        self.rewards.iter().filter_map(|(f, _)| *f).collect()
    }

    fn reward_column(&self, fidelity: Option<f64>) -> Result<(&[f64], f64), String> {
        let top = self.rewards.last().and_then(|(f, _)| *f);
        match (fidelity, top) {
            (_, None) | (None, _) => {
                let (f, col) = self
                    .rewards
                    .last()
                    .ok_or("the table has no reward column")?;
                let frac = match (fidelity, f) {
                    (Some(asked), Some(full)) if *full > 0.0 => asked / full,
                    _ => 1.0,
                };
                Ok((col, frac))
            }
            (Some(asked), Some(full)) => {
                let hit = self
                    .rewards
                    .iter()
                    .find(|(f, _)| f.is_some_and(|f| (f - asked).abs() < 1e-9));
                match hit {
                    Some((_, col)) => Ok((col, asked / full)),
                    None => Err(format!(
                        "the table has no reward column for fidelity {asked} (it has {})",
                        self.fidelities()
                            .iter()
                            .map(|f| f.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                }
            }
        }
    }
}

fn number(field: &str, column: &str, line: usize) -> Result<f64, String> {
    let field = field.trim();
    if field.is_empty() || field.eq_ignore_ascii_case("nan") {
        return Ok(f64::NAN);
    }
    field.parse::<f64>().map_err(|_| {
        format!("line {line}: column `{column}` holds `{field}`, which is not a number")
    })
}

/// The sum of `weights` over the op names that occur in `key` (split at anything that is not
/// a letter, digit or `_`).
pub fn op_weight_sum(key: &str, weights: &[(String, f64)]) -> f64 {
    key.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter_map(|word| {
            weights
                .iter()
                .find(|(name, _)| name == word)
                .map(|(_, w)| *w)
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "arch,valid_12,valid_200,test,secs\n|a~0|,50,80,79,10\n|b~0|,60,70,69,20\n|c~0|,,90,88,30\n";

    fn config(reward: &str, cost: CostModel) -> TableConfig {
        TableConfig {
            key: "arch".into(),
            reward: reward.into(),
            report: Some("test".into()),
            cost,
        }
    }

    #[test]
    fn looks_up_reward_report_and_cost() {
        let t = Table::from_csv(TEXT, &config("valid_200", CostModel::Column("secs".into())))
            .expect("loads");
        assert_eq!(t.len(), 3);
        let o = t.lookup("|b~0|", None).expect("found");
        assert_eq!(
            o,
            Lookup {
                reward: 70.0,
                report: Some(69.0),
                cost: 20.0,
            }
        );
        let missing = t.lookup("|z~0|", None).expect_err("absent");
        assert!(missing.contains("not in the table"), "{missing}");
    }

    #[test]
    fn fidelity_slot_selects_columns_and_scales_cost() {
        let t = Table::from_csv(
            TEXT,
            &config("valid_{fidelity}", CostModel::Constant(100.0)),
        )
        .expect("loads");
        assert_eq!(t.fidelities(), vec![12.0, 200.0]);
        let low = t.lookup("|a~0|", Some(12.0)).expect("found");
        assert_eq!(low.reward, 50.0);
        assert!((low.cost - 6.0).abs() < 1e-9);
        assert_eq!(t.lookup("|a~0|", None).expect("found").reward, 80.0);
        assert!(t.lookup("|a~0|", Some(50.0)).is_err());
        let empty = t.lookup("|c~0|", Some(12.0)).expect_err("empty cell");
        assert!(empty.contains("no `valid_{fidelity}` value"), "{empty}");
    }

    #[test]
    fn op_weights_model_counts_ops() {
        let weights = vec![("a".to_string(), 2.0), ("b".to_string(), 5.0)];
        assert_eq!(op_weight_sum("|a~0|+|a~0|b~1|", &weights), 9.0);
        let t = Table::from_csv(
            TEXT,
            &config("valid_200", CostModel::OpWeights { base: 1.0, weights }),
        )
        .expect("loads");
        assert_eq!(t.lookup("|b~0|", None).expect("found").cost, 6.0);
    }

    #[test]
    fn bad_tables_are_explained() {
        let e = Table::from_csv(TEXT, &config("accuracy", CostModel::Constant(1.0)))
            .expect_err("no column");
        assert!(
            e.contains("no column `accuracy`") && e.contains("valid_12"),
            "{e}"
        );
        let e = Table::from_csv(
            "arch,r\nx,1\nx,2\n",
            &TableConfig {
                key: "arch".into(),
                reward: "r".into(),
                report: None,
                cost: CostModel::Constant(1.0),
            },
        )
        .expect_err("duplicate");
        assert!(e.contains("line 3"), "{e}");
        let e = Table::from_csv(
            "arch,r\nx,abc\n",
            &TableConfig {
                key: "arch".into(),
                reward: "r".into(),
                report: None,
                cost: CostModel::Constant(1.0),
            },
        )
        .expect_err("not a number");
        assert!(e.contains("`abc`"), "{e}");
    }
}
