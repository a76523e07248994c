#pragma once
// gradus::optim::AdamW: a drop-in for torch::optim::AdamW (decoupled weight
// decay), fused, plus PyTorch's `maximize`.
#include <gradus/optim/adam.h>

namespace gradus {
namespace optim {

struct AdamWOptions : public FusedOptions<AdamWOptions> {
  AdamWOptions(double lr = 1e-3) : lr_(lr) {}  // NOLINT: implicit like LibTorch's
  typedef std::tuple<double, double> betas_t;
  TORCH_ARG(double, lr) = 1e-3;
  TORCH_ARG(betas_t, betas) = std::make_tuple(0.9, 0.999);
  TORCH_ARG(double, eps) = 1e-8;
  TORCH_ARG(double, weight_decay) = 1e-2;
  TORCH_ARG(bool, amsgrad) = false;
  TORCH_ARG(bool, maximize) = false;

 public:
  template <class Self, class Visitor>
  static void visit(Self& self, Visitor&& v) {
    AdamOptions::visit(self, v);  // same fields as Adam
  }
};

using AdamWParamState = AdamParamState;

class AdamW : public detail::AdamFamily {
 public:
  explicit AdamW(std::vector<OptimizerParamGroup> param_groups, AdamWOptions defaults = {});
  explicit AdamW(std::vector<at::Tensor> params, AdamWOptions defaults = {});

 protected:
  void check_options(const OptimizerOptions& options) const override;
  void step_bucket(const OptimizerOptions& options, ParamBucket& bucket) override;
};

}  // namespace optim
}  // namespace gradus
