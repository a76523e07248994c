#include <gradus/schedulers/cosine_annealing_lr.h>

#include <cmath>

namespace gradus {
namespace schedulers {
namespace {
const double kPi = 3.141592653589793;  // Python's math.pi
}

CosineAnnealingLR::CosineAnnealingLR(torch::optim::Optimizer& optimizer, CosineAnnealingLROptions options)
    : LRScheduler(optimizer, "gradus::schedulers::CosineAnnealingLR"), options_(options) {
  TORCH_CHECK(options_.T_max() > 0, name(), ": T_max must be positive, got ", options_.T_max());
  check_eta_min(options_.eta_min());
  initial_step();
}

// PyTorch's recursive form, including its branch at the end of each period.
std::vector<double> CosineAnnealingLR::get_lr() {
  const double T = double(options_.T_max()), eta_min = options_.eta_min();
  const double e = double(last_epoch_);
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0) return lrs;
  for (size_t i = 0; i < lrs.size(); ++i) {
    if (step_count_ == 1 && last_epoch_ > 0) {
      lrs[i] = eta_min + (base_lrs_[i] - eta_min) * (1 + std::cos(e * kPi / T)) / 2;
    } else if ((last_epoch_ - 1 - options_.T_max()) % (2 * options_.T_max()) == 0) {
      lrs[i] = lrs[i] + (base_lrs_[i] - eta_min) * (1 - std::cos(kPi / T)) / 2;
    } else {
      lrs[i] = (1 + std::cos(kPi * e / T)) / (1 + std::cos(kPi * (e - 1) / T)) * (lrs[i] - eta_min) + eta_min;
    }
  }
  return lrs;
}

std::optional<std::vector<double>> CosineAnnealingLR::closed_form_lr() const {
  const double T = double(options_.T_max()), eta_min = options_.eta_min();
  std::vector<double> lrs;
  for (double base : base_lrs_) {
    lrs.push_back(eta_min + (base - eta_min) * (1 + std::cos(kPi * double(last_epoch_) / T)) / 2);
  }
  return lrs;
}

}  // namespace schedulers
}  // namespace gradus
