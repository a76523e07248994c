#pragma once
// gradus::optim::Adam: a drop-in for torch::optim::Adam with one fused pass per
// parameter, plus PyTorch's `maximize`.
#include <gradus/ops/adam.h>
#include <gradus/optim/fused_optimizer.h>
#include <torch/arg.h>

namespace gradus {
namespace optim {

struct AdamOptions : public FusedOptions<AdamOptions> {
  AdamOptions(double lr = 1e-3) : lr_(lr) {}  // NOLINT: implicit like LibTorch's
  typedef std::tuple<double, double> betas_t;
  TORCH_ARG(double, lr) = 1e-3;
  TORCH_ARG(betas_t, betas) = std::make_tuple(0.9, 0.999);
  TORCH_ARG(double, eps) = 1e-8;
  TORCH_ARG(double, weight_decay) = 0;
  TORCH_ARG(bool, amsgrad) = false;
  TORCH_ARG(bool, maximize) = false;

 public:
  template <class Self, class Visitor>
  static void visit(Self& self, Visitor&& v) {
    v("lr", self.lr());
    v("betas", self.betas());
    v("eps", self.eps());
    v("weight_decay", self.weight_decay());
    v("amsgrad", self.amsgrad());
    v("maximize", self.maximize());
  }
};

// Per-parameter state of Adam and AdamW. `step` is a float32 scalar tensor on
// the parameter's device (so a CUDA step can be graph-captured).
struct AdamParamState : public FusedParamState<AdamParamState> {
  TORCH_ARG(at::Tensor, step);
  TORCH_ARG(at::Tensor, exp_avg);
  TORCH_ARG(at::Tensor, exp_avg_sq);
  TORCH_ARG(at::Tensor, max_exp_avg_sq) = {};

 public:
  template <class Self, class Visitor>
  static void visit(Self& self, Visitor&& v) {
    v("step", self.step());
    v("exp_avg", self.exp_avg());
    v("exp_avg_sq", self.exp_avg_sq());
    v("max_exp_avg_sq", self.max_exp_avg_sq());
  }
};

namespace detail {
// What Adam and AdamW share: the gradus::adam_ operator and its state.
class AdamFamily : public FusedOptimizer {
 protected:
  using FusedOptimizer::FusedOptimizer;
  void step_adam(const ops::AdamHyper& hyper, const OptimizerOptions& options, ParamBucket& bucket);
  std::unique_ptr<OptimizerParamState> make_empty_state() const override;
};
}  // namespace detail

class Adam : public detail::AdamFamily {
 public:
  explicit Adam(std::vector<OptimizerParamGroup> param_groups, AdamOptions defaults = {});
  explicit Adam(std::vector<at::Tensor> params, AdamOptions defaults = {});

 protected:
  void check_options(const OptimizerOptions& options) const override;
  void step_bucket(const OptimizerOptions& options, ParamBucket& bucket) override;
};

}  // namespace optim
}  // namespace gradus
