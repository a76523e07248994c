#include <gradus/schedulers/lambda_lr.h>

#include "lambda_list.h"

namespace gradus {
namespace schedulers {

LambdaLR::LambdaLR(torch::optim::Optimizer& optimizer, LambdaLROptions options)
    : LRScheduler(optimizer, "gradus::schedulers::LambdaLR"),
      lambdas_(detail::lambda_per_group(options.lr_lambda(), group_count(), name())) {
  initial_step();
}

std::vector<double> LambdaLR::get_lr() {
  std::vector<double> lrs;
  for (size_t i = 0; i < base_lrs_.size(); ++i) lrs.push_back(base_lrs_[i] * lambdas_[i](last_epoch_));
  return lrs;
}

}  // namespace schedulers
}  // namespace gradus
