//! Finding a space by name: a stdlib space (`nb201`, from `stdlib/spaces/nb201.nas`) or
//! `FILE.nas:NAME`; checked, lowered, and any problem rendered as diagnostics.

use super::ir::Space;
use super::lower::lower_space_with;
use std::path::{Path, PathBuf};

/// Loads the space `spec`: a stdlib space name, or `FILE.nas:NAME`. The error is the
/// rendered diagnostics (or a message with a hint), ready to print.
pub fn load_space(spec: &str) -> Result<Space, String> {
    load_space_with(spec, &[])
}

/// Loads the space `spec` with the parameter values `args` (by name; the rest take their
/// defaults).
pub fn load_space_with(spec: &str, args: &[(String, i64)]) -> Result<Space, String> {
    let (path, name) = match spec.rsplit_once(':') {
        Some((file, name)) if file.ends_with(".nas") => (PathBuf::from(file), name.to_string()),
        _ => {
            let dir = crate::paths::stdlib_dir().ok_or_else(|| {
                format!("error: no stdlib folder was found\n  hint: set {} to the stdlib folder, or name a space as FILE.nas:NAME", crate::paths::STDLIB_ENV)
            })?;
            let path = dir.join("spaces").join(format!("{spec}.nas"));
            if !path.is_file() {
                let known = stdlib_spaces().join(", ");
                return Err(format!("error: there is no stdlib space `{spec}`\n  hint: the stdlib spaces are {known}; or name a space as FILE.nas:NAME"));
            }
            (path, spec.to_string())
        }
    };
    let space = load_from(&path, &name, args)?;
    let mut skeleton = space.skeleton().clone();
    skeleton.origin = Some(spec.to_string());
    Ok(space.with_skeleton(skeleton))
}

fn load_from(path: &Path, name: &str, args: &[(String, i64)]) -> Result<Space, String> {
    let program = crate::check::check_file(path).map_err(|e| {
        format!(
            "error: cannot read `{}`: {e}\n  hint: check the path",
            path.display()
        )
    })?;
    if program.has_errors() {
        return Err(program.render_diagnostics(false));
    }
    lower_space_with(&program, name, args).map_err(|d| d.render(&program.sources))
}

/// The names of the stdlib spaces (the `.nas` files in `stdlib/spaces/`), sorted.
pub fn stdlib_spaces() -> Vec<String> {
    let Some(dir) = crate::paths::stdlib_dir() else {
        return Vec::new();
    };
    let mut names: Vec<String> = std::fs::read_dir(dir.join("spaces"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            e.file_name()
                .to_str()?
                .strip_suffix(".nas")
                .map(String::from)
        })
        .collect();
    names.sort();
    names
}
