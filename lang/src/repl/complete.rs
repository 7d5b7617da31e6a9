//! Tab completion, as a pure function of the line and the names the session knows: commands
//! after `:`, spaces after `:use`/`:count`/`:sample`, experiments after `:run`, file paths
//! after `:load`/`:check`, else keywords, built-in ops, names in scope, stdlib ops and spaces.

use super::input::COMMANDS;
use crate::syntax::builtin::Builtin;
use crate::syntax::token::KEYWORDS;

/// The names completion offers, refreshed after each input.
#[derive(Clone, Debug, Default)]
pub struct Names {
    /// Every definition in scope (the session's and its loaded files').
    pub defined: Vec<String>,
    /// Spaces: the session's and the stdlib's.
    pub spaces: Vec<String>,
    /// The session's experiments.
    pub experiments: Vec<String>,
    /// The ops of `stdlib/ops.nas`.
    pub stdlib_ops: Vec<String>,
}

/// What to complete at the cursor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Completion {
    /// Replace the text from byte `start` to the cursor with one of these words.
    Words(usize, Vec<String>),
    /// A file path (the front end's file-name completer does it).
    Path,
}

/// The completion for `line` with the cursor at byte `pos`.
pub fn complete(line: &str, pos: usize, names: &Names) -> Completion {
    let before = &line[..pos.min(line.len())];
    let start = before
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    let word = &before[start..];
    let head = before.trim_start();
    if head.starts_with(':') && !head.contains(char::is_whitespace) {
        let options = COMMANDS
            .iter()
            .filter(|c| c.starts_with(word))
            .map(|c| c.to_string())
            .collect();
        return Completion::Words(start, options);
    }
    let command = head
        .trim_start_matches(':')
        .split_whitespace()
        .next()
        .unwrap_or("");
    let is_command = head.starts_with(':') || super::input::command_name(command).is_some();
    let pool: Vec<&str> = match (is_command, super::input::command_name(command)) {
        (true, Some("load" | "check")) => return Completion::Path,
        (true, Some("use" | "count" | "sample")) => {
            names.spaces.iter().map(String::as_str).collect()
        }
        (true, Some("run")) => names.experiments.iter().map(String::as_str).collect(),
        (true, Some("help")) => COMMANDS.to_vec(),
        (true, _) => Vec::new(),
        (false, _) => KEYWORDS
            .iter()
            .copied()
            .chain(Builtin::ALL.iter().map(|b| b.name()))
            .chain(names.defined.iter().map(String::as_str))
            .chain(names.stdlib_ops.iter().map(String::as_str))
            .chain(names.spaces.iter().map(String::as_str))
            .collect(),
    };
    let mut options: Vec<String> = pool
        .into_iter()
        .filter(|n| n.starts_with(word) && !word.is_empty())
        .map(String::from)
        .collect();
    options.sort();
    options.dedup();
    Completion::Words(start, options)
}

/// The names `stdlib/ops.nas` defines (empty when the stdlib is not found).
pub fn stdlib_op_names() -> Vec<String> {
    let Some(path) = crate::paths::stdlib_dir().map(|d| d.join("ops.nas")) else {
        return Vec::new();
    };
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    crate::syntax::parse(crate::syntax::FileId(0), &text)
        .file
        .items
        .iter()
        .filter_map(|i| i.kind.name().map(|n| n.name.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Names {
        Names {
            defined: vec!["my_block".into(), "tiny".into()],
            spaces: vec!["nb201".into(), "nb101".into(), "tiny".into()],
            experiments: vec!["nb201_table".into()],
            stdlib_ops: vec!["relu_conv_bn".into()],
        }
    }

    fn words(line: &str) -> Vec<String> {
        match complete(line, line.len(), &names()) {
            Completion::Words(_, w) => w,
            Completion::Path => vec!["<path>".into()],
        }
    }

    #[test]
    fn completes_commands_spaces_and_names() {
        assert_eq!(words(":sa"), vec!["sample"]);
        assert_eq!(words(":use nb2"), vec!["nb201"]);
        assert_eq!(words(":count t"), vec!["tiny"]);
        assert_eq!(words(":run nb"), vec!["nb201_table"]);
        assert_eq!(words(":load st"), vec!["<path>"]);
        assert_eq!(words("op a = my"), vec!["my_block"]);
        assert_eq!(words("op a = relu_c"), vec!["relu_conv_bn"]);
        assert_eq!(words("exp"), vec!["experiment"]);
        assert_eq!(words("op a = glob"), vec!["global_avg_pool"]);
        assert!(words("op a = ").is_empty());
        assert_eq!(
            complete(":sample nb2", 11, &names()),
            Completion::Words(8, vec!["nb201".into()])
        );
    }
}
