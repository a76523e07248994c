// Adafactor as PyTorch 2.14's single-tensor path computes it, so that
// double trajectories agree to rounding. The elementwise part and the norms
// are the fused operator gradus::adafactor_ (gradus/optim/adafactor.h).
#include <ATen/ops/linalg_vector_norm.h>
#include <ATen/ops/zeros.h>
#include <c10/util/Exception.h>
#include <gradus/ops/fused_step.h>
#include <gradus/optim/adafactor.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "call_lists.h"
#include "fused_call.h"
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
// found to match the parameter in shape, dtype and device. State is in the
// parameters' math dtype (float for half and bfloat16), as the operator
// takes it.
void init_state(AdafactorParamState& s, const at::Tensor& param) {
  s.step(new_step_count(param));
  if (param.dim() > 1) {
    const auto options = param.options().dtype(kernels::state_dtype_for(param.scalar_type()));
    s.row_var(at::zeros(shape_with_one(param, -1), options));
    s.col_var(at::zeros(shape_with_one(param, -2), options));
  } else {
    s.variance(zeros_state_like(param));
  }
}

// Refuses a state that does not fit its param, before any of the bucket's
// state moves: the factors take their lerp in ATen before the fused calls
// check the rest, and the vectors' call runs before the matrices' one. Such
// state comes only from a file (of another model, or corrupt).
void check_state_fits(const std::string& name, const AdafactorParamState& s, const at::Tensor& param) {
  const at::ScalarType state_dtype = kernels::state_dtype_for(param.scalar_type());
  auto check = [&](const char* field, const at::Tensor& t, at::IntArrayRef shape, at::ScalarType dtype) {
    TORCH_CHECK(t.defined(), name, ": the state of a param of shape ", param.sizes(), " has no ", field,
                " (state loaded from a param of another shape?)");
    TORCH_CHECK(t.sizes() == shape, name, ": the ", field, " of a param of shape ", param.sizes(), " has shape ",
                t.sizes(), ", not ", shape, " (state loaded from a param of another shape?)");
    TORCH_CHECK(t.scalar_type() == dtype && t.device() == param.device(), name, ": the ", field,
                " of a param of shape ", param.sizes(), " is ", t.scalar_type(), " on ", t.device(), ", not ", dtype,
                " on ", param.device());
  };
  check("step", s.step(), {}, at::kFloat);
  if (param.dim() > 1) {
    check("row_var", s.row_var(), shape_with_one(param, -1), state_dtype);
    check("col_var", s.col_var(), shape_with_one(param, -2), state_dtype);
  } else {
    check("variance", s.variance(), param.sizes(), state_dtype);
  }
}

// (g * g).mean(dim), as PyTorch computes it: the norm along dim, squared,
// divided by the dimension's size.
at::Tensor mean_square(const at::Tensor& grad, int64_t dim) {
  return at::linalg_vector_norm(grad, 2, dim, /*keepdim=*/true, c10::nullopt).square_().div_(grad.size(dim));
}

// A factored parameter's second-moment estimate for this step, after the
// row and column factors take the step's gradient. Row and column means and
// the outer product are not elementwise: ATen does them, as PyTorch does.
at::Tensor factored_estimate(AdafactorParamState& s, const at::Tensor& grad_in, double beta2_decay, double eps1) {
  const double step = s.step().item<double>() + 1;  // the count the operator advances to
  const double one_minus_beta2 = std::pow(step, beta2_decay);
  const at::Tensor grad = grad_in.to(s.row_var().scalar_type());
  s.row_var().lerp_(mean_square(grad, -1), one_minus_beta2);
  s.col_var().lerp_(mean_square(grad, -2), one_minus_beta2);
  at::Tensor estimate = s.row_var().matmul(s.col_var());
  return estimate.div_(s.row_var().mean(-2, /*keepdim=*/true).clamp_(eps1));
}

// The operator's values, with eps1 resolved: set, or the machine epsilon
// of the params' dtype.
ops::AdafactorHyper adafactor_hyper(const AdafactorOptions& o, at::ScalarType dtype) {
  ops::AdafactorHyper h = o.hyper();
  std::tie(h.eps1, h.eps2) = std::make_tuple(std::get<0>(o.eps()).value_or(machine_epsilon(dtype)), std::get<1>(o.eps()));
  return h;
}

}  // namespace

Adafactor::Adafactor(std::vector<OptimizerParamGroup> param_groups, AdafactorOptions defaults)
    : FusedOptimizer(std::move(param_groups), std::make_unique<AdafactorOptions>(defaults),
                     "gradus::optim::Adafactor") {
  check_all_options();
}

Adafactor::Adafactor(std::vector<at::Tensor> params, AdafactorOptions defaults)
    : Adafactor(single_group(std::move(params), "gradus::optim::Adafactor"), defaults) {}

void Adafactor::check_options(const OptimizerOptions& options) const {
  const auto& o = adafactor_options(options);
  ops::check_hyper(name(), adafactor_hyper(o, at::kFloat));
  TORCH_CHECK(!o.capturable(), name(), ": capturable is not supported: a factored tensor's step reads its count on the host");
}

// Vectors go in one call of gradus::adafactor_, which updates their
// variances; factored tensors in another, with this step's estimates.
void Adafactor::step_bucket(const OptimizerOptions& options, ParamBucket& bucket) {
  const auto& o = adafactor_options(options);
  // As PyTorch: eps1 unset is the machine epsilon of the group's first dtype.
  ops::AdafactorHyper hyper = adafactor_hyper(o, bucket.params()[0].scalar_type());
  const double eps1 = hyper.eps1;
  const auto states = states_for<AdafactorParamState>(bucket.params(), init_state);
  CallLists vectors(1, bucket.size()), factored(1, bucket.size());
  std::vector<at::Tensor> estimates;  // owned here: the lists borrow them
  estimates.reserve(bucket.size());
  const at::TensorList params = bucket.params(), grads = bucket.grads();
  for (size_t i = 0; i < bucket.size(); ++i) check_state_fits(name(), *states[i], params[i]);
  for (size_t i = 0; i < bucket.size(); ++i) {
    const at::Tensor& param = params[i];
    const at::Tensor& grad = grads[i];
    AdafactorParamState& s = *states[i];
    if (param.dim() > 1) {
      estimates.push_back(factored_estimate(s, grad, o.beta2_decay(), eps1));
      factored.add_param(param, grad);
      factored.add_state(0, estimates.back());
      factored.add_step(s.step());
    } else {
      vectors.add_param(param, grad);
      vectors.add_state(0, s.variance());
      vectors.add_step(s.step());
    }
  }
  if (!vectors.params().empty()) ops::fused_step(vectors.view(), hyper);
  hyper.estimated_variance = true;
  if (!factored.params().empty()) ops::fused_step(factored.view(), hyper);
}

std::unique_ptr<OptimizerParamState> Adafactor::make_empty_state() const {
  return std::make_unique<AdafactorParamState>();
}

}  // namespace optim
}  // namespace gradus
