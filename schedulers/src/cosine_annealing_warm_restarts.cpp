#include <gradus/schedulers/cosine_annealing_warm_restarts.h>
#include <torch/serialize/archive.h>

#include "archive_values.h"

#include <cmath>

namespace gradus {
namespace schedulers {

CosineAnnealingWarmRestarts::CosineAnnealingWarmRestarts(torch::optim::Optimizer& optimizer,
                                                         CosineAnnealingWarmRestartsOptions options)
    : LRScheduler(optimizer, "gradus::schedulers::CosineAnnealingWarmRestarts"),
      options_(options),
      T_i_(options.T_0()),
      T_cur_(-1) {
  TORCH_CHECK(options_.T_0() > 0, name(), ": expected positive integer T_0, but got ", options_.T_0());
  TORCH_CHECK(options_.T_mult() >= 1, name(), ": expected integer T_mult >= 1, but got ", options_.T_mult());
  check_eta_min(options_.eta_min());
  initial_step();
}

std::vector<double> CosineAnnealingWarmRestarts::get_lr() {
  const double eta_min = options_.eta_min();
  std::vector<double> lrs;
  for (double base : base_lrs_) {
    lrs.push_back(eta_min + (base - eta_min) * (1 + std::cos(3.141592653589793 * T_cur_ / double(T_i_))) / 2);
  }
  return lrs;
}

void CosineAnnealingWarmRestarts::step() {
  if (last_epoch_ < 0) {
    step_to_epoch(0);
    return;
  }
  T_cur_ = T_cur_ + 1;
  if (T_cur_ >= double(T_i_)) {
    T_cur_ = T_cur_ - double(T_i_);
    T_i_ = T_i_ * options_.T_mult();
  }
  ++last_epoch_;
  apply_lrs(get_lr());
}

// PyTorch's step(epoch): where in which period `epoch` falls.
void CosineAnnealingWarmRestarts::step_to_epoch(int64_t epoch) {
  TORCH_CHECK(epoch >= 0, name(), ": expected non-negative epoch, but got ", epoch);
  const int64_t T_0 = options_.T_0(), T_mult = options_.T_mult();
  if (epoch >= T_0) {
    if (T_mult == 1) {
      T_cur_ = double(epoch % T_0);
    } else {
      const auto n = int64_t(std::log(double(epoch) / double(T_0) * double(T_mult - 1) + 1) /
                             std::log(double(T_mult)));
      const double scale = std::pow(double(T_mult), double(n));
      T_cur_ = double(epoch) - double(T_0) * (scale - 1) / double(T_mult - 1);
      T_i_ = T_0 * int64_t(scale);
    }
  } else {
    T_i_ = T_0;
    T_cur_ = double(epoch);
  }
  last_epoch_ = epoch;
  apply_lrs(get_lr());
}

void CosineAnnealingWarmRestarts::save_extra(torch::serialize::OutputArchive& archive) const {
  detail::write_value(archive, "T_i", double(T_i_));
  detail::write_value(archive, "T_cur", T_cur_);
}

void CosineAnnealingWarmRestarts::load_extra(torch::serialize::InputArchive& archive) {
  T_i_ = int64_t(detail::read_value(archive, "T_i"));
  T_cur_ = detail::read_value(archive, "T_cur");
}

}  // namespace schedulers
}  // namespace gradus
