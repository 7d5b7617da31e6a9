// Mixed-precision regions for any device type and precision. tch 0.24 exposes only CUDA's
// autocast in float16; libtorch itself autocasts on CPU and CUDA, in bfloat16 or float16.
// These functions set and restore that state; src/train/amp.rs is their only caller.
//
// Codes: device 0 = CPU, 1 = CUDA; precision 0 = bfloat16, 1 = float16. Every function
// returns 0, or -1 when libtorch threw (an unknown code, or a device type this libtorch
// cannot autocast); then nas_amp_error() names the reason until the thread's next call.

#include <ATen/autocast_mode.h>

#include <exception>
#include <stdexcept>
#include <string>

namespace {

thread_local std::string last_error;

at::DeviceType device_type(int device) {
  switch (device) {
    case 0:
      return at::kCPU;
    case 1:
      return at::kCUDA;
    default:
      throw std::invalid_argument("unknown autocast device code " + std::to_string(device));
  }
}

at::ScalarType precision_type(int precision) {
  switch (precision) {
    case 0:
      return at::kBFloat16;
    case 1:
      return at::kHalf;
    default:
      throw std::invalid_argument("unknown autocast precision code " +
                                  std::to_string(precision));
  }
}

template <typename F>
int guarded(F f) {
  try {
    last_error.clear();
    f();
    return 0;
  } catch (const std::exception& e) {
    last_error = e.what();
  } catch (...) {
    last_error = "libtorch threw a non-standard exception";
  }
  return -1;
}

}  // namespace

extern "C" {

// Enters an autocast region: the previous state goes to `was_enabled` and `previous` (the
// code of the precision set before, -1 when it was neither bfloat16 nor float16).
int nas_amp_enter(int device, int precision, bool* was_enabled, int* previous) {
  return guarded([&] {
    const at::DeviceType d = device_type(device);
    const at::ScalarType p = precision_type(precision);
    *was_enabled = at::autocast::is_autocast_enabled(d);
    const at::ScalarType before = at::autocast::get_autocast_dtype(d);
    *previous = before == at::kBFloat16 ? 0 : before == at::kHalf ? 1 : -1;
    at::autocast::set_autocast_dtype(d, p);
    at::autocast::set_autocast_enabled(d, true);
    at::autocast::increment_nesting();
  });
}

// Leaves the region `nas_amp_enter` opened: restores the state it saved and, when this was
// the outermost region, drops autocast's cache of casted weights.
int nas_amp_exit(int device, bool was_enabled, int previous) {
  return guarded([&] {
    const at::DeviceType d = device_type(device);
    if (at::autocast::decrement_nesting() == 0) {
      at::autocast::clear_cache();
    }
    if (previous >= 0) {
      at::autocast::set_autocast_dtype(d, precision_type(previous));
    }
    at::autocast::set_autocast_enabled(d, was_enabled);
  });
}

// Whether autocast is on for `device` (1) or off (0); -1 on an unknown code.
int nas_amp_enabled(int device) {
  int enabled = 0;
  if (guarded([&] { enabled = at::autocast::is_autocast_enabled(device_type(device)); }) != 0) {
    return -1;
  }
  return enabled;
}

// The reason of this thread's last failure (empty when there was none).
const char* nas_amp_error() { return last_error.c_str(); }

}  // extern "C"
