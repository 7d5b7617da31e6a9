//! One writer per JSON-lines store: an OS advisory lock (`flock`) on a lock file beside the
//! store (`runs/x.jsonl` → `runs/x.jsonl.lock`), which names its holder (process id and
//! command line) so that a second process is refused with who holds it. The kernel drops the
//! lock when its holder exits, however it exits (`kill -9` included), so a lock file left
//! behind by a killed process never stands in the way.

use super::locator::OpenError;
use super::redact::redact;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// The lock file of the store at `store`.
pub fn lock_path(store: &Path) -> PathBuf {
    let mut name = store.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    store.with_file_name(name)
}

/// The held lock of one store; released (and its file removed) when dropped.
#[derive(Debug)]
pub struct StoreLock {
    file: File,
    path: PathBuf,
}

impl StoreLock {
    /// Takes the lock of the store at `store` without waiting; a store in use by another
    /// process is an error naming that process.
    pub fn acquire(store: &Path) -> Result<StoreLock, OpenError> {
        let path = lock_path(store);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create folder {}: {e}", dir.display()))?;
        }
        // A holder removes the file as it lets go, so the file locked may have left its path
        // by the time the lock is ours: then try again on the file that is there now.
        loop {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(|e| format!("cannot open the lock file {}: {e}", path.display()))?;
            // SAFETY: `flock` on a descriptor this function owns; no memory is shared.
            let locked = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
            if locked != 0 {
                let error = std::io::Error::last_os_error();
                if error.kind() != std::io::ErrorKind::WouldBlock {
                    return Err(format!("cannot lock {}: {error}", path.display()).into());
                }
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                return Err(OpenError::InUse(in_use(store, holder.trim())));
            }
            let same = match (file.metadata(), std::fs::metadata(&path)) {
                (Ok(ours), Ok(there)) => (ours.dev(), ours.ino()) == (there.dev(), there.ino()),
                _ => false,
            };
            if !same {
                continue;
            }
            let me = format!("pid {}: {}\n", std::process::id(), command_line());
            file.set_len(0)
                .and_then(|()| file.seek(SeekFrom::Start(0)).map(|_| ()))
                .and_then(|()| file.write_all(me.as_bytes()))
                .and_then(|()| file.sync_data())
                .map_err(|e| format!("cannot write the lock file {}: {e}", path.display()))?;
            return Ok(StoreLock { file, path });
        }
    }

    /// The lock file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for StoreLock {
    fn drop(&mut self) {
        // Removed while still held, so that nobody locks a file that is about to vanish; a
        // failure leaves a stale file, which the next holder simply takes over.
        let _ = std::fs::remove_file(&self.path);
        // SAFETY: unlocking the descriptor this value owns.
        unsafe { libc::flock(self.file.as_raw_fd(), libc::LOCK_UN) };
    }
}

/// The error for a store whose lock `holder` (the lock file's text) holds.
fn in_use(store: &Path, holder: &str) -> String {
    let who = if holder.is_empty() {
        "another process (it has not written its name yet)".to_string()
    } else {
        format!("another process ({holder})")
    };
    format!(
        "the trial store {} is in use by {who}; one process at a time may run it",
        store.display()
    )
}

/// This process's command line, as `ps` shows it, credentials hidden.
fn command_line() -> String {
    let raw = std::fs::read("/proc/self/cmdline").unwrap_or_default();
    let words: Vec<String> = raw
        .split(|&b| b == 0)
        .filter(|w| !w.is_empty())
        .map(|w| String::from_utf8_lossy(w).into_owned())
        .collect();
    let line = if words.is_empty() {
        std::env::args().collect::<Vec<_>>().join(" ")
    } else {
        words.join(" ")
    };
    redact(&line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_with_the_first_named_and_the_lock_is_released_on_drop() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = dir.path().join("runs/t.jsonl");
        let first = StoreLock::acquire(&store).expect("first");
        assert_eq!(first.path(), dir.path().join("runs/t.jsonl.lock"));
        let e = StoreLock::acquire(&store).expect_err("held").to_string();
        assert!(e.contains(&format!("pid {}", std::process::id())), "{e}");
        drop(first);
        assert!(!lock_path(&store).exists(), "the lock file is removed");
        drop(StoreLock::acquire(&store).expect("free again"));
    }
}
