#pragma once
// gradus::optim::Adafactor: PyTorch 2.14's torch.optim.Adafactor for LibTorch
// (which has none). Tensors of two or more dimensions keep factored second
// moments (a row and a column factor over the last two dimensions) instead
// of a full one; vectors keep a full one. The update and the two norms that
// scale it are one fused operator (gradus/ops/adafactor.h), which takes the
// norms on the device; a factored tensor's row and column means and their
// outer product are ATen operations.
#include <gradus/ops/adafactor.h>
#include <gradus/optim/fused_optimizer.h>
#include <torch/arg.h>

#include <optional>

namespace gradus {
namespace optim {

struct AdafactorOptions : public FusedOptions<AdafactorOptions> {
  AdafactorOptions(double lr = 1e-2) : lr_(lr) {}  // NOLINT: implicit like LibTorch's
  // (eps1, eps2): eps1 unset means the parameters' machine epsilon.
  typedef std::tuple<std::optional<double>, double> eps_t;
  TORCH_ARG(double, lr) = 1e-2;
  TORCH_ARG(double, beta2_decay) = -0.8;
  TORCH_ARG(eps_t, eps) = std::make_tuple(std::optional<double>(), 1e-3);
  TORCH_ARG(double, d) = 1.0;
  TORCH_ARG(double, weight_decay) = 0.0;
  TORCH_ARG(bool, maximize) = false;

 public:
  template <class Self, class Visitor>
  static void visit(Self& self, Visitor&& v) {
    v("lr", self.lr());
    v("beta2_decay", self.beta2_decay());
    v("eps", self.eps());
    v("d", self.d());
    v("weight_decay", self.weight_decay());
    v("maximize", self.maximize());
  }
};

// row_var and col_var for tensors of 2 or more dimensions (shaped like the
// parameter with the last, or the second-to-last, dimension 1); variance
// for vectors and scalars.
struct AdafactorParamState : public FusedParamState<AdafactorParamState> {
  TORCH_ARG(at::Tensor, step);
  TORCH_ARG(at::Tensor, row_var);
  TORCH_ARG(at::Tensor, col_var);
  TORCH_ARG(at::Tensor, variance);

 public:
  template <class Self, class Visitor>
  static void visit(Self& self, Visitor&& v) {
    v("step", self.step());
    v("row_var", self.row_var());
    v("col_var", self.col_var());
    v("variance", self.variance());
  }
};

class Adafactor : public FusedOptimizer {
 public:
  explicit Adafactor(std::vector<OptimizerParamGroup> param_groups, AdafactorOptions defaults = {});
  explicit Adafactor(std::vector<at::Tensor> params, AdafactorOptions defaults = {});

 protected:
  void check_options(const OptimizerOptions& options) const override;
  void step_bucket(const OptimizerOptions& options, ParamBucket& bucket) override;
  std::unique_ptr<OptimizerParamState> make_empty_state() const override;
};

}  // namespace optim
}  // namespace gradus
