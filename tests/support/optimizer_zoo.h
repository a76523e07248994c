#pragma once
// One factory per gradus optimizer, with non-default options, for tests that
// must hold for all of them.
#include <gradus/optim/fused_optimizer.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace gradus {
namespace testing {

using GroupList = std::vector<torch::optim::OptimizerParamGroup>;

struct OptimizerFactory {
  std::string name;  // e.g. "gradus::optim::Adam"
  std::function<std::unique_ptr<optim::FusedOptimizer>(GroupList)> make;
  // false: ATen operations in the parameters' dtype (Adafactor, as PyTorch),
  // not a fused kernel's float math for half and bfloat16 parameters.
  bool float_math = true;
};

std::vector<OptimizerFactory> all_optimizers();

// Two groups: params [0, 1] with the defaults, params [2, 3] with a smaller lr.
GroupList two_groups(const std::vector<at::Tensor>& params, const torch::optim::OptimizerOptions& defaults);

}  // namespace testing
}  // namespace gradus
