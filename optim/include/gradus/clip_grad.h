#pragma once
// gradus::clip_grad_norm_: PyTorch 2.14's torch.nn.utils.clip_grad_norm_
// without its host sync. LibTorch's returns a double, which reads the norm
// back to the host every step; this one returns it as a 0-dim tensor on the
// params' device and scales the gradients there.
#include <ATen/core/Tensor.h>

#include <limits>
#include <vector>

namespace torch {
namespace optim {
class Optimizer;
}
}  // namespace torch

namespace gradus {
namespace amp {
class GradScaler;
}

// Scales the gradients of `params` (those defined) by
// min(1, max_norm / (total_norm + 1e-6)), where total_norm is the norm of
// the per-gradient norms, and returns total_norm, a float32 0-dim tensor on
// the first gradient's device (0 with no gradient). norm_type is > 0, or
// infinity for the largest |element|. An inf or NaN gradient gives an inf
// or NaN norm, as PyTorch's: error_if_nonfinite refuses it instead, naming
// the norm (which then reads it on the host). Bad arguments are refused,
// naming them, before any gradient changes.
at::Tensor clip_grad_norm_(const std::vector<at::Tensor>& params, double max_norm, double norm_type = 2.0,
                           bool error_if_nonfinite = false);

// The same for the params of every group of `optimizer`.
at::Tensor clip_grad_norm_(const torch::optim::Optimizer& optimizer, double max_norm, double norm_type = 2.0,
                           bool error_if_nonfinite = false);

// The same for an optimizer's params under a GradScaler, before unscale_():
// with a gradus optimizer of one fused pass, the coefficient is folded into
// the scale its fused step divides the gradients by, so that unscaling,
// clipping and the update read the gradients once more after the norm (the
// gradients stay scaled until then); any other optimizer is unscaled and
// clipped as above. Returns the unscaled gradients' total norm.
at::Tensor clip_grad_norm_(torch::optim::Optimizer& optimizer, amp::GradScaler& scaler, double max_norm,
                           double norm_type = 2.0);

}  // namespace gradus
