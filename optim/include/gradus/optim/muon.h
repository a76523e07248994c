#pragma once
// gradus::optim::Muon: PyTorch 2.14's torch.optim.Muon for LibTorch (which
// has none): momentum, then Newton-Schulz orthogonalisation of the update in
// bfloat16 through ATen matmuls. 2-D parameters only, as in PyTorch; give
// the others (biases, norms, embeddings) to AdamW and step both
// (docs/optimizers.md).
#include <gradus/optim/declaration.h>

#include <string>

// adjust_lr_fn, how the lr scales with the shape (A, B): "original"
// (PyTorch's None): sqrt(max(1, A / B)); "match_rms_adamw": 0.2 * sqrt(max(A,
// B)); "spectral_unclamped": sqrt(A / B). ns_steps lies in [0, 100).
#define GRADUS_MUON_OPTIONS(X)                                                               \
  X(REAL, lr, 1e-3, kNonNegative, "learning rate")                                           \
  X(REAL, weight_decay, 0.1, kNonNegative, "weight_decay value")                             \
  X(REAL, momentum, 0.95, kUnitOpen, "momentum value")                                       \
  X(FLAG, nesterov, true)                                                                    \
  X(TRIPLE, ns_coefficients, a, 3.4445, b, -4.7750, c, 2.0315, kAny, "ns_coefficients value at index") \
  X(REAL, eps, 1e-7, kNonNegative, "epsilon value")                                          \
  X(OPTION, int64_t, ns_steps, 5, kAny, "ns_steps")                                          \
  X(OPTION, std::string, adjust_lr_fn, "original", kAny, "adjust_lr_fn")
#define GRADUS_MUON_STATE(X) X(momentum_buffer, momentum_buffers, 0, true)
// Its step is ATen operations, not an operator of its own.
GRADUS_DESCRIBE(Muon, , kNoSteps, GRADUS_MUON_OPTIONS, GRADUS_MUON_STATE, GRADUS_NO_SCALARS)

#ifndef GRADUS_MATH_ONLY
namespace gradus {
namespace optim {
GRADUS_DECLARE_DEFAULTS(Muon, GRADUS_MUON_OPTIONS)
GRADUS_DECLARE_OPTIONS(Muon, MuonHyper, MuonDefaults, GRADUS_MUON_OPTIONS)
GRADUS_DECLARE_STATE(Muon, GRADUS_MUON_STATE, GRADUS_NO_SCALARS)

class Muon : public FusedOptimizer {
 public:
  using Options = MuonOptions;
  // Throws, naming it, if a parameter is not 2-D.
  explicit Muon(std::vector<OptimizerParamGroup> param_groups, MuonOptions defaults = {});
  explicit Muon(std::vector<at::Tensor> params, MuonOptions defaults = {});
  // Refuses, before anything moves, a parameter that add_param_group added
  // and that is not 2-D.
  torch::Tensor step(LossClosure closure = nullptr) override;

 protected:
  void check_options(const OptimizerOptions& options) const override;
  void step_bucket(const OptimizerOptions& options, ParamBucket& bucket) override;
  std::unique_ptr<OptimizerParamState> make_empty_state() const override;
  void check_loaded_state(const OptimizerParamState& state, const at::Tensor& param,
                          const std::string& which) const override;
};

}  // namespace optim
}  // namespace gradus
#endif
