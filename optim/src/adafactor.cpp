// Adafactor as PyTorch 2.14's single-tensor path computes it, op for op, so
// that double trajectories agree to rounding.
#include <ATen/ops/linalg_vector_norm.h>
#include <ATen/ops/zeros.h>
#include <ATen/ops/zeros_like.h>
#include <c10/util/Exception.h>
#include <gradus/optim/adafactor.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "state_tensors.h"

namespace gradus {
namespace optim {
namespace {

const AdafactorOptions& adafactor_options(const OptimizerOptions& options) {
  return static_cast<const AdafactorOptions&>(options);
}

// torch.finfo(dtype).eps, eps1's default.
double machine_epsilon(at::ScalarType dtype) {
  switch (dtype) {
    case at::kDouble: return std::numeric_limits<double>::epsilon();
    case at::kHalf: return 0.0009765625;
    case at::kBFloat16: return 0.0078125;
    default: return std::numeric_limits<float>::epsilon();
  }
}

// The parameter shape with dimension `dim` (negative: from the end) set to 1.
std::vector<int64_t> shape_with_one(const at::Tensor& t, int64_t dim) {
  std::vector<int64_t> shape(t.sizes().begin(), t.sizes().end());
  shape[shape.size() + dim] = 1;
  return shape;
}

// PyTorch shapes the state from the gradient, which the shared checks have
// found to match the parameter in shape, dtype and device.
void init_state(AdafactorParamState& s, const at::Tensor& param) {
  s.step(new_step_count(param));
  if (param.dim() > 1) {
    s.row_var(at::zeros(shape_with_one(param, -1), param.options()));
    s.col_var(at::zeros(shape_with_one(param, -2), param.options()));
  } else {
    s.variance(at::zeros_like(param));
  }
}

// (g * g).mean(dim), as PyTorch computes it: the norm along dim, squared,
// divided by the dimension's size.
at::Tensor mean_square(const at::Tensor& grad, int64_t dim) {
  return at::linalg_vector_norm(grad, 2, dim, /*keepdim=*/true, c10::nullopt).square_().div_(grad.size(dim));
}

// The second-moment estimate after this step's update of the state.
at::Tensor variance_estimate(AdafactorParamState& s, const at::Tensor& grad, double one_minus_beta2, double eps1) {
  if (grad.dim() > 1) {
    s.row_var().lerp_(mean_square(grad, -1), one_minus_beta2);
    s.col_var().lerp_(mean_square(grad, -2), one_minus_beta2);
    at::Tensor estimate = s.row_var().matmul(s.col_var());
    return estimate.div_(s.row_var().mean(-2, /*keepdim=*/true).clamp_(eps1));
  }
  s.variance().lerp_(grad.mul(grad), one_minus_beta2);
  return s.variance().clone();
}

void update_param(const AdafactorOptions& o, AdafactorParamState& s, const at::Tensor& param_in,
                  const at::Tensor& grad_in, double eps1) {
  at::Tensor param = param_in;  // a handle: updated in place
  const at::Tensor grad = o.maximize() ? grad_in.neg() : grad_in;
  const double step = s.step().add_(1).item<double>();
  const double one_minus_beta2 = std::pow(step, o.beta2_decay());
  const double rho = std::min(o.lr(), 1 / std::pow(step, 0.5));
  const double numel_root = std::pow(static_cast<double>(param.numel()), 0.5);
  const double alpha = std::max(std::get<1>(o.eps()), param.norm(2).item<double>() / numel_root) * rho;
  if (o.weight_decay() != 0) param.mul_(1 - o.lr() * o.weight_decay());
  at::Tensor update = variance_estimate(s, grad, one_minus_beta2, eps1).clamp_(eps1 * eps1).rsqrt_();
  update.mul_(grad);
  const double denom = std::max(1.0, update.norm(2).item<double>() / (numel_root * o.d()));
  param.add_(update, -alpha / denom);
}

}  // namespace

Adafactor::Adafactor(std::vector<OptimizerParamGroup> param_groups, AdafactorOptions defaults)
    : FusedOptimizer(std::move(param_groups), std::make_unique<AdafactorOptions>(defaults),
                     "gradus::optim::Adafactor") {
  check_all_options();
}

Adafactor::Adafactor(std::vector<at::Tensor> params, AdafactorOptions defaults)
    : Adafactor(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, defaults) {}

void Adafactor::check_options(const OptimizerOptions& options) const {
  const auto& o = adafactor_options(options);
  const auto [eps1, eps2] = o.eps();
  auto finite = [](double v) { return std::isfinite(v); };
  TORCH_CHECK(finite(o.lr()) && o.lr() >= 0, name(), ": learning rate should be >= 0 but is: ", o.lr());
  TORCH_CHECK(finite(o.beta2_decay()) && o.beta2_decay() <= 0, name(), ": beta2_decay should be <= 0 but is: ",
              o.beta2_decay());
  TORCH_CHECK(!eps1 || (finite(*eps1) && *eps1 >= 0), name(), ": epsilon1 should be >= 0 but is: ", eps1.value_or(0));
  TORCH_CHECK(finite(eps2) && eps2 >= 0, name(), ": epsilon2 should be >= 0 but is: ", eps2);
  TORCH_CHECK(finite(o.d()) && o.d() >= 1, name(), ": clipping threshold d should be >= 1 but is: ", o.d());
  TORCH_CHECK(finite(o.weight_decay()) && o.weight_decay() >= 0, name(), ": weight_decay should be >= 0 but is: ",
              o.weight_decay());
  TORCH_CHECK(!o.capturable(), name(), ": capturable is not supported: each step reads norms on the host");
}

void Adafactor::step_bucket(const OptimizerOptions& options, ParamBucket& bucket) {
  const auto& o = adafactor_options(options);
  // As PyTorch: eps1 unset is the machine epsilon of the group's first dtype.
  const double eps1 = std::get<0>(o.eps()).value_or(machine_epsilon(bucket.params()[0].scalar_type()));
  const auto states = states_for<AdafactorParamState>(bucket.params(), init_state);
  for (size_t i = 0; i < bucket.size(); ++i) update_param(o, *states[i], bucket.params()[i], bucket.grads()[i], eps1);
}

std::unique_ptr<OptimizerParamState> Adafactor::make_empty_state() const {
  return std::make_unique<AdafactorParamState>();
}

}  // namespace optim
}  // namespace gradus
