//! `nas doctor` against the libtorch this crate was built with: the version, the forced link
//! of libtorch_cuda, and the exit status.

use std::path::Path;
use std::process::Command;

fn doctor_json() -> (serde_json::Value, bool) {
    let out = Command::new(env!("CARGO_BIN_EXE_nas"))
        .args(["doctor", "--json"])
        .output()
        .expect("nas runs");
    let report = serde_json::from_slice(&out.stdout).expect("doctor prints JSON");
    (report, out.status.success())
}

/// The libtorch lib folder the build linked against (set by build.rs from LIBTORCH).
fn linked_libtorch_lib() -> Option<&'static str> {
    option_env!("NAS_LIBTORCH_LIB")
}

#[test]
fn libtorch_cuda_is_loaded_whenever_the_install_ships_it() {
    let Some(lib) = linked_libtorch_lib() else {
        eprintln!("built against a system libtorch: nothing to check");
        return;
    };
    let (report, _) = doctor_json();
    let ships_cuda = Path::new(lib).join("libtorch_cuda.so").exists();
    assert_eq!(report["libtorch_cuda_present"], ships_cuda, "{report:#}");
    if ships_cuda {
        assert_eq!(
            report["libtorch_cuda_loaded"], true,
            "the linker dropped libtorch_cuda.so: CUDA would be off on GPU machines\n{report:#}"
        );
    }
}

#[test]
fn reports_the_expected_libtorch_and_passes() {
    let (report, ok) = doctor_json();
    let version = report["libtorch_version"].as_str().unwrap_or_default();
    assert!(version.starts_with("2.11.0"), "{report:#}");
    assert!(report["cpu_threads"].as_i64().unwrap_or(0) >= 1);
    assert!(report["stdlib"].is_string(), "{report:#}");
    assert!(ok, "doctor found problems: {:#}", report["problems"]);
}

#[test]
fn reports_the_cpus_bf16_instructions() {
    let (report, _) = doctor_json();
    let listed: Vec<&str> = report["cpu_bf16"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|f| f.as_str())
        .collect();
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let has = |flag: &str| cpuinfo.split_whitespace().any(|w| w == flag);
    assert_eq!(
        listed.contains(&"avx512_bf16"),
        has("avx512_bf16"),
        "{report:#}"
    );
    assert_eq!(listed.contains(&"amx_bf16"), has("amx_bf16"), "{report:#}");
}

#[test]
fn text_report_names_every_section() {
    let out = Command::new(env!("CARGO_BIN_EXE_nas"))
        .arg("doctor")
        .output()
        .expect("nas runs");
    let text = String::from_utf8_lossy(&out.stdout);
    for key in [
        "libtorch",
        "libtorch_cuda",
        "CUDA",
        "cuDNN",
        "CPU",
        "stdlib",
        "Fashion-MNIST",
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(key)),
            "missing {key}:\n{text}"
        );
    }
}

#[test]
fn runs_from_another_directory_without_library_path() {
    let out = Command::new(env!("CARGO_BIN_EXE_nas"))
        .args(["doctor", "--json"])
        .current_dir(std::env::temp_dir())
        .env_remove("LD_LIBRARY_PATH")
        .output()
        .expect("nas runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
