#pragma once
// LinearDecay: lr_t = lr_0 * (1 - (1 - end_factor) * t / T) for 0 <= t <= T,
// then lr_0 * end_factor. With the default end_factor 0 this is
// lr_0 * (1 - t/T), reaching 0 at T. lr_0 is the group's initial lr.
#include <gradus/schedulers/lr_scheduler.h>
#include <torch/arg.h>

namespace gradus {
namespace schedulers {

struct LinearDecayOptions {
  LinearDecayOptions(int64_t total_steps) : total_steps_(total_steps) {}  // NOLINT
  TORCH_ARG(int64_t, total_steps);
  TORCH_ARG(double, end_factor) = 0.0;  // in [0, 1]: where the lr stops, relative to lr_0
};

class LinearDecay : public LRScheduler {
 public:
  LinearDecay(torch::optim::Optimizer& optimizer, LinearDecayOptions options);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  LinearDecayOptions options_;
};

}  // namespace schedulers
}  // namespace gradus
