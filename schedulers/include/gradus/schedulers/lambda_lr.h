#pragma once
// LambdaLR: lr = base_lr * lr_lambda(epoch), one function per group or one for all.
#include <gradus/schedulers/lr_scheduler.h>
#include <torch/arg.h>

#include <functional>

namespace gradus {
namespace schedulers {

using LrLambda = std::function<double(int64_t)>;

struct LambdaLROptions {
  LambdaLROptions(LrLambda lr_lambda) : lr_lambda_({std::move(lr_lambda)}) {}  // NOLINT
  LambdaLROptions(std::vector<LrLambda> lr_lambdas) : lr_lambda_(std::move(lr_lambdas)) {}  // NOLINT
  TORCH_ARG(std::vector<LrLambda>, lr_lambda);
};

class LambdaLR : public LRScheduler {
 public:
  LambdaLR(torch::optim::Optimizer& optimizer, LambdaLROptions options);

 protected:
  std::vector<double> get_lr() override;

 private:
  std::vector<LrLambda> lambdas_;
};

}  // namespace schedulers
}  // namespace gradus
