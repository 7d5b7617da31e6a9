//! The open documents and what the checker made of each: every change checks the document
//! again (with its imports), reading imported files from the editor's unsaved text when they
//! are open, from disk otherwise.

use super::position::LineIndex;
use crate::check::{check_with_loader, FsLoader, Loaded, Loader, Program};
use crate::syntax::FileId;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One open document: its text, as the editor has it, and its checked program.
#[derive(Debug)]
pub struct Document {
    /// The text.
    pub text: String,
    /// Its lines, for positions.
    pub lines: LineIndex,
    /// The program checked from it (module 0 is this document).
    pub program: Program,
}

/// Every open document, by path.
#[derive(Debug, Default)]
pub struct Documents {
    open: HashMap<PathBuf, Document>,
}

impl Documents {
    /// Sets the text of `path` (opened or changed) and checks it; then checks again every
    /// other open document that imports it. Returns the paths whose diagnostics changed.
    pub fn set(&mut self, path: &Path, text: String) -> Vec<PathBuf> {
        let program = self.check(path, &text);
        let lines = LineIndex::new(&text);
        self.open.insert(
            path.to_path_buf(),
            Document {
                text,
                lines,
                program,
            },
        );
        let mut changed = vec![path.to_path_buf()];
        let importers: Vec<PathBuf> = self
            .open
            .iter()
            .filter(|(other, doc)| other.as_path() != path && imports(&doc.program, path))
            .map(|(other, _)| other.clone())
            .collect();
        for other in importers {
            let text = self.open[&other].text.clone();
            let program = self.check(&other, &text);
            if let Some(doc) = self.open.get_mut(&other) {
                doc.program = program;
            }
            changed.push(other);
        }
        changed
    }

    /// Forgets `path` (closed).
    pub fn close(&mut self, path: &Path) {
        self.open.remove(path);
    }

    /// The open document at `path`.
    pub fn get(&self, path: &Path) -> Option<&Document> {
        self.open.get(path)
    }

    fn check(&self, path: &Path, text: &str) -> Program {
        let mut loader = Overlay { open: &self.open };
        check_with_loader(&path.to_string_lossy(), text, &mut loader)
    }
}

/// Whether `program` loaded the file at `path` as one of its imports.
fn imports(program: &Program, path: &Path) -> bool {
    program
        .modules
        .iter()
        .skip(1)
        .any(|module| module_path(&module.name) == path)
}

/// The file a module of a program was read from: `stdlib/...` names are in the stdlib
/// folder, every other name is the path itself (absolute, since documents are checked under
/// their absolute paths).
pub fn module_path(name: &str) -> PathBuf {
    match (name.strip_prefix("stdlib/"), crate::paths::stdlib_dir()) {
        (Some(rest), Some(dir)) => dir.join(rest),
        _ => PathBuf::from(name),
    }
}

/// The path of the file `file` of `program`.
pub fn file_path(program: &Program, file: FileId) -> Option<PathBuf> {
    program
        .modules
        .iter()
        .find(|module| module.file == file)
        .map(|module| module_path(&module.name))
}

/// Reads imports from the open documents first, then from disk as `nas check` does.
struct Overlay<'a> {
    open: &'a HashMap<PathBuf, Document>,
}

impl Loader for Overlay<'_> {
    fn load(&mut self, path: &str, importer: &str) -> Result<Loaded, String> {
        let name = if path.starts_with("stdlib/") {
            path.to_string()
        } else {
            crate::check::join_relative(importer, path)
        };
        let file = module_path(&name);
        match self.open.get(&file) {
            Some(doc) => Ok(Loaded {
                key: file
                    .canonicalize()
                    .unwrap_or_else(|_| file.clone())
                    .to_string_lossy()
                    .into_owned(),
                name,
                text: doc.text.clone(),
            }),
            None => FsLoader.load(path, importer),
        }
    }
}
