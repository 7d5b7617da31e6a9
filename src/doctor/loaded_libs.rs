//! Which shared libraries the running process has mapped, read from `/proc/self/maps`.

use std::path::PathBuf;

/// The paths of every shared object mapped into this process (Linux; empty elsewhere).
pub fn loaded_shared_objects() -> Vec<PathBuf> {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap_or_default();
    let mut paths: Vec<PathBuf> = maps
        .lines()
        .filter_map(|line| line.split_whitespace().nth(5))
        .filter(|path| path.starts_with('/') && path.contains(".so"))
        .map(PathBuf::from)
        .collect();
    paths.sort();
    paths.dedup();
    paths
}

/// The first loaded library whose file name starts with `stem` followed by `.so`.
pub fn find_loaded(libs: &[PathBuf], stem: &str) -> Option<PathBuf> {
    let prefix = format!("{stem}.so");
    libs.iter()
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix))
        })
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_by_file_name_stem() {
        let libs = vec![
            PathBuf::from("/x/lib/libtorch_cpu.so"),
            PathBuf::from("/x/lib/libtorch_cuda_linalg.so"),
        ];
        assert_eq!(
            find_loaded(&libs, "libtorch_cpu"),
            Some(PathBuf::from("/x/lib/libtorch_cpu.so"))
        );
        assert_eq!(find_loaded(&libs, "libtorch_cuda"), None);
    }

    #[test]
    fn sees_the_c_library_of_this_process() {
        let libs = loaded_shared_objects();
        assert!(find_loaded(&libs, "libc").is_some(), "{libs:?}");
    }
}
