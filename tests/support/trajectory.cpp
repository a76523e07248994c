#include "support/trajectory.h"

#include <limits>

namespace gradus {
namespace testing {

at::Tensor run_trajectory(torch::optim::Optimizer& optimizer, const std::vector<at::Tensor>& params,
                          const Problem& problem, int64_t steps, int64_t first_step,
                          const std::vector<bool>& negate) {
  std::vector<at::Tensor> rows;
  for (int64_t s = first_step; s < first_step + steps; ++s) {
    problem.set_grads(params, s, negate);
    optimizer.step();
    rows.push_back(flatten(params));
  }
  return at::stack(rows);
}

double max_relative_diff(const at::Tensor& actual_any, const at::Tensor& expected_any) {
  // On the host in double: a CUDA trajectory is compared with a CPU one.
  const at::Tensor actual = actual_any.to(at::kCPU, at::kDouble);
  const at::Tensor expected = expected_any.to(at::kCPU, at::kDouble);
  if (!actual.sizes().equals(expected.sizes())) return std::numeric_limits<double>::infinity();
  if (at::isnan(actual).any().item<bool>() || at::isnan(expected).any().item<bool>()) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  at::Tensor diff = (actual - expected).abs().amax(1);
  at::Tensor scale = expected.abs().amax(1).clamp_min(1e-300);
  return (diff / scale).max().item<double>();
}

}  // namespace testing
}  // namespace gradus
