#pragma once
// gradus::optim::ASGD: PyTorch's torch.optim.ASGD (averaged SGD) for LibTorch
// (which has none), fused. The averaged parameters are readable: ax(param).
#include <gradus/ops/asgd.h>
#include <gradus/optim/fused_optimizer.h>
#include <torch/arg.h>

namespace gradus {
namespace optim {

struct ASGDOptions : public FusedOptions<ASGDOptions> {
  ASGDOptions(double lr = 1e-2) : lr_(lr) {}  // NOLINT: implicit like LibTorch's
  TORCH_ARG(double, lr) = 1e-2;
  TORCH_ARG(double, lambd) = 1e-4;
  TORCH_ARG(double, alpha) = 0.75;
  TORCH_ARG(double, t0) = 1e6;
  TORCH_ARG(double, weight_decay) = 0;
  TORCH_ARG(bool, maximize) = false;

 public:
  template <class Self, class Visitor>
  static void visit(Self& self, Visitor&& v) {
    v("lr", self.lr());
    v("lambd", self.lambd());
    v("alpha", self.alpha());
    v("t0", self.t0());
    v("weight_decay", self.weight_decay());
    v("maximize", self.maximize());
  }
};

// PyTorch's ASGD state: eta (the decayed step size) and mu (the averaging
// weight) are float32 scalars; ax is the running average of the parameter,
// a copy of it until step t0.
struct ASGDParamState : public FusedParamState<ASGDParamState> {
  TORCH_ARG(at::Tensor, step);
  TORCH_ARG(at::Tensor, eta);
  TORCH_ARG(at::Tensor, mu);
  TORCH_ARG(at::Tensor, ax);

 public:
  template <class Self, class Visitor>
  static void visit(Self& self, Visitor&& v) {
    v("step", self.step());
    v("eta", self.eta());
    v("mu", self.mu());
    v("ax", self.ax());
  }
};

class ASGD : public FusedOptimizer {
 public:
  explicit ASGD(std::vector<OptimizerParamGroup> param_groups, ASGDOptions defaults = {});
  explicit ASGD(std::vector<at::Tensor> params, ASGDOptions defaults = {});
  // The averaged value of `param` (PyTorch's state['ax']), what ASGD is for:
  // evaluate with it. Throws if `param` has not been stepped yet.
  const at::Tensor& ax(const at::Tensor& param);

 protected:
  void check_options(const OptimizerOptions& options) const override;
  void step_bucket(const OptimizerOptions& options, ParamBucket& bucket) override;
  std::unique_ptr<OptimizerParamState> make_empty_state() const override;
};

}  // namespace optim
}  // namespace gradus
