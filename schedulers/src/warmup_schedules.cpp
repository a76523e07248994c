// WarmupCosine and WarmupStableDecay: the two closed-form modern schedules.
#include <gradus/schedulers/warmup_cosine.h>
#include <gradus/schedulers/warmup_stable_decay.h>

#include <cmath>

namespace gradus {
namespace schedulers {
namespace {

const double kPi = 3.141592653589793;

// The warm-up factor at step t < warmup of a linear ramp from `start` to 1.
double warmup_factor(int64_t t, int64_t warmup, double start) {
  return start + (1 - start) * double(t) / double(warmup);
}

void check_warmup(const std::string& name, int64_t warmup, double start) {
  TORCH_CHECK(warmup >= 0, name, ": warmup_steps must be >= 0, got ", warmup);
  TORCH_CHECK(start >= 0 && start <= 1, name, ": warmup_start_factor must be in [0, 1], got ", start);
}

}  // namespace

WarmupCosine::WarmupCosine(torch::optim::Optimizer& optimizer, WarmupCosineOptions options)
    : LRScheduler(optimizer, "gradus::schedulers::WarmupCosine"), options_(options) {
  check_warmup(name(), options_.warmup_steps(), options_.warmup_start_factor());
  TORCH_CHECK(options_.total_steps() > options_.warmup_steps(), name(), ": total_steps (",
              options_.total_steps(), ") must exceed warmup_steps (", options_.warmup_steps(), ")");
  check_eta_min(options_.eta_min());
  initial_step();
}

std::optional<std::vector<double>> WarmupCosine::closed_form_lr() const {
  const int64_t t = last_epoch_, warmup = options_.warmup_steps(), total = options_.total_steps();
  const double eta_min = options_.eta_min();
  std::vector<double> lrs;
  for (double base : base_lrs_) {
    if (t < warmup) {
      lrs.push_back(base * warmup_factor(t, warmup, options_.warmup_start_factor()));
    } else if (t <= total) {
      const double progress = double(t - warmup) / double(total - warmup);
      lrs.push_back(eta_min + (base - eta_min) * (1 + std::cos(kPi * progress)) / 2);
    } else {
      lrs.push_back(eta_min);
    }
  }
  return lrs;
}

WarmupStableDecay::WarmupStableDecay(torch::optim::Optimizer& optimizer, WarmupStableDecayOptions options)
    : LRScheduler(optimizer, "gradus::schedulers::WarmupStableDecay"), options_(std::move(options)) {
  const auto& o = options_;
  check_warmup(name(), o.warmup_steps(), o.warmup_start_factor());
  TORCH_CHECK(o.stable_steps() >= 0, name(), ": stable_steps must be >= 0, got ", o.stable_steps());
  TORCH_CHECK(o.decay_steps() > 0, name(), ": decay_steps must be positive, got ", o.decay_steps());
  TORCH_CHECK(o.end_factor() >= 0 && o.end_factor() <= 1, name(), ": end_factor must be in [0, 1], got ",
              o.end_factor());
  TORCH_CHECK(o.decay_shape() == "linear" || o.decay_shape() == "cosine" || o.decay_shape() == "sqrt",
              name(), ": decay_shape must be linear, cosine or sqrt, got '", o.decay_shape(), "'");
  initial_step();
}

double WarmupStableDecay::factor_at(int64_t t) const {
  const auto& o = options_;
  if (t < o.warmup_steps()) return warmup_factor(t, o.warmup_steps(), o.warmup_start_factor());
  const int64_t decay_start = o.warmup_steps() + o.stable_steps();
  if (t < decay_start) return 1.0;
  if (t >= decay_start + o.decay_steps()) return o.end_factor();
  const double p = double(t - decay_start) / double(o.decay_steps());
  const double shape = o.decay_shape() == "linear" ? p
                       : o.decay_shape() == "cosine" ? (1 - std::cos(kPi * p)) / 2
                                                      : std::sqrt(p);
  return 1 - (1 - o.end_factor()) * shape;
}

std::optional<std::vector<double>> WarmupStableDecay::closed_form_lr() const {
  std::vector<double> lrs;
  for (double base : base_lrs_) lrs.push_back(base * factor_at(last_epoch_));
  return lrs;
}

}  // namespace schedulers
}  // namespace gradus
