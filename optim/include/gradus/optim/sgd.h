#pragma once
// gradus::optim::SGD: a drop-in for torch::optim::SGD (momentum, dampening,
// Nesterov, weight decay), fused, plus PyTorch's `maximize`.
#include <gradus/ops/sgd.h>
#include <gradus/optim/fused_optimizer.h>
#include <torch/arg.h>

namespace gradus {
namespace optim {

struct SGDOptions : public FusedOptions<SGDOptions> {
  SGDOptions(double lr) : lr_(lr) {}  // NOLINT: implicit like LibTorch's
  TORCH_ARG(double, lr);
  TORCH_ARG(double, momentum) = 0;
  TORCH_ARG(double, dampening) = 0;
  TORCH_ARG(double, weight_decay) = 0;
  TORCH_ARG(bool, nesterov) = false;
  TORCH_ARG(bool, maximize) = false;

 public:
  template <class Self, class Visitor>
  static void visit(Self& self, Visitor&& v) {
    v("lr", self.lr());
    v("momentum", self.momentum());
    v("dampening", self.dampening());
    v("weight_decay", self.weight_decay());
    v("nesterov", self.nesterov());
    v("maximize", self.maximize());
  }
};

struct SGDParamState : public FusedParamState<SGDParamState> {
  TORCH_ARG(at::Tensor, momentum_buffer);

 public:
  template <class Self, class Visitor>
  static void visit(Self& self, Visitor&& v) {
    v("momentum_buffer", self.momentum_buffer());
  }
};

class SGD : public FusedOptimizer {
 public:
  explicit SGD(std::vector<OptimizerParamGroup> param_groups, SGDOptions defaults);
  explicit SGD(std::vector<at::Tensor> params, SGDOptions defaults);

 protected:
  void check_options(const OptimizerOptions& options) const override;
  void step_bucket(const OptimizerOptions& options, ParamBucket& bucket) override;
  std::unique_ptr<OptimizerParamState> make_empty_state() const override;
};

}  // namespace optim
}  // namespace gradus
