//! `nas store repair FILE`: mends a JSON-lines store that `--resume` refuses (a line that
//! cannot be read, a trial written twice by two processes before stores were locked) by
//! keeping its header, the first copy of each trial and every other readable line, in their
//! order. The store as it was is kept beside it, and what was dropped is reported.

use super::jsonl::{split_header, verdicts, Verdict};
use super::lock::StoreLock;
use std::path::{Path, PathBuf};

/// A line the repair left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    /// Its number in the file, from 1.
    pub line: usize,
    /// Why it was left out.
    pub why: String,
}

/// What a repair did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repaired {
    /// Lines kept after the header.
    pub kept: usize,
    /// Lines left out, in file order.
    pub dropped: Vec<Dropped>,
    /// Where the store as it was now is (`None`: nothing was dropped, the file is unchanged).
    pub original: Option<PathBuf>,
}

/// Where a repair keeps the store as it was (`runs/x.jsonl` → `runs/x.jsonl.before-repair`).
pub fn original_path(store: &Path) -> PathBuf {
    let mut name = store.file_name().unwrap_or_default().to_os_string();
    name.push(".before-repair");
    store.with_file_name(name)
}

/// Repairs the store at `path` (refused while another process has it open).
pub fn repair(path: &Path) -> Result<Repaired, String> {
    let _lock = StoreLock::acquire(path).map_err(|e| e.to_string())?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read trial store {}: {e}", path.display()))?;
    let complete = text.rfind('\n').map_or(0, |i| i + 1);
    let (_, lines) = split_header(&text[..complete]).map_err(|e| {
        format!(
            "{}: {e}; only a store whose first line is its header can be repaired",
            path.display()
        )
    })?;
    let header_line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut out = format!("{header_line}\n");
    let (mut kept, mut dropped) = (0, Vec::new());
    for (line, raw, verdict) in verdicts(lines) {
        match verdict {
            Verdict::Keep(_) => {
                out.push_str(raw);
                out.push('\n');
                kept += 1;
            }
            Verdict::Drop(why) => dropped.push(Dropped { line, why }),
        }
    }
    if complete < text.len() {
        dropped.push(Dropped {
            line: text[..complete].lines().count() + 1,
            why: "a torn last line (a write cut short)".to_string(),
        });
    }
    if dropped.is_empty() {
        return Ok(Repaired {
            kept,
            dropped,
            original: None,
        });
    }
    let original = original_path(path);
    std::fs::copy(path, &original)
        .map_err(|e| format!("cannot keep a copy in {}: {e}", original.display()))?;
    crate::paths::write_atomic(path, out.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(Repaired {
        kept,
        dropped,
        original: Some(original),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str =
        r#"{"kind":"header","experiment":"e","strategy":"random","fingerprint":"f"}"#;

    fn trial(id: u64, reward: f64) -> String {
        format!(
            r#"{{"kind":"trial","seed":0,"id":{id},"done":{id},"arch":"|a~{id}|","fidelity":null,"status":"ok","reward":{reward},"report":null,"cost":1.0,"clock":1.0,"worker":0,"error":null}}"#
        )
    }

    #[test]
    fn keeps_the_first_copy_of_each_trial_and_the_rest_after_a_bad_line() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("t.jsonl");
        let lines = [
            HEADER.to_string(),
            trial(0, 0.5),
            trial(0, 0.7),
            "{not json".to_string(),
            trial(1, 0.6),
            r#"{"kind":"end","seed":0,"reason":"budget"}"#.to_string(),
        ];
        let text = format!("{}\n{{\"kind\":\"tri", lines.join("\n"));
        std::fs::write(&path, &text).expect("write");
        let r = repair(&path).expect("repaired");
        assert_eq!(r.kept, 3);
        let dropped: Vec<usize> = r.dropped.iter().map(|d| d.line).collect();
        assert_eq!(dropped, [3, 4, 7], "{:?}", r.dropped);
        assert!(r.dropped[0].why.contains("appears twice"));
        let after = std::fs::read_to_string(&path).expect("read");
        let expected = [&lines[0], &lines[1], &lines[4], &lines[5]];
        let expected: String = expected.iter().map(|l| format!("{l}\n")).collect();
        assert_eq!(after, expected);
        assert_eq!(
            std::fs::read_to_string(original_path(&path)).expect("original"),
            text
        );
        let again = repair(&path).expect("a sound store");
        assert!(again.dropped.is_empty() && again.original.is_none());
    }
}
