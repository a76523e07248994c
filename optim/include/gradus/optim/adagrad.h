#pragma once
// gradus::optim::Adagrad: a drop-in for torch::optim::Adagrad (dense
// gradients), fused, plus PyTorch's `maximize`.
#include <gradus/ops/adagrad.h>
#include <gradus/optim/fused_optimizer.h>
#include <torch/arg.h>

namespace gradus {
namespace optim {

struct AdagradOptions : public FusedOptions<AdagradOptions> {
  AdagradOptions(double lr = 1e-2) : lr_(lr) {}  // NOLINT: implicit like LibTorch's
  TORCH_ARG(double, lr) = 1e-2;
  TORCH_ARG(double, lr_decay) = 0;
  TORCH_ARG(double, weight_decay) = 0;
  TORCH_ARG(double, initial_accumulator_value) = 0;
  TORCH_ARG(double, eps) = 1e-10;
  TORCH_ARG(bool, maximize) = false;

 public:
  template <class Self, class Visitor>
  static void visit(Self& self, Visitor&& v) {
    v("lr", self.lr());
    v("lr_decay", self.lr_decay());
    v("weight_decay", self.weight_decay());
    v("initial_accumulator_value", self.initial_accumulator_value());
    v("eps", self.eps());
    v("maximize", self.maximize());
  }
};

struct AdagradParamState : public FusedParamState<AdagradParamState> {
  TORCH_ARG(at::Tensor, step);
  TORCH_ARG(at::Tensor, sum);

 public:
  template <class Self, class Visitor>
  static void visit(Self& self, Visitor&& v) {
    v("step", self.step());
    v("sum", self.sum());
  }
};

class Adagrad : public FusedOptimizer {
 public:
  explicit Adagrad(std::vector<OptimizerParamGroup> param_groups, AdagradOptions defaults = {});
  explicit Adagrad(std::vector<at::Tensor> params, AdagradOptions defaults = {});

 protected:
  void check_options(const OptimizerOptions& options) const override;
  void step_bucket(const OptimizerOptions& options, ParamBucket& bucket) override;
  std::unique_ptr<OptimizerParamState> make_empty_state() const override;

 private:
  AdagradParamState& init_state(const at::Tensor& param);
};

}  // namespace optim
}  // namespace gradus
