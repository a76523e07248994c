#include <gradus/schedulers/loss_adaptive.h>
#include <torch/serialize/archive.h>

#include "archive_values.h"

#include <cmath>
#include <limits>

namespace gradus {
namespace schedulers {

LossAdaptive::LossAdaptive(torch::optim::Optimizer& optimizer, LossAdaptiveOptions options)
    : LRScheduler(optimizer, "gradus::schedulers::LossAdaptive"),
      options_(options),
      min_loss_(std::numeric_limits<double>::quiet_NaN()) {
  if (options_.min_loss()) {
    const double m = *options_.min_loss();
    TORCH_CHECK(std::isfinite(m) && m > 0, name(), ": min_loss must be positive and finite, got ", m);
  }
  last_epoch_ = 0;
}

void LossAdaptive::step() {
  TORCH_CHECK(false, name(), " is driven by the loss: call step(loss)");
}

void LossAdaptive::step(double loss) {
  TORCH_CHECK(std::isfinite(loss), name(), ": the loss is not finite: ", loss);
  const double reference =
      options_.min_loss() ? *options_.min_loss() : (std::isnan(min_loss_) ? loss : std::min(min_loss_, loss));
  TORCH_CHECK(reference > 0, name(), ": min_loss must be positive, got ", reference,
              " (the lowest loss so far; LossAdaptive needs positive losses)");
  min_loss_ = reference;
  ++last_epoch_;
  std::vector<double> lrs;
  for (double base : base_lrs_) lrs.push_back(base / (1 + loss / reference));
  apply_lrs(lrs);
}

void LossAdaptive::save_extra(torch::serialize::OutputArchive& archive) const {
  detail::write_value(archive, "min_loss", min_loss_);
}

void LossAdaptive::load_extra(torch::serialize::InputArchive& archive) {
  min_loss_ = detail::read_value(archive, "min_loss");
}

}  // namespace schedulers
}  // namespace gradus
