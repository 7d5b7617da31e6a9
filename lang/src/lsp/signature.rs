//! How definitions and built-ins are written for people: `conv_bn(c: int, k: int,
//! stride: int = 1)`, taken from the source text of the definition or from the built-in's
//! parameter table, so hover and completion say what the checker knows.

use crate::check::builtins::{self, BuiltinKind};
use crate::check::Program;
use crate::syntax::ast::{DefId, Item};
use crate::syntax::builtin::Builtin;

/// `keyword name(params)` of the item `id`, its parameters as written in its file.
pub fn of_definition(program: &Program, id: DefId) -> Option<String> {
    let item = program.item(id)?;
    let module = program.modules.get(id.module as usize)?;
    let text = &program.sources.get(module.file)?.text;
    Some(of_item(item, text))
}

/// `keyword name(params)` of `item`, read from `text`, the text of its file.
pub fn of_item(item: &Item, text: &str) -> String {
    let name = item.kind.name().map_or("", |n| n.name.as_str());
    let params: Vec<&str> = item
        .kind
        .params()
        .iter()
        .filter_map(|p| text.get(p.span.range()))
        .collect();
    if params.is_empty() {
        format!("{} {name}", item.kind.keyword())
    } else {
        format!("{} {name}({})", item.kind.keyword(), params.join(", "))
    }
}

/// `name(params)` of a built-in: `[k: int]` may be left out, `stride: int = 1` has a default.
pub fn of_builtin(builtin: Builtin) -> String {
    let name = builtin.name();
    match builtins::kind(builtin) {
        BuiltinKind::Combinator if builtin == Builtin::Blend => format!("{name}(a, b, gate)"),
        BuiltinKind::Combinator => format!("{name}(a, b, ...)"),
        BuiltinKind::Conditional => format!("{name}(k == value, a, b)"),
        BuiltinKind::Op | BuiltinKind::Shape => {
            let params = builtins::params(builtin);
            if params.is_empty() {
                return name.to_string();
            }
            let written: Vec<String> = params
                .iter()
                .map(|p| match (p.default, p.optional) {
                    (Some(default), _) => format!("{}: {} = {default}", p.name, p.ty.name()),
                    (None, true) => format!("[{}: {}]", p.name, p.ty.name()),
                    (None, false) => format!("{}: {}", p.name, p.ty.name()),
                })
                .collect();
            format!("{name}({})", written.join(", "))
        }
    }
}

/// What kind of built-in `builtin` is, in words.
pub fn builtin_kind(builtin: Builtin) -> &'static str {
    match builtins::kind(builtin) {
        BuiltinKind::Op => "built-in op",
        BuiltinKind::Combinator => "built-in combinator",
        BuiltinKind::Shape => "built-in shape",
        BuiltinKind::Conditional => "built-in conditional",
    }
}
