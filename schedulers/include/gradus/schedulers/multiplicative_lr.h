#pragma once
// MultiplicativeLR: each step multiplies the group's lr by lr_lambda(epoch).
#include <gradus/schedulers/lambda_lr.h>

namespace gradus {
namespace schedulers {

// Same arguments as LambdaLR: one function for all groups, or one per group.
using MultiplicativeLROptions = LambdaLROptions;

class MultiplicativeLR : public LRScheduler {
 public:
  MultiplicativeLR(torch::optim::Optimizer& optimizer, MultiplicativeLROptions options);

 protected:
  std::vector<double> get_lr() override;

 private:
  std::vector<LrLambda> lambdas_;
};

}  // namespace schedulers
}  // namespace gradus
