//! `nas api`: the strategy host API as text, read back from the metadata Rhai keeps of an
//! engine with the whole API registered ([`super::doc`]): every type with its doc, then its
//! properties and methods, then the free functions, each with its parameters, return type and
//! line of doc.

use rhai::Engine;
use serde_json::Value;
use std::fmt::Write;

/// The reference text of the host API.
pub fn reference() -> Result<String, String> {
    let mut engine = Engine::new_raw();
    super::register_api(&mut engine);
    let json = engine
        .gen_fn_metadata_to_json(false)
        .map_err(|e| format!("cannot read the registered API: {e}"))?;
    let metadata: Value =
        serde_json::from_str(&json).map_err(|e| format!("cannot read the registered API: {e}"))?;
    let functions: Vec<Function> = list(&metadata, "functions")
        .iter()
        .map(Function::of)
        .collect();
    let mut types: Vec<(String, String)> = list(&metadata, "customTypes")
        .iter()
        .map(|t| (text(t, "displayName"), doc_of(t)))
        .collect();
    // `Ctx` first: every script starts from it; the others by name.
    types.sort_by_key(|(name, _)| (name != "Ctx", name.clone()));
    let mut out = String::from(
        "The strategy host API: what a Rhai strategy (`fn search(ctx) { .. }`) can call besides\n\
         Rhai's own functions. Generated from the functions registered with the engine.\n",
    );
    for (name, doc) in &types {
        let _ = write!(out, "\n{name}: {doc}\n");
        for f in functions
            .iter()
            .filter(|f| f.receiver() == Some(name.as_str()))
        {
            f.write(&mut out, Some(name));
        }
    }
    out.push_str("\nFunctions\n");
    for f in functions.iter().filter(|f| {
        f.receiver()
            .is_none_or(|r| !types.iter().any(|(name, _)| name == r))
    }) {
        f.write(&mut out, None);
    }
    Ok(out)
}

/// One registered function as the metadata describes it.
struct Function {
    name: String,
    params: Vec<(String, String)>,
    returns: String,
    doc: String,
}

impl Function {
    fn of(value: &Value) -> Function {
        let params = list(value, "params")
            .iter()
            .map(|p| (text(p, "name"), text(p, "type")))
            .collect();
        Function {
            name: text(value, "name"),
            params,
            returns: text(value, "returnType"),
            doc: doc_of(value),
        }
    }

    /// The type whose method (or property) this is: its first parameter's type.
    fn receiver(&self) -> Option<&str> {
        self.params.first().map(|(_, ty)| ty.as_str())
    }

    /// `  Type.name(args) -> type` (or `name(..)` for a free function, `Type.prop -> type` for
    /// a property) and its doc on the next line.
    fn write(&self, out: &mut String, receiver: Option<&str>) {
        let args = |params: &[(String, String)]| {
            params
                .iter()
                .map(|(name, ty)| format!("{name}: {ty}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let head = match (receiver, self.name.strip_prefix("get$")) {
            (Some(ty), Some(prop)) => format!("{ty}.{prop}"),
            (Some(ty), None)
                if self.params.len() == 2 && !self.name.starts_with(char::is_alphabetic) =>
            {
                format!("{ty} {} {ty}", self.name)
            }
            (Some(ty), None) => format!("{ty}.{}({})", self.name, args(&self.params[1..])),
            (None, _) => format!("{}({})", self.name, args(&self.params)),
        };
        let returns = match self.returns.as_str() {
            "" | "()" => String::new(),
            ty => format!(" -> {ty}"),
        };
        let doc = if self.doc.is_empty() {
            "(undocumented)"
        } else {
            &self.doc
        };
        let _ = write!(out, "  {head}{returns}\n      {doc}\n");
    }
}

fn list<'v>(value: &'v Value, key: &str) -> &'v [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn text(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

/// The doc comments of a function or type, without their `///`, as one line.
fn doc_of(value: &Value) -> String {
    list(value, "docComments")
        .iter()
        .filter_map(Value::as_str)
        .flat_map(str::lines)
        .map(|line| line.trim_start_matches('/').trim())
        .collect::<Vec<_>>()
        .join(" ")
}
