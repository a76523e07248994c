#pragma once
// What every rank must agree on about a parameter list, as the
// "name=value" lines ProcessGroup::require_same_settings compares.
#include <ATen/core/Tensor.h>

#include <sstream>
#include <string>
#include <vector>

namespace gradus {
namespace distributed {

inline std::string describe_params(const std::vector<at::Tensor>& params) {
  std::ostringstream out;
  out << "parameter count=" << params.size() << "\n";
  for (size_t i = 0; i < params.size(); ++i) {
    out << "parameter " << i << "=" << params[i].scalar_type() << " " << params[i].sizes() << "\n";
  }
  return out.str();
}

}  // namespace distributed
}  // namespace gradus
