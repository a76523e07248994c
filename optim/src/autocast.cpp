// gradus::amp::Autocast over LibTorch's two autocast interfaces: 1.13's
// per-device calls (set_cpu_enabled, set_autocast_gpu_dtype, ...) and
// 2.4's (set_autocast_enabled(device, ...)).
#include <ATen/autocast_mode.h>
#include <c10/util/Exception.h>
#include <gradus/amp.h>

#include "torch_version.h"

namespace gradus {
namespace amp {
namespace {

#if GRADUS_TORCH_AT_LEAST(2, 4)
bool is_enabled(at::DeviceType d) { return at::autocast::is_autocast_enabled(d); }
void set_enabled(at::DeviceType d, bool on) { at::autocast::set_autocast_enabled(d, on); }
at::ScalarType dtype_of(at::DeviceType d) { return at::autocast::get_autocast_dtype(d); }
void set_dtype(at::DeviceType d, at::ScalarType t) { at::autocast::set_autocast_dtype(d, t); }
#else
bool is_enabled(at::DeviceType d) { return d == at::kCPU ? at::autocast::is_cpu_enabled() : at::autocast::is_enabled(); }
void set_enabled(at::DeviceType d, bool on) {
  if (d == at::kCPU) at::autocast::set_cpu_enabled(on);
  else at::autocast::set_enabled(on);
}
at::ScalarType dtype_of(at::DeviceType d) {
  return d == at::kCPU ? at::autocast::get_autocast_cpu_dtype() : at::autocast::get_autocast_gpu_dtype();
}
void set_dtype(at::DeviceType d, at::ScalarType t) {
  if (d == at::kCPU) at::autocast::set_autocast_cpu_dtype(t);
  else at::autocast::set_autocast_gpu_dtype(t);
}
#endif

}  // namespace

bool Autocast::supported(at::DeviceType device, at::ScalarType dtype) {
  if (dtype != at::kHalf && dtype != at::kBFloat16) return false;
  if (device == at::kCUDA) return true;
  if (device != at::kCPU) return false;
  return dtype == at::kBFloat16 || GRADUS_TORCH_AT_LEAST(2, 3);
}

Autocast::Autocast(at::DeviceType device, at::ScalarType dtype) : device_(device) {
  TORCH_CHECK(supported(device, dtype), "gradus::amp::Autocast: LibTorch ", TORCH_VERSION_MAJOR, ".",
              TORCH_VERSION_MINOR, " cannot autocast ", device, " to ", dtype,
              " (the CPU autocasts to bfloat16, and to float16 from LibTorch 2.3 on; CUDA to either)");
  was_enabled_ = is_enabled(device);
  previous_dtype_ = dtype_of(device);
  set_enabled(device, true);
  set_dtype(device, dtype);
  at::autocast::increment_nesting();
}

Autocast::~Autocast() {
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  set_enabled(device_, was_enabled_);
  set_dtype(device_, previous_dtype_);
}

}  // namespace amp
}  // namespace gradus
