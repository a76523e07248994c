#pragma once
// gradus::optim::Rprop: PyTorch's torch.optim.Rprop for LibTorch (which has
// none), fused.
#include <gradus/ops/rprop.h>
#include <gradus/optim/fused_optimizer.h>
#include <torch/arg.h>

namespace gradus {
namespace optim {

struct RpropOptions : public FusedOptions<RpropOptions> {
  RpropOptions(double lr = 1e-2) : lr_(lr) {}  // NOLINT: implicit like LibTorch's
  typedef std::tuple<double, double> pair_t;
  TORCH_ARG(double, lr) = 1e-2;
  // (etaminus, etaplus): the factors that shrink and grow a step size.
  TORCH_ARG(pair_t, etas) = std::make_tuple(0.5, 1.2);
  // (min, max) of every step size.
  TORCH_ARG(pair_t, step_sizes) = std::make_tuple(1e-6, 50.0);
  TORCH_ARG(bool, maximize) = false;

 public:
  template <class Self, class Visitor>
  static void visit(Self& self, Visitor&& v) {
    v("lr", self.lr());
    v("etas", self.etas());
    v("step_sizes", self.step_sizes());
    v("maximize", self.maximize());
  }
};

// `step_size` starts at the group's lr, element by element.
struct RpropParamState : public FusedParamState<RpropParamState> {
  TORCH_ARG(at::Tensor, step);
  TORCH_ARG(at::Tensor, prev);
  TORCH_ARG(at::Tensor, step_size);

 public:
  template <class Self, class Visitor>
  static void visit(Self& self, Visitor&& v) {
    v("step", self.step());
    v("prev", self.prev());
    v("step_size", self.step_size());
  }
};

class Rprop : public FusedOptimizer {
 public:
  explicit Rprop(std::vector<OptimizerParamGroup> param_groups, RpropOptions defaults = {});
  explicit Rprop(std::vector<at::Tensor> params, RpropOptions defaults = {});

 protected:
  void check_options(const OptimizerOptions& options) const override;
  void step_bucket(const OptimizerOptions& options, ParamBucket& bucket) override;
  std::unique_ptr<OptimizerParamState> make_empty_state() const override;
};

}  // namespace optim
}  // namespace gradus
