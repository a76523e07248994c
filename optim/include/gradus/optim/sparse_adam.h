#pragma once
// gradus::optim::SparseAdam: PyTorch 2.14's torch.optim.SparseAdam for
// LibTorch (which has none): Adam for sparse gradients, such as those of
// torch::nn::Embedding with sparse(true). Only the rows a gradient touches
// have their moments and values updated ("lazy" Adam). ATen sparse
// operations, as PyTorch's; dense gradients are refused.
#include <gradus/optim/declaration.h>

#define GRADUS_SPARSE_ADAM_OPTIONS(X)                                               \
  X(REAL, lr, 1e-3, kPositive, "learning rate")                                     \
  X(PAIR, betas, beta1, 0.9, beta2, 0.999, kUnitOpen, "beta parameter at index")    \
  X(REAL, eps, 1e-8, kPositive, "epsilon value")                                    \
  X(FLAG, maximize, false)
#define GRADUS_SPARSE_ADAM_STATE(X)    \
  X(exp_avg, exp_avgs, 0, true)        \
  X(exp_avg_sq, exp_avg_sqs, 0, true)
// Its step is ATen operations, not an operator of its own.
GRADUS_DESCRIBE(SparseAdam, , kStepsCounted, GRADUS_SPARSE_ADAM_OPTIONS, GRADUS_SPARSE_ADAM_STATE,
                GRADUS_NO_SCALARS)

#ifndef GRADUS_MATH_ONLY
namespace gradus {
namespace optim {
GRADUS_DECLARE_DEFAULTS(SparseAdam, GRADUS_SPARSE_ADAM_OPTIONS)
GRADUS_DECLARE_OPTIONS(SparseAdam, SparseAdamHyper, SparseAdamDefaults, GRADUS_SPARSE_ADAM_OPTIONS)
GRADUS_DECLARE_STATE(SparseAdam, GRADUS_SPARSE_ADAM_STATE, GRADUS_NO_SCALARS)

class SparseAdam : public FusedOptimizer {
 public:
  using Options = SparseAdamOptions;
  explicit SparseAdam(std::vector<OptimizerParamGroup> param_groups, SparseAdamOptions defaults = {});
  explicit SparseAdam(std::vector<at::Tensor> params, SparseAdamOptions defaults = {});
  torch::Tensor step(LossClosure closure = nullptr) override;

 protected:
  void check_options(const OptimizerOptions& options) const override;
  void step_bucket(const OptimizerOptions& options, ParamBucket& bucket) override;
  std::unique_ptr<OptimizerParamState> make_empty_state() const override;
  bool takes_sparse_gradients() const override { return true; }
  void check_loaded_state(const OptimizerParamState& state, const at::Tensor& param,
                          const std::string& which) const override;
};

}  // namespace optim
}  // namespace gradus
#endif
