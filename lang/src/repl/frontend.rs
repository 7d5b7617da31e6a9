//! The thin front ends around a [`Session`]: a rustyline editor when stdin is a terminal
//! (multi-line validator, completion, highlighting, history file), and a line reader for
//! piped transcripts (no prompt; the exit status is the last input's).

use super::complete::{complete, stdlib_op_names, Completion, Names};
use super::input::{highlight, needs_more};
use super::session::{Host, Options, Reply, Session};
use rustyline::completion::{Completer, FilenameCompleter, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Config, Editor, Helper};
use std::borrow::Cow;
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// The prompt.
pub const PROMPT: &str = "nas> ";
/// The environment variable that moves the history file, or turns it `off`.
pub const HISTORY_ENV: &str = "NAS_REPL_HISTORY";

/// Where the history is kept: `NAS_REPL_HISTORY` (`off`: nowhere), else
/// `$XDG_STATE_HOME/nas/history`, else `~/.local/state/nas/history`.
pub fn history_path() -> Option<PathBuf> {
    match std::env::var_os(HISTORY_ENV) {
        Some(v) if v == "off" => return None,
        Some(v) if !v.is_empty() => return Some(PathBuf::from(v)),
        _ => {}
    }
    let state = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
    Some(state.join("nas").join("history"))
}

/// The names completion offers for `session`.
fn names(session: &Session, stdlib_ops: &[String]) -> Names {
    let program = session.program();
    let mut defined: Vec<String> = program
        .modules
        .iter()
        .flat_map(|m| m.ast.items.iter())
        .filter_map(|i| i.kind.name().map(|n| n.name.to_string()))
        .collect();
    defined.sort();
    defined.dedup();
    let mut spaces = session.session_spaces();
    spaces.extend(crate::space::stdlib_spaces());
    let experiments = program
        .main()
        .ast
        .items
        .iter()
        .filter(|i| matches!(i.kind, crate::syntax::ast::ItemKind::Experiment(_)))
        .filter_map(|i| i.kind.name().map(|n| n.name.to_string()))
        .collect();
    Names {
        defined,
        spaces,
        experiments,
        stdlib_ops: stdlib_ops.to_vec(),
    }
}

/// The rustyline helper: validator, completer, highlighter.
struct ReplHelper {
    names: Names,
    files: FilenameCompleter,
    color: bool,
}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &rustyline::Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        match complete(line, pos, &self.names) {
            Completion::Path => self.files.complete_path(line, pos),
            Completion::Words(start, words) => Ok((
                start,
                words
                    .into_iter()
                    .map(|w| Pair {
                        display: w.clone(),
                        replacement: w,
                    })
                    .collect(),
            )),
        }
    }
}

impl Hinter for ReplHelper {
    type Hint = String;
}

impl Highlighter for ReplHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        if self.color {
            Cow::Owned(highlight(line))
        } else {
            Cow::Borrowed(line)
        }
    }

    fn highlight_char(&self, _line: &str, _pos: usize, kind: CmdKind) -> bool {
        self.color && kind != CmdKind::MoveCursor
    }
}

impl Validator for ReplHelper {
    fn validate(&self, ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        Ok(if needs_more(ctx.input()) {
            ValidationResult::Incomplete
        } else {
            ValidationResult::Valid(None)
        })
    }
}

impl Helper for ReplHelper {}

/// Prints a reply: results on stdout, diagnostics on stderr.
fn print(reply: &Reply) {
    if !reply.out.is_empty() {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(reply.out.as_bytes());
        let _ = out.flush();
    }
    if !reply.err.is_empty() {
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(reply.err.as_bytes());
        let _ = err.flush();
    }
}

/// Runs the interactive REPL on the terminal. Ctrl-D (or `:quit`) leaves with status 0.
pub fn interactive(color: bool, host: &mut dyn Host) -> ExitCode {
    let mut session = Session::new(Options {
        color,
        interrupted: super::signal::interrupted,
    });
    let config = Config::builder()
        .auto_add_history(false)
        .history_ignore_dups(true)
        .map(|b| b.build())
        .unwrap_or_default();
    let mut editor: Editor<ReplHelper, rustyline::history::DefaultHistory> =
        match Editor::with_config(config) {
            Ok(e) => e,
            Err(e) => {
                eprintln!("error: cannot open the terminal: {e}");
                return ExitCode::FAILURE;
            }
        };
    let stdlib_ops = stdlib_op_names();
    editor.set_helper(Some(ReplHelper {
        names: names(&session, &stdlib_ops),
        files: FilenameCompleter::new(),
        color,
    }));
    let history = history_path();
    if let Some(path) = &history {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = editor.load_history(path);
    }
    println!(
        "nas {} — :help lists the commands, Ctrl-D leaves",
        env!("CARGO_PKG_VERSION")
    );
    loop {
        match editor.readline(PROMPT) {
            Ok(input) => {
                if !input.trim().is_empty() {
                    let _ = editor.add_history_entry(input.as_str());
                    if let Some(path) = &history {
                        let _ = editor.append_history(path);
                    }
                }
                super::signal::clear();
                let reply = session.eval(&input, host);
                print(&reply);
                if reply.quit {
                    return ExitCode::SUCCESS;
                }
                if let Some(helper) = editor.helper_mut() {
                    helper.names = names(&session, &stdlib_ops);
                }
            }
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => return ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: cannot read input: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
}

/// Runs a transcript from `reader` (stdin not a terminal): inputs are gathered line by line
/// until complete, evaluated in order, and nothing else is printed. The status is that of the
/// last input: 0 if it succeeded (or there was none), 1 if it failed.
pub fn transcript(reader: impl BufRead, color: bool, host: &mut dyn Host) -> ExitCode {
    let mut session = Session::new(Options {
        color,
        interrupted: super::signal::interrupted,
    });
    let mut last_ok = true;
    let mut pending = String::new();
    let mut lines = reader.lines();
    loop {
        let line = match lines.next() {
            Some(Ok(line)) => Some(line),
            Some(Err(e)) => {
                eprintln!("error: cannot read input: {e}");
                return ExitCode::FAILURE;
            }
            None => None,
        };
        let at_end = line.is_none();
        if let Some(line) = line {
            if !pending.is_empty() {
                pending.push('\n');
            }
            pending.push_str(&line);
            if needs_more(&pending) {
                continue;
            }
        }
        if !pending.trim().is_empty() {
            super::signal::clear();
            let reply = session.eval(&pending, host);
            print(&reply);
            last_ok = reply.ok;
            if reply.quit {
                break;
            }
        }
        pending.clear();
        if at_end {
            break;
        }
    }
    if last_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
