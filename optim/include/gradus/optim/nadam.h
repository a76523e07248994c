#pragma once
// gradus::optim::NAdam: PyTorch's torch.optim.NAdam for LibTorch (which has
// none), fused, with its momentum_decay and decoupled_weight_decay.
#include <gradus/ops/nadam.h>
#include <gradus/optim/fused_optimizer.h>
#include <torch/arg.h>

namespace gradus {
namespace optim {

struct NAdamOptions : public FusedOptions<NAdamOptions> {
  NAdamOptions(double lr = 2e-3) : lr_(lr) {}  // NOLINT: implicit like LibTorch's
  typedef std::tuple<double, double> betas_t;
  TORCH_ARG(double, lr) = 2e-3;
  TORCH_ARG(betas_t, betas) = std::make_tuple(0.9, 0.999);
  TORCH_ARG(double, eps) = 1e-8;
  TORCH_ARG(double, weight_decay) = 0;
  TORCH_ARG(double, momentum_decay) = 4e-3;
  TORCH_ARG(bool, decoupled_weight_decay) = false;
  TORCH_ARG(bool, maximize) = false;

 public:
  template <class Self, class Visitor>
  static void visit(Self& self, Visitor&& v) {
    v("lr", self.lr());
    v("betas", self.betas());
    v("eps", self.eps());
    v("weight_decay", self.weight_decay());
    v("momentum_decay", self.momentum_decay());
    v("decoupled_weight_decay", self.decoupled_weight_decay());
    v("maximize", self.maximize());
  }
};

// `mu_product` is PyTorch's running product of the momentum coefficients
// (a float32 scalar, as PyTorch keeps it).
struct NAdamParamState : public FusedParamState<NAdamParamState> {
  TORCH_ARG(at::Tensor, step);
  TORCH_ARG(at::Tensor, mu_product);
  TORCH_ARG(at::Tensor, exp_avg);
  TORCH_ARG(at::Tensor, exp_avg_sq);

 public:
  template <class Self, class Visitor>
  static void visit(Self& self, Visitor&& v) {
    v("step", self.step());
    v("mu_product", self.mu_product());
    v("exp_avg", self.exp_avg());
    v("exp_avg_sq", self.exp_avg_sq());
  }
};

class NAdam : public FusedOptimizer {
 public:
  explicit NAdam(std::vector<OptimizerParamGroup> param_groups, NAdamOptions defaults = {});
  explicit NAdam(std::vector<at::Tensor> params, NAdamOptions defaults = {});

 protected:
  void check_options(const OptimizerOptions& options) const override;
  void step_bucket(const OptimizerOptions& options, ParamBucket& bucket) override;
  std::unique_ptr<OptimizerParamState> make_empty_state() const override;
};

}  // namespace optim
}  // namespace gradus
