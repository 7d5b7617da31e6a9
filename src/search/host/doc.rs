//! Registering the host API with its documentation: every function goes into the engine
//! with its argument names and one line of doc, through Rhai's metadata, and every type with
//! a line of its own. `nas api` ([`super::reference`]) prints what the engine holds, so the
//! reference is the registration itself and cannot go stale; the argument names are an
//! array as long as the function's parameters, which the compiler checks.

use rhai::{CustomType, Engine, FuncRegistration, RhaiNativeFunc, Variant};

/// The host API being registered into an engine.
pub struct Api<'e>(pub &'e mut Engine);

impl Api<'_> {
    /// Registers `func` as the function `name` (a method when its first parameter is a host
    /// type taken by `&mut`), with a name for each parameter and one line of doc.
    pub fn fun<A: 'static, const N: usize, const X: bool, R: Variant + Clone, const F: bool, FUNC>(
        &mut self,
        name: &str,
        args: [&str; N],
        doc: &str,
        func: FUNC,
    ) -> &mut Self
    where
        FUNC: RhaiNativeFunc<A, N, X, R, F> + 'static,
    {
        let info = params_info::<A, N, X, R, F, FUNC>(self.0, &args);
        FuncRegistration::new(name)
            .with_params_info(info)
            .with_comments([format!("/// {doc}")])
            .register_into_engine(self.0, func);
        self
    }

    /// Registers `func` as the property getter `object.prop`, with one line of doc.
    pub fn get<A: 'static, const X: bool, R: Variant + Clone, const F: bool, FUNC>(
        &mut self,
        prop: &str,
        doc: &str,
        func: FUNC,
    ) -> &mut Self
    where
        FUNC: RhaiNativeFunc<A, 1, X, R, F> + 'static,
    {
        let info = params_info::<A, 1, X, R, F, FUNC>(self.0, &["self"]);
        FuncRegistration::new_getter(prop)
            .with_params_info(info)
            .with_comments([format!("/// {doc}")])
            .register_into_engine(self.0, func);
        self
    }

    /// Registers the host type `T` under the name and doc its [`CustomType`] gives.
    pub fn ty<T: CustomType>(&mut self) -> &mut Self {
        self.0.build_type::<T>();
        self
    }
}

/// `name: type` for each parameter and then the return type, as Rhai's metadata records them.
fn params_info<A: 'static, const N: usize, const X: bool, R: 'static, const F: bool, FUNC>(
    engine: &Engine,
    names: &[&str; N],
) -> Vec<String>
where
    FUNC: RhaiNativeFunc<A, N, X, R, F>,
{
    let mut info: Vec<String> = names
        .iter()
        .zip(FUNC::param_names())
        .map(|(name, ty)| format!("{name}: {}", type_text(engine, ty)))
        .collect();
    info.push(type_text(engine, FUNC::return_type_name()));
    info
}

/// The name a script author knows a Rust type by: a host type's registered name, `int`,
/// `float`, `bool`, `string`, `array`, `map`, `any` (a value of any type), `()` (nothing).
/// A fallible function's `Result<T, _>` is `T`.
pub fn type_text(engine: &Engine, rust: &str) -> String {
    let rust = rust.strip_prefix("&mut ").unwrap_or(rust);
    let rust = match rust.strip_prefix("core::result::Result<") {
        Some(rest) => rest
            .rsplit_once(", alloc::boxed::Box<")
            .map_or(rest, |(ok, _)| ok),
        None => rust,
    };
    if rust == std::any::type_name::<rhai::Dynamic>() {
        return "any".to_string();
    }
    match engine.map_type_name(rust) {
        "i64" => "int",
        "f64" => "float",
        other => other,
    }
    .to_string()
}

/// Gives a host type its script name and one line of doc (its [`CustomType`], which
/// [`Api::ty`] registers).
macro_rules! host_type {
    ($ty:ty, $name:literal, $doc:literal) => {
        impl rhai::CustomType for $ty {
            fn build(mut builder: rhai::TypeBuilder<Self>) {
                builder
                    .with_name($name)
                    .with_comments(&[concat!("/// ", $doc)]);
            }
        }
    };
}
pub(super) use host_type;
