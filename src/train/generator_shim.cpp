// The state of libtorch's default random generator of a device, which tch 0.24 does not
// expose: read into a new byte tensor and restored from one, so that a search resumed from a
// checkpoint draws the numbers an uninterrupted one would. src/train/generator.rs is the only
// caller.
//
// Codes: device 0 = CPU, 1 = CUDA (with its index). Every function returns 0 (or a tensor),
// or -1 (or null) when libtorch threw; then nas_generator_error() names the reason until the
// thread's next call.

#include <ATen/Context.h>
#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>

namespace {

thread_local std::string last_error;

at::Device device_of(int device, int index) {
  switch (device) {
    case 0:
      return at::Device(at::kCPU);
    case 1:
      return at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(index));
    default:
      throw std::invalid_argument("unknown generator device code " + std::to_string(device));
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

// A new tensor (owned by the caller, as tch's tensors are) with the state of `device`'s
// default generator; null on failure.
at::Tensor* nas_generator_state(int device, int index) {
  at::Tensor* state = nullptr;
  guarded([&] {
    at::Generator gen = at::globalContext().defaultGenerator(device_of(device, index));
    std::lock_guard<std::mutex> lock(gen.mutex());
    state = new at::Tensor(gen.get_state());
  });
  return state;
}

// Sets `device`'s default generator to `state` (a tensor nas_generator_state returned).
int nas_generator_set_state(int device, int index, const at::Tensor* state) {
  return guarded([&] {
    at::Generator gen = at::globalContext().defaultGenerator(device_of(device, index));
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(*state);
  });
}

// The reason of this thread's last failure (empty when there was none).
const char* nas_generator_error() { return last_error.c_str(); }
}
