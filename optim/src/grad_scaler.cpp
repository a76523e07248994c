// GradScaler as PyTorch 2.14's torch.amp.GradScaler behaves, written with
// tensor operations that stay on the scale's device.
#include <ATen/ops/_amp_foreach_non_finite_check_and_unscale.h>
#include <ATen/ops/full.h>
#include <ATen/ops/isfinite.h>
#include <ATen/ops/maximum.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/where.h>
#include <ATen/ops/zeros.h>
#include <ATen/ops/zeros_like.h>
#include <c10/core/GradMode.h>
#include <c10/util/Exception.h>
#include <gradus/amp.h>
#include <gradus/optim/fused_optimizer.h>
#include <torch/serialize/archive.h>

#include <cmath>

namespace gradus {
namespace amp {
namespace {

const char* const kTag = "gradus_grad_scaler";
constexpr int64_t kFormatVersion = 1;

void check_options(const GradScalerOptions& o) {
  TORCH_CHECK(std::isfinite(o.init_scale()) && o.init_scale() > 0,
              "gradus::amp::GradScaler: init_scale should be finite and > 0 but is ", o.init_scale());
  TORCH_CHECK(std::isfinite(o.growth_factor()) && o.growth_factor() > 1,
              "gradus::amp::GradScaler: growth_factor should be > 1 but is ", o.growth_factor());
  TORCH_CHECK(o.backoff_factor() > 0 && o.backoff_factor() < 1,
              "gradus::amp::GradScaler: backoff_factor should be in (0, 1) but is ", o.backoff_factor());
  TORCH_CHECK(o.growth_interval() > 0, "gradus::amp::GradScaler: growth_interval should be > 0 but is ",
              o.growth_interval());
}

optim::FusedOptimizer* fused_with_scale(torch::optim::Optimizer& optimizer) {
  auto* fused = dynamic_cast<optim::FusedOptimizer*>(&optimizer);
  return fused && fused->takes_grad_scale() ? fused : nullptr;
}

c10::IValue read(torch::serialize::InputArchive& archive, const char* key) {
  c10::IValue value;
  TORCH_CHECK(archive.try_read(key, value), "gradus::amp::GradScaler: the file has no '", key,
              "' entry; it is truncated or was written by something else");
  return value;
}

}  // namespace

GradScaler::GradScaler(GradScalerOptions options) : options_(options) { check_options(options_); }

void GradScaler::init_scale_on(const at::Device& device) {
  const auto f32 = at::TensorOptions().dtype(at::kFloat).device(device);
  scale_ = at::full({}, options_.init_scale(), f32);
  growth_tracker_ = at::full({}, init_growth_tracker_, f32.dtype(at::kInt));
}

at::Tensor GradScaler::scale(const at::Tensor& loss) {
  if (!is_enabled()) return loss;
  // Loss scaling is for the devices whose autocast and inf checks exist.
  TORCH_CHECK(loss.device().is_cpu() || loss.device().is_cuda(), "gradus::amp::GradScaler: the loss is on ",
              loss.device(), ", a device it cannot scale on (cpu or cuda)");
  if (!scale_.defined()) init_scale_on(loss.device());
  return loss * scale_.to(loss.device(), /*non_blocking=*/true);
}

GradScaler::PerOptimizer& GradScaler::state_of(const torch::optim::Optimizer& optimizer) {
  return per_optimizer_[&optimizer];
}

GradScaler::Stage GradScaler::stage_of(const torch::optim::Optimizer& optimizer) const {
  const auto it = per_optimizer_.find(&optimizer);
  return it == per_optimizer_.end() ? Stage::kReady : it->second.stage;
}

at::Tensor GradScaler::inverse_scale() const {
  TORCH_CHECK(scale_.defined(), "gradus::amp::GradScaler: no scale yet; call scale(loss) first");
  return scale_.to(at::kDouble).reciprocal().to(at::kFloat);
}

// The overflow flag of the optimizer's gradients (undefined when it has
// none), unscaling them on the way if asked. No value is read on the host.
at::Tensor GradScaler::check_and_unscale(torch::optim::Optimizer& optimizer, bool unscale) {
  TORCH_CHECK(scale_.defined(), "Attempted unscale_ but _scale is None.  This may indicate your script did not use "
                                "scaler.scale(loss or outputs) earlier in the iteration.");
  c10::NoGradGuard no_grad;
  const at::Tensor inverse = unscale ? inverse_scale() : at::ones({}, scale_.options());
  at::Tensor found_inf;
  for (const auto& group : optimizer.param_groups()) {
    for (const at::Tensor& param : group.params()) {
      at::Tensor grad = param.grad();
      if (!grad.defined()) continue;
      if (grad.is_sparse()) grad = grad.coalesce()._values();
      if (!found_inf.defined()) found_inf = at::zeros({}, scale_.options());
      if (grad.is_cuda()) {
        at::Tensor flag = found_inf.to(grad.device());
        at::_amp_foreach_non_finite_check_and_unscale_({grad}, flag, inverse.to(grad.device()));
        found_inf.copy_(flag);
      } else {
        // LibTorch 1.13 has no CPU kernel for the fused check: ATen ops, as
        // many passes, the same bits (a product by exactly 1 changes nothing).
        found_inf = at::maximum(found_inf, at::isfinite(grad).logical_not().any().to(at::kFloat).to(found_inf.device()));
        if (unscale) grad.mul_(inverse.to(grad.device()));
      }
    }
  }
  return found_inf;
}

void GradScaler::unscale_(torch::optim::Optimizer& optimizer) {
  if (!is_enabled()) return;
  PerOptimizer& state = state_of(optimizer);
  TORCH_CHECK(state.stage != Stage::kUnscaled,
              "unscale_() has already been called on this optimizer since the last update().");
  TORCH_CHECK(state.stage != Stage::kStepped, "unscale_() is being called after step().");
  state.found_inf = check_and_unscale(optimizer, /*unscale=*/true);
  state.stage = Stage::kUnscaled;
}

void GradScaler::fold_clip_coefficient(torch::optim::Optimizer& optimizer, const at::Tensor& coef,
                                       const at::Tensor& found_inf) {
  TORCH_CHECK(is_enabled() && fused_with_scale(optimizer), "gradus::amp::GradScaler::fold_clip_coefficient: ",
              "for an enabled scaler and a gradus optimizer of one fused pass");
  PerOptimizer& state = state_of(optimizer);
  TORCH_CHECK(state.stage == Stage::kReady,
              "unscale_() has already been called on this optimizer since the last update().");
  state.found_inf = found_inf.to(scale_.device());
  state.grad_scale = scale_.div(coef.to(scale_.device()));
  state.stage = Stage::kUnscaled;
}

at::Tensor GradScaler::step(torch::optim::Optimizer& optimizer, torch::optim::Optimizer::LossClosure closure) {
  if (!is_enabled()) return optimizer.step(std::move(closure));
  TORCH_CHECK(!closure, "Closure use is not currently supported if GradScaler is enabled.");
  PerOptimizer& state = state_of(optimizer);
  TORCH_CHECK(state.stage != Stage::kStepped, "step() has already been called since the last update().");
  at::Tensor loss;
  if (optim::FusedOptimizer* fused = fused_with_scale(optimizer)) {
    // The fused pass divides by the scale (or, after unscale_(), by the
    // clip coefficient's folding or nothing) and skips on the device.
    at::Tensor grad_scale = state.grad_scale;
    if (state.stage == Stage::kReady) {
      state.found_inf = check_and_unscale(optimizer, /*unscale=*/false);
      grad_scale = scale_;
    }
    TORCH_CHECK(state.found_inf.defined(), "No inf checks were recorded for this optimizer.");
    loss = fused->step_with_scale(grad_scale, state.found_inf);
  } else {
    if (state.stage == Stage::kReady) unscale_(optimizer);
    TORCH_CHECK(state.found_inf.defined(), "No inf checks were recorded for this optimizer.");
    if (state.found_inf.item<float>() == 0) loss = optimizer.step();  // PyTorch's path: skipped on the host
  }
  state.stage = Stage::kStepped;
  return loss;
}

void GradScaler::update() {
  if (!is_enabled()) return;
  at::Tensor found_inf;
  for (const auto& [optimizer, state] : per_optimizer_) {
    if (!state.found_inf.defined()) continue;
    found_inf = found_inf.defined() ? found_inf + state.found_inf.to(scale_.device()) : state.found_inf.clone();
  }
  TORCH_CHECK(found_inf.defined(), "No inf checks were recorded prior to update.");
  c10::NoGradGuard no_grad;
  // After an overflow the scale backs off and the count restarts; after
  // growth_interval clean steps it grows, if the grown scale is finite.
  const at::Tensor overflow = found_inf > 0;
  const at::Tensor successful = growth_tracker_ + 1;
  const at::Tensor grows = overflow.logical_not().logical_and(successful == options_.growth_interval());
  const at::Tensor scale = scale_.to(at::kDouble);
  const at::Tensor grown = scale.mul(options_.growth_factor()).to(at::kFloat);
  const at::Tensor backed_off = scale.mul(options_.backoff_factor()).to(at::kFloat);
  const at::Tensor new_scale =
      at::where(overflow, backed_off, at::where(grows.logical_and(at::isfinite(grown)), grown, scale_));
  scale_.copy_(new_scale);
  growth_tracker_.copy_(at::where(overflow.logical_or(grows), at::zeros_like(successful), successful));
  per_optimizer_.clear();
}

void GradScaler::update(double new_scale) {
  if (!is_enabled()) return;
  TORCH_CHECK(std::isfinite(new_scale) && new_scale > 0,
              "gradus::amp::GradScaler::update: the new scale should be finite and > 0 but is ", new_scale);
  TORCH_CHECK(scale_.defined(), "gradus::amp::GradScaler::update: no scale yet; call scale(loss) first");
  scale_.fill_(new_scale);
  per_optimizer_.clear();
}

double GradScaler::get_scale() const {
  if (!is_enabled()) return 1.0;
  return scale_.defined() ? scale_.item<double>() : options_.init_scale();
}

int64_t GradScaler::growth_tracker() const {
  return growth_tracker_.defined() ? growth_tracker_.item<int64_t>() : init_growth_tracker_;
}

void GradScaler::save(torch::serialize::OutputArchive& archive) const {
  archive.write(kTag, c10::IValue(std::string("GradScaler")));
  archive.write("format_version", c10::IValue(kFormatVersion));
  archive.write("enabled", c10::IValue(is_enabled()));
  if (!is_enabled()) return;  // as PyTorch's empty state_dict
  archive.write("scale", c10::IValue(get_scale()));
  archive.write("growth_factor", c10::IValue(options_.growth_factor()));
  archive.write("backoff_factor", c10::IValue(options_.backoff_factor()));
  archive.write("growth_interval", c10::IValue(options_.growth_interval()));
  archive.write("growth_tracker", c10::IValue(growth_tracker()));
}

void GradScaler::load(torch::serialize::InputArchive& archive) {
  c10::IValue tag;
  TORCH_CHECK(archive.try_read(kTag, tag) && tag.isString() && tag.toStringRef() == "GradScaler",
              "gradus::amp::GradScaler: this is not a GradScaler file (no '", kTag, "' entry)");
  const int64_t version = read(archive, "format_version").toInt();
  TORCH_CHECK(version == kFormatVersion, "gradus::amp::GradScaler: file format version ", version,
              " is not supported (expected ", kFormatVersion, ")");
  if (!is_enabled()) return;
  TORCH_CHECK(read(archive, "enabled").toBool(), "The source state dict is empty, possibly because it was saved "
                                                 "from a disabled instance of GradScaler.");
  // Everything is read and checked before anything changes.
  GradScalerOptions loaded = options_;
  loaded.init_scale(read(archive, "scale").toDouble())
      .growth_factor(read(archive, "growth_factor").toDouble())
      .backoff_factor(read(archive, "backoff_factor").toDouble())
      .growth_interval(read(archive, "growth_interval").toInt());
  check_options(loaded);
  const int64_t tracker = read(archive, "growth_tracker").toInt();
  TORCH_CHECK(tracker >= 0 && tracker < loaded.growth_interval(), "gradus::amp::GradScaler: the file's growth tracker ",
              tracker, " is outside [0, growth_interval ", loaded.growth_interval(), ")");
  options_ = loaded;
  init_growth_tracker_ = tracker;
  if (scale_.defined()) {
    scale_.fill_(options_.init_scale());
    growth_tracker_.fill_(tracker);
  }
}

torch::serialize::OutputArchive& operator<<(torch::serialize::OutputArchive& archive, const GradScaler& scaler) {
  scaler.save(archive);
  return archive;
}

torch::serialize::InputArchive& operator>>(torch::serialize::InputArchive& archive, GradScaler& scaler) {
  scaler.load(archive);
  return archive;
}

}  // namespace amp
}  // namespace gradus
