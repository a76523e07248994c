#pragma once
// gradus::optim::RMSprop: a drop-in for torch::optim::RMSprop (centered,
// momentum), fused, plus PyTorch's `maximize`.
#include <gradus/ops/rmsprop.h>
#include <gradus/optim/fused_optimizer.h>
#include <torch/arg.h>

namespace gradus {
namespace optim {

struct RMSpropOptions : public FusedOptions<RMSpropOptions> {
  RMSpropOptions(double lr = 1e-2) : lr_(lr) {}  // NOLINT: implicit like LibTorch's
  TORCH_ARG(double, lr) = 1e-2;
  TORCH_ARG(double, alpha) = 0.99;
  TORCH_ARG(double, eps) = 1e-8;
  TORCH_ARG(double, weight_decay) = 0;
  TORCH_ARG(double, momentum) = 0;
  TORCH_ARG(bool, centered) = false;
  TORCH_ARG(bool, maximize) = false;

 public:
  template <class Self, class Visitor>
  static void visit(Self& self, Visitor&& v) {
    v("lr", self.lr());
    v("alpha", self.alpha());
    v("eps", self.eps());
    v("weight_decay", self.weight_decay());
    v("momentum", self.momentum());
    v("centered", self.centered());
    v("maximize", self.maximize());
  }
};

struct RMSpropParamState : public FusedParamState<RMSpropParamState> {
  TORCH_ARG(at::Tensor, step);
  TORCH_ARG(at::Tensor, square_avg);
  TORCH_ARG(at::Tensor, momentum_buffer) = {};
  TORCH_ARG(at::Tensor, grad_avg) = {};

 public:
  template <class Self, class Visitor>
  static void visit(Self& self, Visitor&& v) {
    v("step", self.step());
    v("square_avg", self.square_avg());
    v("momentum_buffer", self.momentum_buffer());
    v("grad_avg", self.grad_avg());
  }
};

class RMSprop : public FusedOptimizer {
 public:
  explicit RMSprop(std::vector<OptimizerParamGroup> param_groups, RMSpropOptions defaults = {});
  explicit RMSprop(std::vector<at::Tensor> params, RMSpropOptions defaults = {});

 protected:
  void check_options(const OptimizerOptions& options) const override;
  void step_bucket(const OptimizerOptions& options, ParamBucket& bucket) override;
  std::unique_ptr<OptimizerParamState> make_empty_state() const override;
};

}  // namespace optim
}  // namespace gradus
