//! Networks by space name and architecture text, as the command line names them: the space is
//! loaded (checked and lowered to the space IR, with the arguments the size asks for), the
//! text decoded into an architecture of it, and the architecture compiled through the
//! space's skeleton ([`super::network::SpaceNet`]).

use super::error::CompileError;
use super::layer::BoxLayer;
use super::network::SpaceNet;
use super::sequence::{is_sequence_space, SequenceNet};
use crate::space::{load_space, load_space_with, Architecture, Space};
use tch::nn;

/// The stdlib spaces whose architectures compile (each pinned against a PyTorch reference in
/// `tests/compile_spaces.rs`).
pub const SPACES: [&str; 8] = [
    "nb201",
    "nb101",
    "darts",
    "nas_rl",
    "enas_macro",
    "mobilenet_v2",
    "enas_rnn",
    "nb_nlp",
];

pub use nas_lang::space::network_size::NetworkSize;

/// The space arguments `size` asks for, by the names `space` (loaded with its defaults) gives
/// its parameters.
pub fn space_args(space: &Space, size: NetworkSize) -> Result<Vec<(String, i64)>, CompileError> {
    let has = |name: &str| space.skeleton().args.iter().any(|(n, _)| n == name);
    let mut args = Vec::new();
    let wanted = [
        // A language model's width is `d`, its classes its vocabulary.
        ("the channel count", size.channels, &["c", "d"][..]),
        (
            "the cells per stage",
            size.cells.map(|n| n as i64),
            &["n", "cells"][..],
        ),
        ("the class count", size.classes, &["classes", "vocab"][..]),
    ];
    for (what, value, names) in wanted {
        let Some(value) = value else { continue };
        let Some(name) = names.iter().find(|n| has(n)) else {
            let params: Vec<&str> = space
                .skeleton()
                .args
                .iter()
                .map(|(n, _)| n.as_str())
                .collect();
            return Err(CompileError::UnknownSpace {
                space: space.name().to_string(),
                message: format!(
                    "it has no parameter for {what} (`{}`); its parameters are: {}",
                    names.join("` or `"),
                    params.join(", ")
                ),
            });
        };
        args.push((name.to_string(), value));
    }
    Ok(args)
}

/// Builds the architecture `arch` of space `space` (a stdlib space name or `FILE.nas:NAME`)
/// under `p`.
pub fn build(
    p: &nn::Path,
    space: &str,
    arch: &str,
    size: NetworkSize,
) -> Result<BoxLayer, CompileError> {
    let loaded = load_space(space).map_err(|m| unknown(space, m))?;
    let decoded = loaded.decode(arch).map_err(|e| CompileError::BadArch {
        text: arch.trim().to_string(),
        message: e.to_string(),
    })?;
    build_arch(p, &loaded, &decoded, size)
}

fn unknown(space: &str, message: String) -> CompileError {
    CompileError::UnknownSpace {
        space: space.to_string(),
        message: message.trim_start_matches("error: ").to_string(),
    }
}

/// Builds the architecture `arch` of the loaded space `space` under `p`. When `size` asks for
/// other parameter values than the space was lowered with, the space is loaded again from
/// where it came from with those values (its other parameters as they were) and the
/// architecture carried over by its canonical text.
pub fn build_arch(
    p: &nn::Path,
    space: &Space,
    arch: &Architecture,
    size: NetworkSize,
) -> Result<BoxLayer, CompileError> {
    let Some(resized) = resize(space, size)? else {
        return compile(p, space, arch, size.in_channels);
    };
    let text = space.encode(arch);
    let carried = resized.decode(&text).map_err(|e| CompileError::BadArch {
        text,
        message: e.to_string(),
    })?;
    compile(p, &resized, &carried, size.in_channels)
}

/// `space` lowered again with the parameter values `size` asks for (its other parameters as
/// they were), from where it was loaded; `None` when it already has them.
pub fn resize(space: &Space, size: NetworkSize) -> Result<Option<Space>, CompileError> {
    let skeleton = space.skeleton();
    let wanted = space_args(space, size)?;
    if wanted.iter().all(|(n, v)| skeleton.int_arg(n) == Some(*v)) {
        return Ok(None);
    }
    let Some(origin) = skeleton.origin.as_deref() else {
        return Err(CompileError::UnknownSpace {
            space: space.name().to_string(),
            message: "it was not loaded from a file, so it cannot be resized".into(),
        });
    };
    let mut args: Vec<(String, i64)> = skeleton
        .args
        .iter()
        .filter_map(|(n, _)| skeleton.int_arg(n).map(|v| (n.clone(), v)))
        .filter(|(n, _)| !wanted.iter().any(|(w, _)| w == n))
        .collect();
    args.extend(wanted);
    load_space_with(origin, &args)
        .map(Some)
        .map_err(|m| unknown(origin, m))
}

/// Compiles `arch` of `space` at the size the space was lowered with, for images of
/// `in_channels` channels (absent: the space's `input` shape, else 3).
fn compile(
    p: &nn::Path,
    space: &Space,
    arch: &Architecture,
    in_channels: Option<i64>,
) -> Result<BoxLayer, CompileError> {
    if is_sequence_space(space) {
        return Ok(Box::new(SequenceNet::new(p, space, arch)?));
    }
    let declared = space
        .skeleton()
        .input
        .as_ref()
        .and_then(|s| match s.kind.as_str() {
            "image" => s.dims.first().copied(),
            _ => None,
        });
    let c = in_channels.or(declared).unwrap_or(3);
    Ok(Box::new(SpaceNet::new(p, space, arch, c)?))
}
