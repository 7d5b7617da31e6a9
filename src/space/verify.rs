//! What `nas check` accepts must be counted, sampled and built: every space of a checked
//! file whose parameters all have defaults is lowered to the space IR as the commands will
//! lower it, and whatever the lowering refuses becomes a diagnostic of the check.

use super::lower::lower_space;
use crate::check::Program;
use crate::syntax::ast::ItemKind;
use crate::syntax::Diagnostic;

/// Lowers every space of the main file of `program` (a checked program without errors) that
/// can be lowered with its defaults; returns the problems found.
pub fn verify(program: &Program) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for item in &program.main().ast.items {
        let ItemKind::Space(def) = &item.kind else {
            continue;
        };
        if def.params.iter().any(|p| p.default.is_none()) {
            continue;
        }
        if let Err(d) = lower_space(program, &def.name.name) {
            found.push(d);
        }
    }
    found
}
