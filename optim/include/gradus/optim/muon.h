#pragma once
// gradus::optim::Muon: PyTorch 2.14's torch.optim.Muon for LibTorch (which
// has none): momentum, then Newton-Schulz orthogonalisation of the update in
// bfloat16 through ATen matmuls. 2-D parameters only, as in PyTorch; give
// the others (biases, norms, embeddings) to AdamW and step both (README).
#include <gradus/optim/fused_optimizer.h>
#include <torch/arg.h>

#include <string>

namespace gradus {
namespace optim {

struct MuonOptions : public FusedOptions<MuonOptions> {
  MuonOptions(double lr = 1e-3) : lr_(lr) {}  // NOLINT: implicit like LibTorch's
  typedef std::tuple<double, double, double> ns_coefficients_t;
  TORCH_ARG(double, lr) = 1e-3;
  TORCH_ARG(double, weight_decay) = 0.1;
  TORCH_ARG(double, momentum) = 0.95;
  TORCH_ARG(bool, nesterov) = true;
  TORCH_ARG(ns_coefficients_t, ns_coefficients) = std::make_tuple(3.4445, -4.7750, 2.0315);
  TORCH_ARG(double, eps) = 1e-7;
  TORCH_ARG(int64_t, ns_steps) = 5;
  // How the lr scales with the shape (A, B): "original" (PyTorch's None):
  // sqrt(max(1, A / B)); "match_rms_adamw": 0.2 * sqrt(max(A, B));
  // "spectral_unclamped": sqrt(A / B).
  TORCH_ARG(std::string, adjust_lr_fn) = "original";

 public:
  template <class Self, class Visitor>
  static void visit(Self& self, Visitor&& v) {
    v("lr", self.lr());
    v("weight_decay", self.weight_decay());
    v("momentum", self.momentum());
    v("nesterov", self.nesterov());
    v("ns_coefficients", self.ns_coefficients());
    v("eps", self.eps());
    v("ns_steps", self.ns_steps());
    v("adjust_lr_fn", self.adjust_lr_fn());
  }
};

struct MuonParamState : public FusedParamState<MuonParamState> {
  TORCH_ARG(at::Tensor, momentum_buffer);

 public:
  template <class Self, class Visitor>
  static void visit(Self& self, Visitor&& v) {
    v("momentum_buffer", self.momentum_buffer());
  }
};

class Muon : public FusedOptimizer {
 public:
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
};

}  // namespace optim
}  // namespace gradus
