//! Running `:run` and `:train`: the session's text is written to a hidden file in the working
//! folder (so imports and table paths resolve as they do in the session, and every line keeps
//! its number), and `nas run` (or `nas train`) runs it as a child process with the terminal's
//! stdout and stderr (its progress bar, summary and diagnostics) but not its stdin.
//!
//! Ctrl-C reaches the child, which stops (its trial store is crash-safe, so `--resume`
//! continues it); the REPL's own SIGINT handler ([`super::signal`]) keeps the session alive.

use super::session::{Job, RunOutcome, RunRequest};
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The `nas` executable this process was started as.
fn executable() -> Result<PathBuf, String> {
    std::env::current_exe().map_err(|e| format!("cannot find the nas executable: {e}"))
}

/// Removes the session file when the run ends, however it ends.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Runs `request` as a child `nas` process, to its end, Ctrl-C, or failure.
pub fn run(request: &RunRequest) -> RunOutcome {
    let exe = match executable() {
        Ok(exe) => exe,
        Err(why) => return RunOutcome::NotStarted(why),
    };
    let file = TempFile(PathBuf::from(format!(
        ".nas-repl-{}.nas",
        std::process::id()
    )));
    if let Err(e) = std::fs::write(&file.0, &request.source) {
        return RunOutcome::NotStarted(format!(
            "cannot write {} in the working folder: {e}",
            file.0.display()
        ));
    }
    super::signal::clear();
    let mut command = Command::new(exe);
    match &request.job {
        Job::Experiment(name) => command
            .arg("run")
            .arg(&file.0)
            .arg("--experiment")
            .arg(name),
        Job::Train {
            space,
            in_session,
            arch,
        } => {
            let space = if *in_session {
                format!("{}:{space}", file.0.display())
            } else {
                space.clone()
            };
            command.arg("train").arg(space).arg(arch)
        }
    };
    let status = command.args(&request.options).stdin(Stdio::null()).status();
    let interrupted = super::signal::interrupted();
    super::signal::clear();
    match status {
        Err(e) => RunOutcome::NotStarted(e.to_string()),
        Ok(s) if s.success() => RunOutcome::Finished,
        Ok(s) if s.signal() == Some(libc::SIGINT) || interrupted => RunOutcome::Interrupted,
        Ok(_) => RunOutcome::Failed,
    }
}
