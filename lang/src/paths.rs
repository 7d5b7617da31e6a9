//! Where `nas` finds its standard library and data, with environment overrides, how it
//! reads a data file that may be gzip-compressed, and how it replaces a file atomically.
//!
//! Each lookup tries, in order: an environment variable, the folder beside the executable's
//! project (for `target/release/nas` inside a checkout), and the source checkout it was built
//! from. The first folder that exists wins.

use flate2::read::GzDecoder;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The environment variable that overrides the stdlib folder.
pub const STDLIB_ENV: &str = "NAS_STDLIB";
/// The environment variable that overrides the project's data folder (nb201/, ptb/).
pub const DATA_ENV: &str = "NAS_DATA";
/// The environment variable that overrides the Fashion-MNIST folder.
pub const FASHION_MNIST_ENV: &str = "NAS_FASHION_MNIST";
/// Where Debian's `dataset-fashion-mnist` package installs its IDX files.
pub const DEBIAN_FASHION_MNIST: &str = "/usr/share/datasets/fashion-mnist";

/// The source checkout this binary was built from (this crate lives in its `lang/` folder).
fn checkout_dir() -> PathBuf {
    let lang = Path::new(env!("CARGO_MANIFEST_DIR"));
    lang.parent().unwrap_or(lang).to_path_buf()
}

/// The project folder of the running executable (`<project>/target/<profile>/nas`), if any.
fn exe_project_dir() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    exe.parent()?.parent()?.parent().map(Path::to_path_buf)
}

/// The first existing folder among `env_var`'s value and `relative` under the project roots.
fn find_dir(env_var: &str, relative: &str) -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(env_var) {
        let dir = PathBuf::from(dir);
        return dir.is_dir().then_some(dir);
    }
    exe_project_dir()
        .into_iter()
        .chain([checkout_dir()])
        .map(|root| root.join(relative))
        .find(|dir| dir.is_dir())
        .map(|dir| dir.canonicalize().unwrap_or(dir))
}

/// The standard library folder (`stdlib/`: `ops.nas`, `spaces/`, `strategies/`).
pub fn stdlib_dir() -> Option<PathBuf> {
    find_dir(STDLIB_ENV, "stdlib")
}

/// The project's data folder (`data/`: `nb201/nb201.csv.gz`, `ptb/`), or `NAS_DATA`.
pub fn data_dir() -> Option<PathBuf> {
    find_dir(DATA_ENV, "data")
}

/// `path` if it is a file, else `path` with `.gz` appended if that is one (a data file may ship
/// compressed), else `None`.
pub fn existing_data_file(path: &Path) -> Option<PathBuf> {
    if path.is_file() {
        return Some(path.to_path_buf());
    }
    let mut gz = path.as_os_str().to_owned();
    gz.push(".gz");
    let gz = PathBuf::from(gz);
    gz.is_file().then_some(gz)
}

/// The text of the data file at `path` (or at `path.gz`, see [`existing_data_file`]),
/// decompressed when it starts with gzip's magic bytes.
pub fn read_data_text(path: &Path) -> std::io::Result<String> {
    let at = existing_data_file(path).unwrap_or_else(|| path.to_path_buf());
    let raw = std::fs::read(&at)?;
    if !raw.starts_with(&[0x1f, 0x8b]) {
        return String::from_utf8(raw).map_err(|_| invalid(&at, "is not UTF-8 text"));
    }
    let mut text = String::new();
    GzDecoder::new(raw.as_slice())
        .read_to_string(&mut text)
        .map_err(|e| invalid(&at, &format!("is broken gzip text: {e}")))?;
    Ok(text)
}

fn invalid(path: &Path, what: &str) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!("{} {what}", path.display()),
    )
}

/// The Fashion-MNIST folder: `NAS_FASHION_MNIST`, else Debian's install location.
pub fn fashion_mnist_dir() -> PathBuf {
    std::env::var_os(FASHION_MNIST_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEBIAN_FASHION_MNIST))
}

/// The environment variable that overrides the cache folder (measured op latencies).
pub const CACHE_ENV: &str = "NAS_CACHE";

/// Where `nas` keeps what it measures for reuse (the latency table): `NAS_CACHE`, else
/// `$XDG_CACHE_HOME/nas`, else `~/.cache/nas`, else `nas-cache` in the temporary folder.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(CACHE_ENV) {
        return PathBuf::from(dir);
    }
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .map(|dir| dir.join("nas"))
        .unwrap_or_else(|| std::env::temp_dir().join("nas-cache"))
}

/// The environment variable that overrides the workers' spool folder.
pub const SPOOL_ENV: &str = "NAS_SPOOL";

/// Where `nas worker` keeps a finished trial's result while the database is away, until it
/// is committed: `NAS_SPOOL`, else `$XDG_STATE_HOME/nas/spool`, else
/// `~/.local/state/nas/spool`, else `nas-spool` in the temporary folder.
pub fn spool_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(SPOOL_ENV) {
        return PathBuf::from(dir);
    }
    std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .map(|dir| dir.join("nas").join("spool"))
        .unwrap_or_else(|| std::env::temp_dir().join("nas-spool"))
}

/// Replaces `path`'s content with `bytes` so that a crash at any moment (even `kill -9` or a
/// power cut) leaves either the old content or the new, never a mix: the bytes go to a
/// temporary file beside it, which is synced, renamed over `path`, and the folder synced.
/// The folder is created when missing.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".tmp{}", std::process::id()));
    let temporary = dir.join(name);
    let written = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)?;
        std::fs::File::open(dir)?.sync_all()
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_atomic_write_replaces_the_content_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("state.bin");
        write_atomic(&path, b"first").unwrap();
        write_atomic(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["state.bin"]);
        assert!(write_atomic(&path.join("not-a-folder").join("x"), b"").is_err());
    }
}
