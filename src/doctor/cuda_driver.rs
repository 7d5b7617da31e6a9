//! GPU names and memory from the NVIDIA driver API (`libcuda.so.1`), loaded at run time so a
//! machine without a driver simply reports none. libtorch's C API exposes device counts but
//! not names or memory, hence this small, read-only binding.

use std::ffi::{c_char, c_int, c_uint, CStr};

/// One GPU as the driver reports it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct GpuInfo {
    /// The device's index (`cuda:N`).
    pub index: usize,
    /// The marketing name, e.g. "NVIDIA H100 80GB HBM3".
    pub name: String,
    /// Total device memory in bytes.
    pub total_memory_bytes: u64,
    /// The compute capability (major, minor), e.g. (9, 0) for a Hopper GPU, when reported.
    pub compute_capability: Option<(i32, i32)>,
}

impl GpuInfo {
    /// Whether the GPU computes in bfloat16 natively (compute capability 8.0, Ampere, or
    /// later), so `--amp bf16` speeds training up.
    pub fn bf16_native(&self) -> bool {
        self.compute_capability.is_some_and(|(major, _)| major >= 8)
    }
}

/// What the driver said: its version and devices, or why it could not be asked.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DriverReport {
    /// The driver API version as reported (e.g. 12080 for 12.8), when the driver loaded.
    pub driver_version: Option<i32>,
    /// The devices found.
    pub gpus: Vec<GpuInfo>,
    /// Why no devices could be listed, when that is the case.
    pub unavailable_reason: Option<String>,
}

type CuInit = unsafe extern "C" fn(c_uint) -> c_int;
type CuDriverGetVersion = unsafe extern "C" fn(*mut c_int) -> c_int;
type CuDeviceGetCount = unsafe extern "C" fn(*mut c_int) -> c_int;
type CuDeviceGet = unsafe extern "C" fn(*mut c_int, c_int) -> c_int;
type CuDeviceGetName = unsafe extern "C" fn(*mut c_char, c_int, c_int) -> c_int;
type CuDeviceTotalMem = unsafe extern "C" fn(*mut usize, c_int) -> c_int;
type CuDeviceGetAttribute = unsafe extern "C" fn(*mut c_int, c_int, c_int) -> c_int;

/// `CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR` and `_MINOR` of the driver API.
const COMPUTE_CAPABILITY: (c_int, c_int) = (75, 76);

/// Asks the NVIDIA driver for its devices; never fails, reporting problems in the result.
pub fn query_driver() -> DriverReport {
    match query() {
        Ok(report) => report,
        Err(reason) => DriverReport {
            driver_version: None,
            gpus: Vec::new(),
            unavailable_reason: Some(reason),
        },
    }
}

fn query() -> Result<DriverReport, String> {
    // SAFETY: libcuda.so.1 is the NVIDIA driver library; loading it runs no code beyond its
    // initialisers, and each symbol below is called with the signature the driver API defines.
    unsafe {
        let lib = libloading::Library::new("libcuda.so.1")
            .map_err(|e| format!("no NVIDIA driver (libcuda.so.1): {e}"))?;
        let symbol = |name: &[u8]| -> Result<*const (), String> {
            lib.get::<*const ()>(name)
                .map(|s| *s)
                .map_err(|e| format!("libcuda.so.1 lacks {}: {e}", String::from_utf8_lossy(name)))
        };
        let cu_init: CuInit = std::mem::transmute(symbol(b"cuInit\0")?);
        let get_version: CuDriverGetVersion = std::mem::transmute(symbol(b"cuDriverGetVersion\0")?);
        let get_count: CuDeviceGetCount = std::mem::transmute(symbol(b"cuDeviceGetCount\0")?);
        let get_device: CuDeviceGet = std::mem::transmute(symbol(b"cuDeviceGet\0")?);
        let get_name: CuDeviceGetName = std::mem::transmute(symbol(b"cuDeviceGetName\0")?);
        let total_mem: CuDeviceTotalMem = std::mem::transmute(symbol(b"cuDeviceTotalMem_v2\0")?);
        let attribute: CuDeviceGetAttribute =
            std::mem::transmute(symbol(b"cuDeviceGetAttribute\0")?);

        let status = cu_init(0);
        if status != 0 {
            return Err(format!("cuInit failed with CUDA error {status}"));
        }
        let mut version = 0;
        let driver_version = (get_version(&mut version) == 0).then_some(version);
        let mut count = 0;
        if get_count(&mut count) != 0 {
            return Err("cuDeviceGetCount failed".to_string());
        }
        let mut gpus = Vec::new();
        for index in 0..count {
            let mut device = 0;
            if get_device(&mut device, index) != 0 {
                continue;
            }
            let mut name = [0 as c_char; 256];
            let name = if get_name(name.as_mut_ptr(), name.len() as c_int, device) == 0 {
                CStr::from_ptr(name.as_ptr()).to_string_lossy().into_owned()
            } else {
                "unknown".to_string()
            };
            let mut bytes = 0usize;
            let total_memory_bytes = if total_mem(&mut bytes, device) == 0 {
                bytes as u64
            } else {
                0
            };
            let (mut major, mut minor) = (0, 0);
            let compute_capability = (attribute(&mut major, COMPUTE_CAPABILITY.0, device) == 0
                && attribute(&mut minor, COMPUTE_CAPABILITY.1, device) == 0)
                .then_some((major, minor));
            gpus.push(GpuInfo {
                index: index as usize,
                name,
                total_memory_bytes,
                compute_capability,
            });
        }
        Ok(DriverReport {
            driver_version,
            gpus,
            unavailable_reason: None,
        })
    }
}
