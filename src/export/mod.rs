//! `nas export`: one architecture written out as a plain PyTorch project that needs nothing of
//! nas: `model.py` (the network as constructor calls of a few plain `torch.nn.Module` classes,
//! [`python`]), `weights.safetensors` (its variables under the names nas gives them, plus batch
//! norm's `num_batches_tracked`, [`state`]), `arch.json` (the space, the architecture, what a
//! run measured and how it trained) and `export_onnx.py` (writes `model.onnx`).

pub mod python;
pub mod state;

use crate::compile::catalog::{self, NetworkSize};
use crate::compile::parameter_count;
use crate::space::{Architecture, InputShape, Space};
use crate::train::checkpoint;
use serde_json::{json, Map, Value as Json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use tch::{nn, Device, Tensor};

/// The script that writes `model.onnx`, as every export holds it.
pub const EXPORT_ONNX: &str = include_str!("export_onnx.py");

/// What to export.
pub struct Request<'a> {
    /// How the space is named (a stdlib name or `FILE.nas:NAME`), for `arch.json`.
    pub space_name: &'a str,
    /// The space, lowered at the size the network has.
    pub space: &'a Space,
    /// The architecture.
    pub arch: &'a Architecture,
    /// The input one example has (an image's channels, height, width; a sequence's steps).
    pub input: &'a InputShape,
    /// The trained variables (a safetensors file nas wrote); `None`: freshly initialised.
    pub weights: Option<&'a Path>,
    /// More of `arch.json`: what a run measured, how it trained.
    pub about: Map<String, Json>,
}

/// What an export wrote.
#[derive(Debug)]
pub struct Written {
    /// The files, in the order written.
    pub files: Vec<PathBuf>,
    /// The network's trainable parameters.
    pub parameters: i64,
}

/// The input of `space`'s networks as it declares it (images default to 3×32×32).
pub fn declared_input(space: &Space) -> InputShape {
    space.skeleton().input.clone().unwrap_or(InputShape {
        kind: "image".into(),
        dims: vec![3, 32, 32],
    })
}

/// Writes the export of `request` into `dir` (created when missing).
pub fn export(dir: &Path, request: &Request) -> Result<Written, String> {
    let input = request.input;
    let in_channels = match input.kind.as_str() {
        "image" if input.dims.len() == 3 && input.dims.iter().all(|&d| d > 0) => {
            Some(input.dims[0])
        }
        "image" => {
            return Err(format!(
                "an image input is channels×height×width, not {:?}",
                input.dims
            ))
        }
        "sequence" if input.dims.first().is_some_and(|&t| t > 0) => None,
        other => {
            return Err(format!(
                "cannot export networks of `{other}` input (images and sequences are exported)"
            ))
        }
    };
    let mut vs = nn::VarStore::new(Device::Cpu);
    let size = NetworkSize {
        in_channels,
        ..NetworkSize::default()
    };
    let net = catalog::build_arch(&vs.root(), request.space, request.arch, size)
        .map_err(|e| e.to_string())?;
    if let Some(path) = request.weights {
        if !path.is_file() {
            return Err(format!("there is no weights file {}", path.display()));
        }
        checkpoint::load(&mut vs, path).map_err(|e| {
            format!(
                "{}: these weights are not this network's: {e}\n  hint: give the size the weights were trained at (--channels, --cells, --classes, --input)",
                path.display()
            )
        })?;
    }
    let module = net.describe();
    let (variables, counters) = state::keys(&module);
    let stored: BTreeSet<String> = vs.variables().into_keys().collect();
    let described: BTreeSet<String> = variables.iter().cloned().collect();
    if stored != described {
        let missing: Vec<_> = stored.difference(&described).take(5).collect();
        let extra: Vec<_> = described.difference(&stored).take(5).collect();
        return Err(format!(
            "the exported module's variables differ from the network's (not in model.py: {missing:?}; not in the network: {extra:?}); this is a bug in nas export"
        ));
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let text = request.space.encode(request.arch);
    let mut files = Vec::new();
    let mut put = |name: &str, contents: &[u8]| -> Result<(), String> {
        let path = dir.join(name);
        std::fs::write(&path, contents)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        files.push(path);
        Ok(())
    };
    put(
        "model.py",
        model_py(request.space_name, &text, input, &module).as_bytes(),
    )?;
    put("export_onnx.py", EXPORT_ONNX.as_bytes())?;
    let parameters = parameter_count(&vs);
    let mut about = Map::new();
    about.insert("space".into(), json!(request.space_name));
    about.insert("space_args".into(), space_args(request.space));
    about.insert("arch".into(), json!(text));
    about.insert("decisions".into(), request.space.to_json(request.arch));
    about.insert(
        "input".into(),
        json!({"kind": input.kind, "shape": input.dims}),
    );
    about.insert("parameters".into(), json!(parameters));
    about.insert("trained".into(), json!(request.weights.is_some()));
    about.extend(request.about.clone());
    let arch_json = serde_json::to_string_pretty(&Json::Object(about))
        .map_err(|e| format!("cannot write arch.json: {e}"))?;
    put("arch.json", format!("{arch_json}\n").as_bytes())?;
    let weights = dir.join("weights.safetensors");
    write_weights(&vs, &counters, &weights)?;
    files.push(weights);
    Ok(Written { files, parameters })
}

/// The space's integer parameters as bound.
fn space_args(space: &Space) -> Json {
    let skeleton = space.skeleton();
    let args: Map<String, Json> = skeleton
        .args
        .iter()
        .filter_map(|(n, _)| skeleton.int_arg(n).map(|v| (n.clone(), json!(v))))
        .collect();
    Json::Object(args)
}

/// Every variable of `vs` (row-major copies on the CPU) and a zero `num_batches_tracked` at
/// each of `counters`, to `path`.
fn write_weights(vs: &nn::VarStore, counters: &[String], path: &Path) -> Result<(), String> {
    let fail = |e: tch::TchError| format!("cannot write {}: {e}", path.display());
    let mut named = vs
        .variables()
        .into_iter()
        .map(|(name, t)| Ok((name, t.f_contiguous()?)))
        .collect::<Result<Vec<_>, tch::TchError>>()
        .map_err(fail)?;
    for key in counters {
        named.push((key.clone(), Tensor::from(0i64)));
    }
    named.sort_by(|a, b| a.0.cmp(&b.0));
    Tensor::write_safetensors(&named, path).map_err(fail)
}

/// The text of `model.py`.
fn model_py(
    space: &str,
    arch: &str,
    input: &InputShape,
    module: &crate::compile::describe::Module,
) -> String {
    let dims: Vec<String> = input.dims.iter().map(ToString::to_string).collect();
    let shape = match dims.as_slice() {
        [one] => format!("({one},)"),
        _ => format!("({})", dims.join(", ")),
    };
    format!(
        r#"r"""The architecture `{arch}`
of the space `{space}`, exported by `nas export` as a plain PyTorch module (nothing here needs
nas). Its state_dict keys are the names nas gives the variables (their paths in the
architecture), so nas's weights load strictly:

    from model import build, example_input, load_weights

    net = build()
    net.load_state_dict(load_weights("weights.safetensors"))
    net.eval()
    out = net(example_input())

nas does not count batches: each batch norm's num_batches_tracked is 0 in weights.safetensors
(PyTorch reads it only when momentum is None). `python export_onnx.py` (with the onnx package
installed) writes model.onnx.
"""

{library}

INPUT_KIND = {kind}
INPUT_SHAPE = {shape}


def example_input(batch=2):
    """A random batch of the input the network was exported for: images, or token ids (zeros)."""
    if INPUT_KIND == "sequence":
        return torch.zeros((batch, INPUT_SHAPE[0]), dtype=torch.long)
    return torch.randn((batch, *INPUT_SHAPE))


def build():
    """The network, initialised by PyTorch (load weights.safetensors for the trained one)."""
    return {expr}
"#,
        library = python::LIBRARY.trim_end(),
        kind = serde_json::to_string(&input.kind).unwrap_or_default(),
        expr = python::expression(module, 1),
    )
}
