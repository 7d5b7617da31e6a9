//! Loading a program: the main file and, transitively, every file it imports.
//!
//! `import "stdlib/x.nas"` resolves against the stdlib folder ([`crate::paths::stdlib_dir`]:
//! `NAS_STDLIB`, else `stdlib/` beside the executable's project, else beside the crate);
//! any other path resolves relative to the importing file.

use crate::syntax::ast::{File, ItemKind};
use crate::syntax::lexer::Comment;
use crate::syntax::{parse, Diagnostic, FileId, SourceMap};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// One loaded file.
#[derive(Clone, Debug)]
pub struct Module {
    /// The name diagnostics show (as written by the user, or `stdlib/...`).
    pub name: String,
    /// Its id in the program's [`SourceMap`].
    pub file: FileId,
    /// Its syntax tree (resolved in place by the checker).
    pub ast: File,
    /// Its comments (for the formatter).
    pub comments: Vec<Comment>,
    /// For each `import` item (by item index), the module it loaded, if it was found.
    pub imports: Vec<(u32, Option<u32>)>,
}

/// Where imported files come from.
pub trait Loader {
    /// Reads the file `path` imported from the module named `importer`: returns a display name,
    /// a key identifying the file (so each is loaded once) and its text, or a message.
    fn load(&mut self, path: &str, importer: &str) -> Result<Loaded, String>;
}

/// A file a [`Loader`] found.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The name diagnostics show.
    pub name: String,
    /// A key identifying the file (e.g. its canonical path).
    pub key: String,
    /// Its text.
    pub text: String,
}

/// `importer`'s folder joined with `path`, with `.` and `..` folded (textually).
pub fn join_relative(importer: &str, path: &str) -> String {
    let base = Path::new(importer).parent().unwrap_or(Path::new(""));
    let mut parts: Vec<String> = Vec::new();
    for component in base.join(path).components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir if parts.last().is_some_and(|p| p != "..") => {
                parts.pop();
            }
            other => parts.push(other.as_os_str().to_string_lossy().into_owned()),
        }
    }
    let joined = parts.join("/");
    if path.starts_with('/') || importer.starts_with('/') && joined.starts_with("//") {
        joined.replacen("//", "/", 1)
    } else {
        joined
    }
}

/// Reads `stdlib/...` imports from the stdlib folder on disk.
fn load_stdlib(path: &str) -> Option<Result<Loaded, String>> {
    let rest = path.strip_prefix("stdlib/")?;
    let Some(dir) = crate::paths::stdlib_dir() else {
        return Some(Err(format!(
            "no stdlib folder was found (set {} to its location)",
            crate::paths::STDLIB_ENV
        )));
    };
    let full = dir.join(rest);
    Some(read(&full, path.to_string()))
}

/// Reads `path` from disk, naming it `name`.
fn read(path: &Path, name: String) -> Result<Loaded, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    let key = path
        .canonicalize()
        .unwrap_or_else(|_| path.to_path_buf())
        .to_string_lossy()
        .into_owned();
    Ok(Loaded { name, key, text })
}

/// Loads imports from the file system.
#[derive(Debug, Default)]
pub struct FsLoader;

impl Loader for FsLoader {
    fn load(&mut self, path: &str, importer: &str) -> Result<Loaded, String> {
        if let Some(found) = load_stdlib(path) {
            return found;
        }
        let name = join_relative(importer, path);
        read(&PathBuf::from(&name), name.clone())
    }
}

/// Loads imports from a set of in-memory files (keyed by name), falling back to the
/// stdlib folder on disk for `stdlib/...` paths not in the set.
#[derive(Debug, Default)]
pub struct MemLoader {
    /// The files, by name.
    pub files: HashMap<String, String>,
}

impl Loader for MemLoader {
    fn load(&mut self, path: &str, importer: &str) -> Result<Loaded, String> {
        let name = if path.starts_with("stdlib/") {
            path.to_string()
        } else {
            join_relative(importer, path)
        };
        if let Some(text) = self.files.get(&name) {
            return Ok(Loaded {
                key: name.clone(),
                name,
                text: text.clone(),
            });
        }
        load_stdlib(path).unwrap_or_else(|| Err(format!("no file `{name}` was given")))
    }
}

/// Parses the main file and everything it imports, in breadth-first order (module 0 is the
/// main file). Parse and import problems are appended to `diagnostics`.
pub fn load_program(
    main_name: &str,
    main_text: &str,
    loader: &mut dyn Loader,
    sources: &mut SourceMap,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Module> {
    let mut modules: Vec<Module> = Vec::new();
    let mut by_key: HashMap<String, u32> = HashMap::new();
    by_key.insert(main_name.to_string(), 0);
    add_module(main_name, main_text, sources, diagnostics, &mut modules);
    let mut next = 0;
    while next < modules.len() {
        let importer = modules[next].name.clone();
        let wanted: Vec<(u32, String, crate::syntax::Span)> = modules[next]
            .ast
            .items
            .iter()
            .enumerate()
            .filter_map(|(index, item)| match &item.kind {
                ItemKind::Import(import) => {
                    Some((index as u32, import.path.clone(), import.path_span))
                }
                _ => None,
            })
            .collect();
        let mut imports = Vec::new();
        for (item, path, span) in wanted {
            let target = match loader.load(&path, &importer) {
                Ok(loaded) => Some(match by_key.get(&loaded.key) {
                    Some(&existing) => existing,
                    None => {
                        let index = modules.len() as u32;
                        by_key.insert(loaded.key, index);
                        add_module(
                            &loaded.name,
                            &loaded.text,
                            sources,
                            diagnostics,
                            &mut modules,
                        );
                        index
                    }
                }),
                Err(message) => {
                    diagnostics.push(
                        Diagnostic::error("import-not-found", format!("cannot import `{path}`"), span, "not found")
                            .with_note(message)
                            .with_hint("`stdlib/...` paths resolve against the stdlib folder; others against this file's folder"),
                    );
                    None
                }
            };
            imports.push((item, target));
        }
        modules[next].imports = imports;
        next += 1;
    }
    modules
}

fn add_module(
    name: &str,
    text: &str,
    sources: &mut SourceMap,
    diagnostics: &mut Vec<Diagnostic>,
    modules: &mut Vec<Module>,
) {
    let file = sources.add(name, text);
    let parsed = parse(file, text);
    diagnostics.extend(parsed.diagnostics);
    modules.push(Module {
        name: name.to_string(),
        file,
        ast: parsed.file,
        comments: parsed.comments,
        imports: Vec::new(),
    });
}

#[cfg(test)]
mod tests {
    use super::join_relative;

    #[test]
    fn joins_relative_paths() {
        assert_eq!(join_relative("scripts/a.nas", "b.nas"), "scripts/b.nas");
        assert_eq!(
            join_relative("scripts/a.nas", "../stdlib/ops.nas"),
            "stdlib/ops.nas"
        );
        assert_eq!(join_relative("a.nas", "./b.nas"), "b.nas");
        assert_eq!(join_relative("/x/y/a.nas", "b.nas"), "/x/y/b.nas");
    }
}
