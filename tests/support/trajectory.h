#pragma once
// Running an optimizer over a Problem and comparing whole trajectories.
#include <torch/optim/optimizer.h>

#include <string>
#include <vector>

#include "support/problem.h"

namespace gradus {
namespace testing {

// `steps` updates; row s of the result is the flattened params after step s.
at::Tensor run_trajectory(torch::optim::Optimizer& optimizer, const std::vector<at::Tensor>& params,
                          const Problem& problem, int64_t steps, int64_t first_step = 0,
                          const std::vector<bool>& negate = {});

// Largest normwise relative difference over all steps:
// max_s max_i |a[s,i] - b[s,i]| / max_i |b[s,i]|. NaN if either has a NaN.
double max_relative_diff(const at::Tensor& actual, const at::Tensor& expected);

}  // namespace testing
}  // namespace gradus
