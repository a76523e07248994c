#pragma once
// A small tanh network with MSE on fixed samples: real gradients, no random
// generator. With the default sizes it is exactly the problem that
// scripts/generate_optim_golden.py runs in Python.
#include <ATen/ATen.h>

#include <vector>

namespace gradus {
namespace testing {

struct Problem {
  explicit Problem(int64_t in = 4, int64_t hidden = 3, int64_t out = 2, int64_t samples = 16);

  // w1 [in, hidden], b1 [hidden], w2 [hidden, out], b2 [out], in `dtype` on `device`.
  std::vector<at::Tensor> initial_params(at::ScalarType dtype = at::kDouble, at::Device device = at::kCPU) const;
  // Loss on batch (step % 4), in the dtype of the params.
  at::Tensor loss(const std::vector<at::Tensor>& params, int64_t step) const;
  // Sets each param's grad to d loss / d param, negated where negate[i]
  // (the gradient of -loss, for a group that maximizes).
  void set_grads(const std::vector<at::Tensor>& params, int64_t step,
                 const std::vector<bool>& negate = {}) const;

  int64_t in, hidden, out, samples;
  at::Tensor x, y;  // double
};

// Parameters concatenated into one double vector.
at::Tensor flatten(const std::vector<at::Tensor>& params);

// Deep copies that require grad, as fresh leaves.
std::vector<at::Tensor> clone_params(const std::vector<at::Tensor>& params);

}  // namespace testing
}  // namespace gradus
