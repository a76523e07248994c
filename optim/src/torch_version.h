#pragma once
// The one place that knows which LibTorch gradus is compiled against: every
// difference between LibTorch 1.13 and 2.x that gradus has to bridge is
// decided here, by TORCH_VERSION_MAJOR/MINOR.
#include <ATen/core/Tensor.h>
#include <torch/optim/optimizer.h>
#include <torch/version.h>

#include <cstdint>
#include <string>
#include <type_traits>

#define GRADUS_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

namespace gradus {
namespace optim {
namespace torch_version {

// Optimizer::state() is keyed by the TensorImpl's address: as text in
// LibTorch 1.x, as the pointer itself in 2.x.
#if GRADUS_TORCH_AT_LEAST(2, 0)
using StateKey = void*;
inline StateKey state_key(const at::Tensor& param) { return param.unsafeGetTensorImpl(); }
#else
using StateKey = std::string;
// The text LibTorch 1.x builds for its own keys, `ostream << (void*)p`:
// "0x" and the address in lower-case hex. Spelled out because a
// std::ostringstream per lookup was the largest per-tensor cost of step().
inline StateKey state_key(const at::Tensor& param) {
  auto address = reinterpret_cast<std::uintptr_t>(param.unsafeGetTensorImpl());
  char text[2 + 2 * sizeof(address)];
  char* end = text + sizeof(text);
  char* p = end;
  do {
    *--p = "0123456789abcdef"[address & 0xf];
    address >>= 4;
  } while (address != 0);
  *--p = 'x';
  *--p = '0';
  return std::string(p, end);
}
#endif
static_assert(std::is_same_v<StateKey, std::decay_t<decltype(std::declval<torch::optim::Optimizer&>().state())>::key_type>,
              "this LibTorch keys Optimizer::state() differently: teach optim/src/torch_version.h");

// Optimizer::add_param_group differs too (LibTorch 2.x rebuilds a group's
// options from the defaults and merges back only its own option types), but
// FusedOptimizer::add_param_group does not use it on any version.

}  // namespace torch_version
}  // namespace optim
}  // namespace gradus
