#include <gradus/schedulers/multiplicative_lr.h>

#include "lambda_list.h"

namespace gradus {
namespace schedulers {

MultiplicativeLR::MultiplicativeLR(torch::optim::Optimizer& optimizer, MultiplicativeLROptions options)
    : LRScheduler(optimizer, "gradus::schedulers::MultiplicativeLR"),
      lambdas_(detail::lambda_per_group(options.lr_lambda(), group_count(), name())) {
  initial_step();
}

std::vector<double> MultiplicativeLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ > 0) {
    for (size_t i = 0; i < lrs.size(); ++i) lrs[i] = lrs[i] * lambdas_[i](last_epoch_);
  }
  return lrs;
}

}  // namespace schedulers
}  // namespace gradus
