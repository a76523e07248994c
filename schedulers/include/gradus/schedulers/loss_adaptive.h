#pragma once
// LossAdaptive: step(loss) sets lr_t = lr_0 / (1 + loss_t / min_loss).
//
// By default min_loss is the lowest loss seen so far, this one included, so:
//  - whenever the loss is at its minimum (a new best), the lr is lr_0 / 2;
//  - a loss k times the best so far gives lr_0 / (1 + k): the lr backs off
//    when the loss jumps up and recovers as it comes back down;
//  - the lr never exceeds lr_0 / 2 (losses are >= min_loss).
// With a fixed min_loss (a reference the user knows, e.g. a target loss),
// the lr follows the loss directly: lr_0 / 2 at the reference, approaching
// lr_0 as the loss falls below it.
// Before the first step(loss) the lr is lr_0. The loss must be finite, and
// min_loss positive (so losses must be > 0); otherwise step(loss) throws,
// naming the value, and changes nothing.
#include <gradus/schedulers/lr_scheduler.h>
#include <torch/arg.h>

namespace gradus {
namespace schedulers {

struct LossAdaptiveOptions {
  TORCH_ARG(std::optional<double>, min_loss) = std::nullopt;  // fixed reference; default: best so far
};

class LossAdaptive : public LRScheduler {
 public:
  explicit LossAdaptive(torch::optim::Optimizer& optimizer, LossAdaptiveOptions options = {});
  void step() override;  // refused: needs the loss
  void step(double loss) override;
  // The min_loss the last step used (NaN before the first step).
  double min_loss() const noexcept { return min_loss_; }

 protected:
  std::vector<double> get_lr() override { return group_lrs(); }
  void save_extra(torch::serialize::OutputArchive& archive) const override;
  void load_extra(torch::serialize::InputArchive& archive) override;

 private:
  LossAdaptiveOptions options_;
  double min_loss_;
};

}  // namespace schedulers
}  // namespace gradus
