#pragma once
// MultiplicativeLR: each step multiplies the group's lr by lr_lambda(epoch).
#include <gradus/schedulers/lambda_lr.h>

namespace gradus {
namespace schedulers {

struct MultiplicativeLROptions {
  MultiplicativeLROptions(LrLambda lr_lambda) : lr_lambda_({std::move(lr_lambda)}) {}  // NOLINT
  MultiplicativeLROptions(std::vector<LrLambda> lr_lambdas) : lr_lambda_(std::move(lr_lambdas)) {}  // NOLINT
  TORCH_ARG(std::vector<LrLambda>, lr_lambda);
};

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
