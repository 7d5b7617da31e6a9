//! The JSON-lines scores file of `nas proxies --out`: one line per architecture, written as it
//! is scored, and read back by `--resume` so that an interrupted run goes on where it stopped.

use crate::trainfree::proxy::Proxy;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// One proxy's recorded outcome for one architecture: a score, or why it failed.
pub type Outcome = Result<f64, String>;

/// Scores already in the file, by architecture, then by proxy.
pub type Previous = HashMap<String, HashMap<Proxy, Outcome>>;

/// One record: the architecture and each proxy's outcome.
type Record = (String, Vec<(Proxy, Outcome)>);

/// The scores file, open for appending.
#[derive(Debug)]
pub struct ScoresFile {
    path: PathBuf,
    file: std::fs::File,
}

impl ScoresFile {
    /// Opens `path` for a new run: it must not hold scores already, since they would be lost.
    pub fn create(path: &Path) -> Result<ScoresFile, String> {
        if std::fs::metadata(path).is_ok_and(|m| m.len() > 0) {
            return Err(format!(
                "{} already holds scores; pass --resume to go on with them, or remove the file",
                path.display()
            ));
        }
        ScoresFile::append_to(path)
    }

    /// Opens `path` to go on with an earlier run: returns the scores it holds (none when the
    /// file is absent). A last line cut short by a killed process is dropped from the file;
    /// any other line that is not a scores record is an error naming the line.
    pub fn resume(path: &Path) -> Result<(ScoresFile, Previous), String> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        let (previous, kept) = parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut kept = kept.to_string();
        if !kept.is_empty() && !kept.ends_with('\n') {
            kept.push('\n');
        }
        if kept != text {
            rewrite(path, &kept)?;
        }
        Ok((ScoresFile::append_to(path)?, previous))
    }

    fn append_to(path: &Path) -> Result<ScoresFile, String> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(ScoresFile {
            path: path.to_path_buf(),
            file,
        })
    }

    /// Appends one architecture's record and flushes it, so a kill loses at most that line.
    pub fn append(&mut self, line: &serde_json::Value) -> Result<(), String> {
        writeln!(self.file, "{line}")
            .and_then(|()| self.file.flush())
            .map_err(|e| format!("cannot write {}: {e}", self.path.display()))
    }
}

/// The record of one architecture: its table value and each proxy's outcome.
pub fn record(
    arch: &str,
    column: &str,
    truth: f64,
    outcomes: &[(Proxy, Outcome)],
) -> serde_json::Value {
    let mut line = serde_json::json!({ "arch": arch, (column): truth });
    for (p, outcome) in outcomes {
        line[p.name()] = match outcome {
            Ok(v) if v.is_finite() => serde_json::json!(v),
            Ok(v) => serde_json::json!(v.to_string()),
            Err(reason) => serde_json::json!({ "error": reason }),
        };
    }
    line
}

/// The records of `text`, and the prefix of `text` that holds them (everything but a cut-off
/// last line).
fn parse(text: &str) -> Result<(Previous, &str), String> {
    let mut previous = Previous::new();
    let mut kept = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let complete = line.ends_with('\n');
        match parse_line(line.trim_end()) {
            Ok(Some((arch, outcomes))) => {
                previous.entry(arch).or_default().extend(outcomes);
            }
            Ok(None) => {}
            Err(_) if !complete => break,
            Err(e) => return Err(format!("line {}: {e}", i + 1)),
        }
        kept += line.len();
    }
    Ok((previous, &text[..kept]))
}

fn parse_line(line: &str) -> Result<Option<Record>, String> {
    if line.is_empty() {
        return Ok(None);
    }
    let value: serde_json::Value =
        serde_json::from_str(line).map_err(|e| format!("not a JSON record ({e})"))?;
    let arch = value["arch"]
        .as_str()
        .ok_or("a record without an `arch` string")?
        .to_string();
    let mut outcomes = Vec::new();
    for p in Proxy::ALL {
        let outcome = match &value[p.name()] {
            serde_json::Value::Null => continue,
            serde_json::Value::Number(n) => Ok(n.as_f64().unwrap_or(f64::NAN)),
            serde_json::Value::String(s) => Ok(s
                .parse::<f64>()
                .map_err(|_| format!("`{}` of {arch} is `{s}`, not a number", p.name()))?),
            other => Err(other["error"]
                .as_str()
                .ok_or_else(|| format!("`{}` of {arch} is neither a score nor an error", p.name()))?
                .to_string()),
        };
        outcomes.push((p, outcome));
    }
    Ok(Some((arch, outcomes)))
}

/// Replaces `path`'s content with `text` through a temporary file, so a kill keeps one of them.
fn rewrite(path: &Path, text: &str) -> Result<(), String> {
    crate::paths::write_atomic(path, text.as_bytes())
        .map_err(|e| format!("cannot rewrite {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_scores_infinities_and_failures() {
        let outcomes = [
            (Proxy::Ntk, Ok(f64::INFINITY)),
            (Proxy::Naswot, Ok(12.5)),
            (Proxy::Snip, Err("nan loss".to_string())),
        ];
        let line = record("|a~0|", "acc", 90.0, &outcomes).to_string();
        let text = format!("{line}\n");
        let (previous, kept) = parse(&text).unwrap();
        assert_eq!(kept.len(), line.len() + 1);
        let got = &previous["|a~0|"];
        assert_eq!(got[&Proxy::Ntk], Ok(f64::INFINITY));
        assert_eq!(got[&Proxy::Naswot], Ok(12.5));
        assert_eq!(got[&Proxy::Snip], Err("nan loss".to_string()));
        assert!(!got.contains_key(&Proxy::Params));
    }

    #[test]
    fn a_cut_off_last_line_is_dropped_and_a_bad_middle_line_is_an_error() {
        let whole = record("|a~0|", "acc", 1.0, &[(Proxy::Params, Ok(3.0))]).to_string();
        let text = format!("{whole}\n{{\"arch\":\"|b~0|\",\"par");
        let (previous, kept) = parse(&text).unwrap();
        assert_eq!(previous.len(), 1);
        assert_eq!(kept, format!("{whole}\n"));

        let bad = format!("{{\"arch\":\"|b~0|\",\"par\n{whole}\n");
        assert!(parse(&bad)
            .unwrap_err()
            .starts_with("line 1: not a JSON record"));
    }

    #[test]
    fn a_new_run_refuses_a_file_with_scores_and_resume_keeps_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        let mut file = ScoresFile::create(&path).unwrap();
        file.append(&record("|a~0|", "acc", 1.0, &[(Proxy::Params, Ok(3.0))]))
            .unwrap();
        drop(file);
        assert!(ScoresFile::create(&path).unwrap_err().contains("--resume"));
        std::fs::write(
            &path,
            std::fs::read_to_string(&path).unwrap() + "{\"arch\":\"|b",
        )
        .unwrap();
        let (mut file, previous) = ScoresFile::resume(&path).unwrap();
        assert_eq!(previous.len(), 1);
        file.append(&record("|c~0|", "acc", 2.0, &[(Proxy::Params, Ok(4.0))]))
            .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(text.lines().nth(1).unwrap().contains("|c~0|"));
    }
}
