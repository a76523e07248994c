#include "support/problem.h"

#include <c10/core/GradMode.h>
#include <torch/csrc/autograd/autograd.h>

#include <cmath>

namespace gradus {
namespace testing {
namespace {

at::Tensor filled(int64_t rows, int64_t cols, double phase) {
  std::vector<double> v;
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) v.push_back(0.5 * std::sin(phase + 1.3 * double(cols * i + j)));
  }
  return at::tensor(v, at::kDouble).reshape({rows, cols});
}

}  // namespace

Problem::Problem(int64_t in_, int64_t hidden_, int64_t out_, int64_t samples_)
    : in(in_), hidden(hidden_), out(out_), samples(samples_) {
  std::vector<double> xs, ys;
  for (int64_t r = 0; r < samples; ++r) {
    for (int64_t c = 0; c < in; ++c) xs.push_back(std::sin(0.37 * double(in * r + c) + 0.1));
    for (int64_t c = 0; c < out; ++c) ys.push_back(std::cos(0.23 * double(out * r + c)));
  }
  x = at::tensor(xs, at::kDouble).reshape({samples, in});
  y = at::tensor(ys, at::kDouble).reshape({samples, out});
}

std::vector<at::Tensor> Problem::initial_params(at::ScalarType dtype, at::Device device) const {
  std::vector<at::Tensor> params = {filled(in, hidden, 0.0), filled(1, hidden, 1.0).reshape({hidden}),
                                    filled(hidden, out, 2.0), filled(1, out, 3.0).reshape({out})};
  for (auto& p : params) p = p.to(device, dtype).set_requires_grad(true);
  return params;
}

at::Tensor Problem::loss(const std::vector<at::Tensor>& params, int64_t step) const {
  const int64_t batch = samples / 4;
  const int64_t start = batch * (step % 4);
  const auto options = params[0].options().requires_grad(false);
  at::Tensor xb = x.slice(0, start, start + batch).to(options);
  at::Tensor yb = y.slice(0, start, start + batch).to(options);
  at::Tensor hidden_out = at::tanh(at::matmul(xb, params[0]) + params[1]);
  at::Tensor pred = at::matmul(hidden_out, params[2]) + params[3];
  return (pred - yb).pow(2).mean();
}

void Problem::set_grads(const std::vector<at::Tensor>& params, int64_t step,
                        const std::vector<bool>& negate) const {
  c10::AutoGradMode enable(true);
  auto grads = torch::autograd::grad({loss(params, step)}, params);
  for (size_t i = 0; i < params.size(); ++i) {
    const bool neg = i < negate.size() && negate[i];
    params[i].mutable_grad() = neg ? -grads[i] : grads[i];
  }
}

at::Tensor flatten(const std::vector<at::Tensor>& params) {
  std::vector<at::Tensor> flat;
  for (const auto& p : params) flat.push_back(p.detach().reshape({-1}).to(at::kDouble));
  return at::cat(flat);
}

std::vector<at::Tensor> clone_params(const std::vector<at::Tensor>& params) {
  std::vector<at::Tensor> out;
  for (const auto& p : params) out.push_back(p.detach().clone().set_requires_grad(true));
  return out;
}

}  // namespace testing
}  // namespace gradus
