#pragma once
// An optimizer's saved state as bytes: equal bytes before and after a
// refused call show that nothing in its options or state moved.
#include <torch/optim/optimizer.h>
#include <torch/serialize.h>

#include <sstream>
#include <string>

namespace gradus {
namespace testing {

inline std::string saved_bytes(const torch::optim::Optimizer& optimizer) {
  std::ostringstream out;
  torch::save(optimizer, out);
  return out.str();
}

inline void load_bytes(torch::optim::Optimizer& optimizer, const std::string& bytes) {
  std::istringstream in(bytes);
  torch::load(optimizer, in);
}

}  // namespace testing
}  // namespace gradus
