//! `nas doctor`: what libtorch, CUDA, cuDNN, the CPU, the stdlib and the data look like to this
//! binary, and which of those are problems.

pub mod cuda_driver;
pub mod loaded_libs;

use crate::paths;
use cuda_driver::DriverReport;
use std::path::{Path, PathBuf};

/// The libtorch version this build of `tch` is written against.
pub const EXPECTED_LIBTORCH: &str = "2.11.0";

/// Everything `nas doctor` found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    /// libtorch's `lib/` folder, as found among the loaded libraries.
    pub libtorch_lib: Option<PathBuf>,
    /// libtorch's version (from `version.py` or `build-version` beside `lib/`).
    pub libtorch_version: Option<String>,
    /// Whether the libtorch install ships `libtorch_cuda.so`.
    pub libtorch_cuda_present: bool,
    /// Whether `libtorch_cuda.so` is loaded into this process.
    pub libtorch_cuda_loaded: bool,
    /// `tch::Cuda::is_available()`.
    pub cuda_available: bool,
    /// `tch::Cuda::device_count()`.
    pub cuda_device_count: i64,
    /// `tch::Cuda::cudnn_is_available()`.
    pub cudnn_available: bool,
    /// cuDNN's version as libtorch reports it, when CUDA is available.
    pub cudnn_version: Option<i64>,
    /// The device of a small tensor placed on `cuda:0`, when CUDA is available.
    pub cuda_probe_device: Option<String>,
    /// What the NVIDIA driver reports.
    pub driver: DriverReport,
    /// libtorch's intra-op CPU threads.
    pub cpu_threads: i32,
    /// Logical CPUs of this machine.
    pub logical_cpus: usize,
    /// Whether libtorch was built with MKL.
    pub mkl: bool,
    /// The CPU's bfloat16 instructions (`avx512_bf16`, `amx_bf16`) as the kernel lists them;
    /// empty when it has none (then `--amp bf16` on the CPU is emulated, slower than float32).
    pub cpu_bf16: Vec<String>,
    /// The stdlib folder, if found.
    pub stdlib: Option<PathBuf>,
    /// The project's data folder (NAS-Bench-201 table, Penn Treebank), if found.
    pub data: Option<PathBuf>,
    /// The Fashion-MNIST folder, if it holds the training images.
    pub fashion_mnist: Option<PathBuf>,
    /// Problems that make `nas doctor` fail, each with a hint.
    pub problems: Vec<Problem>,
}

/// One thing that is wrong, and what to do about it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Problem {
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub hint: String,
}

/// Inspects the runtime. Touches libtorch (and CUDA, when available) but changes nothing.
pub fn inspect() -> Report {
    let cpu_threads = tch::get_num_threads();
    let cuda_available = tch::Cuda::is_available();
    let cuda_device_count = tch::Cuda::device_count();
    let cudnn_available = tch::Cuda::cudnn_is_available();
    let cudnn_version = cuda_available.then(tch::utils::version_cudnn);
    let cuda_probe_device = cuda_available.then(|| {
        match tch::Tensor::f_ones([2], (tch::Kind::Float, tch::Device::Cuda(0))) {
            Ok(t) => format!("{:?}", t.device()),
            Err(e) => format!("error: {e}"),
        }
    });
    let libs = loaded_libs::loaded_shared_objects();
    let libtorch_lib = loaded_libs::find_loaded(&libs, "libtorch_cpu")
        .and_then(|p| p.parent().map(Path::to_path_buf));
    let libtorch_version = libtorch_lib.as_deref().and_then(libtorch_version);
    let libtorch_cuda_present = libtorch_lib
        .as_deref()
        .is_some_and(|lib| lib.join("libtorch_cuda.so").exists());
    let libtorch_cuda_loaded = loaded_libs::find_loaded(&libs, "libtorch_cuda").is_some();
    let fmnist = paths::fashion_mnist_dir();
    let mut report = Report {
        libtorch_lib,
        libtorch_version,
        libtorch_cuda_present,
        libtorch_cuda_loaded,
        cuda_available,
        cuda_device_count,
        cudnn_available,
        cudnn_version,
        cuda_probe_device,
        driver: cuda_driver::query_driver(),
        cpu_threads,
        logical_cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
        mkl: tch::utils::has_mkl(),
        cpu_bf16: cpu_bf16_flags(&std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default()),
        stdlib: paths::stdlib_dir(),
        data: paths::data_dir(),
        fashion_mnist: fmnist
            .join("train-images-idx3-ubyte.gz")
            .exists()
            .then_some(fmnist),
        problems: Vec::new(),
    };
    report.problems = problems(&report);
    report
}

/// The bfloat16 instruction-set flags in a `/proc/cpuinfo` text, in the order listed.
fn cpu_bf16_flags(cpuinfo: &str) -> Vec<String> {
    let Some(flags) = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("flags").and_then(|r| r.split_once(':')))
    else {
        return Vec::new();
    };
    flags
        .1
        .split_whitespace()
        .filter(|f| matches!(*f, "avx512_bf16" | "amx_bf16"))
        .map(str::to_string)
        .collect()
}

/// Reads libtorch's version from the files beside its `lib/` folder.
fn libtorch_version(lib: &Path) -> Option<String> {
    let root = lib.parent()?;
    if let Ok(text) = std::fs::read_to_string(root.join("build-version")) {
        return Some(text.trim().to_string());
    }
    let text = std::fs::read_to_string(root.join("version.py")).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("__version__ = "))
        .map(|v| v.trim_matches(|c| c == '\'' || c == '"').to_string())
}

/// The problems in a report: each fails `nas doctor`.
fn problems(r: &Report) -> Vec<Problem> {
    let mut out = Vec::new();
    match &r.libtorch_version {
        Some(v) if v.split('+').next() != Some(EXPECTED_LIBTORCH) => out.push(Problem {
            message: format!("libtorch {v} is loaded, but nas is built for {EXPECTED_LIBTORCH}"),
            hint: "run `make setup` to install torch==2.11.0 into .venv, or point LIBTORCH at a 2.11.0 libtorch and rebuild".into(),
        }),
        None => out.push(Problem {
            message: "cannot tell which libtorch is loaded (no libtorch_cpu.so with a version file beside it)".into(),
            hint: "run `make setup`, or point LIBTORCH at a libtorch 2.11.0 folder and rebuild".into(),
        }),
        Some(_) => {}
    }
    if r.libtorch_cuda_present && !r.libtorch_cuda_loaded {
        out.push(Problem {
            message: "libtorch_cuda.so is in the libtorch install but not loaded: CUDA is off".into(),
            hint: "the linker dropped it (--as-needed); rebuild with this project's build.rs (`make build`)".into(),
        });
    }
    if !r.driver.gpus.is_empty() && !r.cuda_available {
        out.push(Problem {
            message: format!(
                "the NVIDIA driver sees {} GPU(s) but libtorch reports CUDA unavailable",
                r.driver.gpus.len()
            ),
            hint: "use a CUDA build of libtorch (PyPI's torch==2.11.0 is one) and check that its CUDA runtime matches the driver".into(),
        });
    }
    out
}

/// Renders a report as the human-readable text `nas doctor` prints.
pub fn render(r: &Report) -> String {
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    let path = |p: &Option<PathBuf>, missing: &str| {
        p.as_ref().map_or_else(
            || format!("not found ({missing})"),
            |p| p.display().to_string(),
        )
    };
    let mut s = String::new();
    let mut line = |k: &str, v: String| s.push_str(&format!("{k:<16} {v}\n"));
    line(
        "libtorch",
        format!(
            "{} at {}",
            r.libtorch_version.as_deref().unwrap_or("unknown version"),
            path(&r.libtorch_lib, "not loaded")
        ),
    );
    line(
        "libtorch_cuda",
        format!(
            "{} in install, {}",
            if r.libtorch_cuda_present {
                "present"
            } else {
                "absent"
            },
            if r.libtorch_cuda_loaded {
                "loaded"
            } else {
                "not loaded"
            }
        ),
    );
    line(
        "CUDA",
        format!(
            "{} ({} device(s) visible to libtorch)",
            yes_no(r.cuda_available),
            r.cuda_device_count
        ),
    );
    line(
        "cuDNN",
        match r.cudnn_version {
            Some(v) => format!("{} (version {v})", yes_no(r.cudnn_available)),
            None => yes_no(r.cudnn_available).to_string(),
        },
    );
    match (&r.driver.unavailable_reason, r.driver.driver_version) {
        (Some(reason), _) => line("GPUs", reason.clone()),
        (None, version) => {
            let version = version.map_or("?".to_string(), |v| {
                format!("{}.{}", v / 1000, (v % 1000) / 10)
            });
            line("driver", format!("CUDA driver API {version}"));
            for g in &r.driver.gpus {
                let capability = g
                    .compute_capability
                    .map_or(String::new(), |(major, minor)| {
                        let bf16 = if g.bf16_native() {
                            "bf16 native"
                        } else {
                            "no bf16 units: prefer --amp fp16"
                        };
                        format!(", compute {major}.{minor} ({bf16})")
                    });
                line(
                    &format!("cuda:{}", g.index),
                    format!(
                        "{}, {:.1} GiB{capability}",
                        g.name,
                        g.total_memory_bytes as f64 / (1u64 << 30) as f64
                    ),
                );
            }
        }
    }
    if let Some(device) = &r.cuda_probe_device {
        line("cuda:0 probe", format!("tensor placed on {device}"));
    }
    line(
        "CPU",
        format!(
            "{} libtorch threads, {} logical CPUs, MKL {}, {}",
            r.cpu_threads,
            r.logical_cpus,
            yes_no(r.mkl),
            if r.cpu_bf16.is_empty() {
                "no bf16 instructions (--amp bf16 is emulated, slower)".to_string()
            } else {
                format!("bf16 native ({})", r.cpu_bf16.join(", "))
            }
        ),
    );
    line("stdlib", path(&r.stdlib, "set NAS_STDLIB"));
    line("data", path(&r.data, "set NAS_DATA"));
    line(
        "Fashion-MNIST",
        path(
            &r.fashion_mnist,
            "run `make setup` or set NAS_FASHION_MNIST",
        ),
    );
    for p in &r.problems {
        s.push_str(&format!("\nerror: {}\n  hint: {}\n", p.message, p.hint));
    }
    if r.problems.is_empty() {
        s.push_str("\nok\n");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::cpu_bf16_flags;

    #[test]
    fn bf16_flags_are_read_from_the_first_flags_line() {
        let info = "processor\t: 0\nflags\t\t: fpu avx512f avx512_bf16 amx_tile amx_bf16\n\
                    processor\t: 1\nflags\t\t: fpu\n";
        assert_eq!(cpu_bf16_flags(info), ["avx512_bf16", "amx_bf16"]);
        assert!(cpu_bf16_flags("flags\t\t: fpu avx2\n").is_empty());
        assert!(cpu_bf16_flags("").is_empty());
    }
}
