// clip_grad_norm_ as PyTorch 2.14 computes it (torch.nn.utils), with the
// norm and the coefficient left on the device.
#include <ATen/ops/isfinite.h>
#include <ATen/ops/linalg_vector_norm.h>
#include <ATen/ops/stack.h>
#include <ATen/ops/zeros.h>
#include <c10/core/GradMode.h>
#include <c10/util/Exception.h>
#include <gradus/amp.h>
#include <gradus/clip_grad.h>
#include <gradus/optim/fused_optimizer.h>

#include <cmath>

namespace gradus {
namespace {

void check_arguments(double max_norm, double norm_type) {
  TORCH_CHECK(std::isfinite(max_norm) && max_norm >= 0,
              "gradus::clip_grad_norm_: max_norm should be finite and >= 0 but is ", max_norm);
  TORCH_CHECK(norm_type > 0, "gradus::clip_grad_norm_: norm_type should be > 0 (or infinity) but is ", norm_type);
}

std::vector<at::Tensor> grads_of(const std::vector<at::Tensor>& params) {
  std::vector<at::Tensor> grads;
  for (const at::Tensor& p : params) {
    if (p.grad().defined()) grads.push_back(p.grad());
  }
  return grads;
}

std::vector<at::Tensor> params_of(const torch::optim::Optimizer& optimizer) {
  std::vector<at::Tensor> params;
  for (const auto& group : optimizer.param_groups()) {
    params.insert(params.end(), group.params().begin(), group.params().end());
  }
  return params;
}

// The norm of the per-gradient norms, on the first gradient's device.
at::Tensor total_norm_of(const std::vector<at::Tensor>& grads, double norm_type,
                         c10::optional<at::ScalarType> dtype = c10::nullopt) {
  std::vector<at::Tensor> norms;
  const at::Device device = grads[0].device();
  for (const at::Tensor& g : grads) {
    norms.push_back(at::linalg_vector_norm(g, norm_type, c10::nullopt, false, dtype).to(device));
  }
  return at::linalg_vector_norm(at::stack(norms), norm_type, c10::nullopt, false, dtype);
}

// min(1, max_norm / (total_norm + 1e-6)) in float32, as PyTorch's Python
// computes `max_norm / tensor`: the reciprocal, then the product.
at::Tensor clip_coefficient(const at::Tensor& total_norm, double max_norm) {
  return total_norm.add(1e-6).reciprocal_().mul_(max_norm).clamp_max_(1.0);
}

}  // namespace

at::Tensor clip_grad_norm_(const std::vector<at::Tensor>& params, double max_norm, double norm_type,
                           bool error_if_nonfinite) {
  check_arguments(max_norm, norm_type);
  c10::NoGradGuard no_grad;
  const std::vector<at::Tensor> grads = grads_of(params);
  if (grads.empty()) return at::zeros({}, at::kFloat);
  const at::Tensor total_norm = total_norm_of(grads, norm_type);
  if (error_if_nonfinite) {
    const double value = total_norm.item<double>();  // the caller asked for a check on the host
    TORCH_CHECK(std::isfinite(value), "The total norm of order ", norm_type,
                " for gradients from `parameters` is non-finite (", value,
                "), so it cannot be clipped. To disable this error and scale the gradients by the non-finite norm "
                "anyway, set `error_if_nonfinite=False`");
  }
  const at::Tensor coef = clip_coefficient(total_norm, max_norm);
  for (const at::Tensor& g : grads) {
    at::Tensor grad = g;
    grad.mul_(coef.to(grad.device()));
  }
  return total_norm;
}

at::Tensor clip_grad_norm_(const torch::optim::Optimizer& optimizer, double max_norm, double norm_type,
                           bool error_if_nonfinite) {
  return clip_grad_norm_(params_of(optimizer), max_norm, norm_type, error_if_nonfinite);
}

at::Tensor clip_grad_norm_(torch::optim::Optimizer& optimizer, amp::GradScaler& scaler, double max_norm,
                           double norm_type) {
  check_arguments(max_norm, norm_type);
  auto* fused = dynamic_cast<optim::FusedOptimizer*>(&optimizer);
  const bool folds = scaler.is_enabled() && fused && fused->takes_grad_scale() &&
                     scaler.stage_of(optimizer) == amp::GradScaler::Stage::kReady;
  if (!folds) {
    if (scaler.is_enabled() && scaler.stage_of(optimizer) == amp::GradScaler::Stage::kReady) {
      scaler.unscale_(optimizer);
    }
    return clip_grad_norm_(params_of(optimizer), max_norm, norm_type);
  }
  c10::NoGradGuard no_grad;
  const std::vector<at::Tensor> grads = grads_of(params_of(optimizer));
  TORCH_CHECK(!grads.empty(), "gradus::clip_grad_norm_: the optimizer has no gradients (no inf checks were recorded)");
  // The scaled gradients' norm, in double so that no finite gradient
  // overflows it, then unscaled: an inf or NaN anywhere makes it non-finite.
  const at::Tensor total_norm =
      total_norm_of(grads, norm_type, at::kDouble).mul(scaler.inverse_scale().to(at::kDouble)).to(at::kFloat);
  const at::Tensor found_inf = at::isfinite(total_norm).logical_not().to(at::kFloat);
  scaler.fold_clip_coefficient(optimizer, clip_coefficient(total_norm, max_norm), found_inf);
  return total_norm;
}

}  // namespace gradus
