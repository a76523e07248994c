#pragma once
// gradus::amp::GradScaler: dynamic loss scaling for mixed-precision training,
// PyTorch 2.14's torch.amp.GradScaler for LibTorch (which has none).
//
//   gradus::amp::GradScaler scaler;
//   optimizer.zero_grad();
//   scaler.scale(loss).backward();
//   scaler.unscale_(optimizer);                          // optional: before clipping
//   gradus::clip_grad_norm_(model->parameters(), 1.0);   // <gradus/clip_grad.h>
//   scaler.step(optimizer);                              // skipped if a gradient overflowed
//   scaler.update();
//
// The scale and its growth tracker are tensors on the loss's device, and no
// call reads them back to the host (get_scale() does, when asked). With a
// gradus optimizer of one fused pass (FusedOptimizer::takes_grad_scale()),
// step() hands the scale and the overflow flag to the fused kernel: the
// gradients are unscaled in the same pass that updates, and the skip is
// decided on the device. Any other torch::optim::Optimizer is unscaled with
// ATen operations and skipped on the host, as PyTorch's own path does.
#include <ATen/core/Tensor.h>
#include <torch/arg.h>
#include <torch/optim/optimizer.h>

#include <map>
#include <string>

namespace gradus {
namespace amp {

struct GradScalerOptions {
  TORCH_ARG(double, init_scale) = 65536.0;   // > 0
  TORCH_ARG(double, growth_factor) = 2.0;    // > 1
  TORCH_ARG(double, backoff_factor) = 0.5;   // in (0, 1)
  TORCH_ARG(int64_t, growth_interval) = 2000;  // > 0: clean steps before the scale grows
  TORCH_ARG(bool, enabled) = true;           // false: every call passes through
};

class GradScaler {
 public:
  // Throws, naming it, an option out of its range.
  explicit GradScaler(GradScalerOptions options = {});

  // loss * scale. The scale is made on the loss's device by the first call.
  at::Tensor scale(const at::Tensor& loss);
  // Divides the optimizer's gradients by the scale (multiplies by its
  // float32 reciprocal, as PyTorch) and records whether any is inf or NaN.
  // Once per optimizer between update()s.
  void unscale_(torch::optim::Optimizer& optimizer);
  // The optimizer's step, unless a gradient overflowed; unscales first if
  // unscale_() has not. Returns the step's loss (undefined when skipped on
  // the host). Closures are refused, as PyTorch refuses them.
  at::Tensor step(torch::optim::Optimizer& optimizer, torch::optim::Optimizer::LossClosure closure = nullptr);
  // Backs the scale off after an overflow in any optimizer stepped since the
  // last update(), or grows it after growth_interval clean steps.
  void update();
  // Sets the scale (> 0, finite).
  void update(double new_scale);

  // Reads the scale (a host sync on a GPU): init_scale before the first scale().
  double get_scale() const;
  int64_t growth_tracker() const;
  // float32(1 / double(scale)) on the scale's device, what unscale_()
  // multiplies by; read nowhere on the host. Requires a scale().
  at::Tensor inverse_scale() const;
  bool is_enabled() const { return options_.enabled(); }
  const GradScalerOptions& options() const { return options_; }

  // A file of another kind, of another version, or truncated is refused,
  // naming what is wrong, and changes nothing.
  void save(torch::serialize::OutputArchive& archive) const;
  void load(torch::serialize::InputArchive& archive);

  // What unscale_() or step() left for each optimizer: its stage and
  // overflow flag, until update(). For clip_grad_norm_ folding
  // (fold_clip_coefficient) and tests.
  enum class Stage { kReady, kUnscaled, kStepped };
  Stage stage_of(const torch::optim::Optimizer& optimizer) const;

  // With a gradus optimizer of one fused pass and unscale_() not called:
  // the gradients stay scaled, and step() divides them by scale / coef in
  // the fused pass, so that clipping, unscaling and the update read the
  // gradients once more after the norm, not three times. `coef` is what
  // gradus::clip_grad_norm_ would multiply the unscaled gradients by.
  // clip_grad_norm_(optimizer, scaler, ...) in <gradus/clip_grad.h> uses it.
  void fold_clip_coefficient(torch::optim::Optimizer& optimizer, const at::Tensor& coef,
                             const at::Tensor& found_inf);

 private:
  struct PerOptimizer {
    Stage stage = Stage::kReady;
    at::Tensor found_inf;   // float32, 1 where a gradient overflowed
    at::Tensor grad_scale;  // what a fused step divides by (folded clipping), if any
  };
  PerOptimizer& state_of(const torch::optim::Optimizer& optimizer);
  void init_scale_on(const at::Device& device);
  at::Tensor check_and_unscale(torch::optim::Optimizer& optimizer, bool unscale);

  GradScalerOptions options_;
  int64_t init_growth_tracker_ = 0;  // from a file loaded before the first scale()
  at::Tensor scale_;           // float32, 0-dim; undefined before the first scale()
  at::Tensor growth_tracker_;  // int32, 0-dim
  std::map<const torch::optim::Optimizer*, PerOptimizer> per_optimizer_;
};

// Autocast on one device type while it lives, as PyTorch's torch.autocast:
// the ops that autocast covers run in `dtype` (float16 or bfloat16) on
// `device` (kCPU or kCUDA), the rest in float32. It hides the LibTorch
// versions' different calls, restores what was set before, and refuses,
// naming the version, a dtype the LibTorch in use cannot autocast to
// (float16 on the CPU before LibTorch 2.3).
class Autocast {
 public:
  Autocast(at::DeviceType device, at::ScalarType dtype);
  Autocast(const Autocast&) = delete;
  Autocast& operator=(const Autocast&) = delete;
  ~Autocast();
  // Whether this LibTorch autocasts `device` to `dtype`.
  static bool supported(at::DeviceType device, at::ScalarType dtype);

 private:
  at::DeviceType device_;
  bool was_enabled_;
  at::ScalarType previous_dtype_;
};

// torch::save(scaler, path) and torch::load(scaler, path).
torch::serialize::OutputArchive& operator<<(torch::serialize::OutputArchive& archive, const GradScaler& scaler);
torch::serialize::InputArchive& operator>>(torch::serialize::InputArchive& archive, GradScaler& scaler);

}  // namespace amp
}  // namespace gradus
