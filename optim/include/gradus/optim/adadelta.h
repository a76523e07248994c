#pragma once
// gradus::optim::Adadelta: PyTorch's torch.optim.Adadelta for LibTorch (which
// has none), fused.
#include <gradus/ops/adadelta.h>
#include <gradus/optim/fused_optimizer.h>
#include <torch/arg.h>

namespace gradus {
namespace optim {

struct AdadeltaOptions : public FusedOptions<AdadeltaOptions> {
  AdadeltaOptions(double lr = 1.0) : lr_(lr) {}  // NOLINT: implicit like LibTorch's
  TORCH_ARG(double, lr) = 1.0;
  TORCH_ARG(double, rho) = 0.9;
  TORCH_ARG(double, eps) = 1e-6;
  TORCH_ARG(double, weight_decay) = 0;
  TORCH_ARG(bool, maximize) = false;

 public:
  template <class Self, class Visitor>
  static void visit(Self& self, Visitor&& v) {
    v("lr", self.lr());
    v("rho", self.rho());
    v("eps", self.eps());
    v("weight_decay", self.weight_decay());
    v("maximize", self.maximize());
  }
};

struct AdadeltaParamState : public FusedParamState<AdadeltaParamState> {
  TORCH_ARG(at::Tensor, step);
  TORCH_ARG(at::Tensor, square_avg);
  TORCH_ARG(at::Tensor, acc_delta);

 public:
  template <class Self, class Visitor>
  static void visit(Self& self, Visitor&& v) {
    v("step", self.step());
    v("square_avg", self.square_avg());
    v("acc_delta", self.acc_delta());
  }
};

class Adadelta : public FusedOptimizer {
 public:
  explicit Adadelta(std::vector<OptimizerParamGroup> param_groups, AdadeltaOptions defaults = {});
  explicit Adadelta(std::vector<at::Tensor> params, AdadeltaOptions defaults = {});

 protected:
  void check_options(const OptimizerOptions& options) const override;
  void step_bucket(const OptimizerOptions& options, ParamBucket& bucket) override;
  std::unique_ptr<OptimizerParamState> make_empty_state() const override;
};

}  // namespace optim
}  // namespace gradus
