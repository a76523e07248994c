// SparseAdam as PyTorch 2.14's torch.optim._functional.sparse_adam computes
// it, op for op.
#include <ATen/ops/sparse_coo_tensor.h>
#include <ATen/ops/zeros_like.h>
#include <c10/util/Exception.h>
#include <gradus/ops/fused_step.h>
#include <gradus/optim/sparse_adam.h>

#include <cmath>

#include "state_tensors.h"

namespace gradus {
namespace optim {
namespace {

const SparseAdamOptions& sparse_adam_options(const OptimizerOptions& options) {
  return static_cast<const SparseAdamOptions&>(options);
}

void update_rows(const SparseAdamOptions& o, SparseAdamParamState& s, const at::Tensor& param_in,
                 const at::Tensor& grad_in) {
  at::Tensor param = param_in;  // a handle: updated in place
  const double step = s.step().add_(1).item<double>();  // counted even when no row is touched, as PyTorch
  // The update is not linear: repeated indices are summed first.
  const at::Tensor grad = (o.maximize() ? grad_in.neg() : grad_in).coalesce();
  const at::Tensor indices = grad._indices(), values = grad._values();
  if (values.numel() == 0) return;
  auto sparse = [&](const at::Tensor& v) { return at::sparse_coo_tensor(indices, v, grad.sizes()); };
  const auto [beta1, beta2] = o.betas();
  const at::Tensor old_exp_avg = s.exp_avg().sparse_mask(grad)._values();
  at::Tensor exp_avg_update = values.sub(old_exp_avg).mul_(1 - beta1);
  s.exp_avg().add_(sparse(exp_avg_update));
  const at::Tensor old_exp_avg_sq = s.exp_avg_sq().sparse_mask(grad)._values();
  at::Tensor exp_avg_sq_update = values.pow(2).sub_(old_exp_avg_sq).mul_(1 - beta2);
  s.exp_avg_sq().add_(sparse(exp_avg_sq_update));
  const at::Tensor numer = exp_avg_update.add_(old_exp_avg);
  const at::Tensor denom = exp_avg_sq_update.add_(old_exp_avg_sq).sqrt_().add_(o.eps());
  const double bias_correction1 = 1 - std::pow(beta1, step), bias_correction2 = 1 - std::pow(beta2, step);
  const double step_size = o.lr() * std::sqrt(bias_correction2) / bias_correction1;
  param.add_(sparse(numer.div_(denom).mul(-step_size)));
}

}  // namespace

SparseAdam::SparseAdam(std::vector<OptimizerParamGroup> param_groups, SparseAdamOptions defaults)
    : FusedOptimizer(std::move(param_groups), std::make_unique<SparseAdamOptions>(defaults),
                     "gradus::optim::SparseAdam") {
  check_all_options();
}

SparseAdam::SparseAdam(std::vector<at::Tensor> params, SparseAdamOptions defaults)
    : SparseAdam(single_group(std::move(params), "gradus::optim::SparseAdam"), defaults) {}

// Its ATen operations take float and double (sqrt has no CPU kernel for
// half): anything else is refused before any state moves.
torch::Tensor SparseAdam::step(LossClosure closure) {
  for (size_t g = 0; g < param_groups_.size(); ++g) {
    for (size_t i = 0; i < param_groups_[g].params().size(); ++i) {
      const auto dtype = param_groups_[g].params()[i].scalar_type();
      TORCH_CHECK(dtype == at::kFloat || dtype == at::kDouble, name(), ": param ", i, " of param group ", g, " is ",
                  dtype, "; SparseAdam takes float or double params");
    }
  }
  return FusedOptimizer::step(std::move(closure));
}

void SparseAdam::check_options(const OptimizerOptions& options) const {
  const auto& o = sparse_adam_options(options);
  ops::check_hyper(name(), o.hyper());
  TORCH_CHECK(!o.capturable(), name(), ": capturable is not supported");
}

void SparseAdam::step_bucket(const OptimizerOptions& options, ParamBucket& bucket) {
  const auto& o = sparse_adam_options(options);
  const auto states = states_for<SparseAdamParamState>(bucket.params(), [](SparseAdamParamState& fresh,
                                                                           const at::Tensor& param) {
    fresh.step(new_step_count(param));
    fresh.exp_avg(at::zeros_like(param));
    fresh.exp_avg_sq(at::zeros_like(param));
  });
  for (size_t i = 0; i < bucket.size(); ++i) update_rows(o, *states[i], bucket.params()[i], bucket.grads()[i]);
}

std::unique_ptr<OptimizerParamState> SparseAdam::make_empty_state() const {
  return std::make_unique<SparseAdamParamState>();
}

void SparseAdam::check_loaded_state(const OptimizerParamState& state, const at::Tensor& param,
                                    const std::string& which) const {
  const auto& s = static_cast<const SparseAdamParamState&>(state);
  check_state_tensor(name(), which, "exp_avg", s.exp_avg(), param);
  check_state_tensor(name(), which, "exp_avg_sq", s.exp_avg_sq(), param);
  TORCH_CHECK(s.step().defined() && s.step().numel() == 1, name(), ": the state file's step of ", which,
              " is not one number");
}

}  // namespace optim
}  // namespace gradus
