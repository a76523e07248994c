#pragma once
// gradus::optim::SparseAdam: PyTorch 2.14's torch.optim.SparseAdam for
// LibTorch (which has none): Adam for sparse gradients, such as those of
// torch::nn::Embedding with sparse(true). Only the rows a gradient touches
// have their moments and values updated ("lazy" Adam). ATen sparse
// operations, as PyTorch's; dense gradients are refused.
#include <gradus/optim/fused_optimizer.h>
#include <torch/arg.h>

namespace gradus {
namespace optim {

struct SparseAdamOptions : public FusedOptions<SparseAdamOptions> {
  SparseAdamOptions(double lr = 1e-3) : lr_(lr) {}  // NOLINT: implicit like LibTorch's
  typedef std::tuple<double, double> betas_t;
  TORCH_ARG(double, lr) = 1e-3;
  TORCH_ARG(betas_t, betas) = std::make_tuple(0.9, 0.999);
  TORCH_ARG(double, eps) = 1e-8;
  TORCH_ARG(bool, maximize) = false;

 public:
  template <class Self, class Visitor>
  static void visit(Self& self, Visitor&& v) {
    v("lr", self.lr());
    v("betas", self.betas());
    v("eps", self.eps());
    v("maximize", self.maximize());
  }
};

struct SparseAdamParamState : public FusedParamState<SparseAdamParamState> {
  TORCH_ARG(at::Tensor, step);
  TORCH_ARG(at::Tensor, exp_avg);
  TORCH_ARG(at::Tensor, exp_avg_sq);

 public:
  template <class Self, class Visitor>
  static void visit(Self& self, Visitor&& v) {
    v("step", self.step());
    v("exp_avg", self.exp_avg());
    v("exp_avg_sq", self.exp_avg_sq());
  }
};

class SparseAdam : public FusedOptimizer {
 public:
  explicit SparseAdam(std::vector<OptimizerParamGroup> param_groups, SparseAdamOptions defaults = {});
  explicit SparseAdam(std::vector<at::Tensor> params, SparseAdamOptions defaults = {});

 protected:
  void check_options(const OptimizerOptions& options) const override;
  void step_bucket(const OptimizerOptions& options, ParamBucket& bucket) override;
  std::unique_ptr<OptimizerParamState> make_empty_state() const override;
  bool takes_sparse_gradients() const override { return true; }
};

}  // namespace optim
}  // namespace gradus
