#pragma once
// gradus::optim::Adamax: PyTorch's torch.optim.Adamax for LibTorch (which has
// none), fused.
#include <gradus/ops/adamax.h>
#include <gradus/optim/fused_optimizer.h>
#include <torch/arg.h>

namespace gradus {
namespace optim {

struct AdamaxOptions : public FusedOptions<AdamaxOptions> {
  AdamaxOptions(double lr = 2e-3) : lr_(lr) {}  // NOLINT: implicit like LibTorch's
  typedef std::tuple<double, double> betas_t;
  TORCH_ARG(double, lr) = 2e-3;
  TORCH_ARG(betas_t, betas) = std::make_tuple(0.9, 0.999);
  TORCH_ARG(double, eps) = 1e-8;
  TORCH_ARG(double, weight_decay) = 0;
  TORCH_ARG(bool, maximize) = false;

 public:
  template <class Self, class Visitor>
  static void visit(Self& self, Visitor&& v) {
    v("lr", self.lr());
    v("betas", self.betas());
    v("eps", self.eps());
    v("weight_decay", self.weight_decay());
    v("maximize", self.maximize());
  }
};

// `exp_inf` is PyTorch's exponentially weighted infinity norm.
struct AdamaxParamState : public FusedParamState<AdamaxParamState> {
  TORCH_ARG(at::Tensor, step);
  TORCH_ARG(at::Tensor, exp_avg);
  TORCH_ARG(at::Tensor, exp_inf);

 public:
  template <class Self, class Visitor>
  static void visit(Self& self, Visitor&& v) {
    v("step", self.step());
    v("exp_avg", self.exp_avg());
    v("exp_inf", self.exp_inf());
  }
};

class Adamax : public FusedOptimizer {
 public:
  explicit Adamax(std::vector<OptimizerParamGroup> param_groups, AdamaxOptions defaults = {});
  explicit Adamax(std::vector<at::Tensor> params, AdamaxOptions defaults = {});

 protected:
  void check_options(const OptimizerOptions& options) const override;
  void step_bucket(const OptimizerOptions& options, ParamBucket& bucket) override;
  std::unique_ptr<OptimizerParamState> make_empty_state() const override;
};

}  // namespace optim
}  // namespace gradus
