// Muon as PyTorch 2.14's single-tensor path computes it, op for op.
#include <ATen/ops/addmm.h>
#include <ATen/ops/zeros_like.h>
#include <c10/util/Exception.h>
#include <gradus/ops/fused_step.h>
#include <gradus/optim/muon.h>

#include <algorithm>
#include <cmath>

#include "state_tensors.h"

namespace gradus {
namespace optim {
namespace {

const MuonOptions& muon_options(const OptimizerOptions& options) { return static_cast<const MuonOptions&>(options); }

// bfloat16 values, held in float32.
at::Tensor bf16_rounded(const at::Tensor& t) { return t.to(at::kBFloat16).to(at::kFloat); }

// The Newton-Schulz iteration of PyTorch's _zeropower_via_newtonschulz, in
// bfloat16 as PyTorch 2.x computes it: each product (and addmm) accumulates
// in float32 and rounds once to bfloat16. Written with float32 ATen ops and
// explicit rounding, so every LibTorch gives that result (1.13's own
// bfloat16 addmm rounds its partial results too, and lands 10-80% of a step
// away). Returns an approximately orthogonal matrix with the update's
// singular vectors, bfloat16 values in float32.
at::Tensor orthogonalised(const at::Tensor& update, const MuonOptions& o) {
  const auto [a, b, c] = o.ns_coefficients();
  const bool tall = update.size(0) > update.size(1);
  at::Tensor x = update.to(at::kBFloat16).to(at::kFloat);
  if (tall) x = x.t();
  x = bf16_rounded(x.div(bf16_rounded(bf16_rounded(x.norm()).clamp(o.eps()))));
  for (int64_t i = 0; i < o.ns_steps(); ++i) {
    const at::Tensor gram = bf16_rounded(x.matmul(x.t()));
    const at::Tensor gram_update = bf16_rounded(at::addmm(gram, gram, gram, /*beta=*/b, /*alpha=*/c));
    x = bf16_rounded(at::addmm(x, gram_update, x, /*beta=*/a));
  }
  return tall ? x.t() : x;
}

double adjusted_lr(double lr, const std::string& fn, at::IntArrayRef shape) {
  const double rows = static_cast<double>(shape[0]), cols = static_cast<double>(shape[1]);
  if (fn == "match_rms_adamw") return lr * 0.2 * std::sqrt(std::max(rows, cols));
  if (fn == "spectral_unclamped") return lr * std::sqrt(rows / cols);
  return lr * std::sqrt(std::max(1.0, rows / cols));  // "original"
}

void check_two_dimensional(const std::string& who, const std::vector<OptimizerParamGroup>& groups) {
  for (size_t g = 0; g < groups.size(); ++g) {
    for (size_t i = 0; i < groups[g].params().size(); ++i) {
      const at::Tensor& p = groups[g].params()[i];
      TORCH_CHECK(p.dim() == 2, who, ": Muon only supports 2-D parameters, but param ", i, " of param group ", g,
                  " has size ", p.sizes(), "; give it to another optimizer (e.g. AdamW)");
    }
  }
}

}  // namespace

Muon::Muon(std::vector<OptimizerParamGroup> param_groups, MuonOptions defaults)
    : FusedOptimizer(std::move(param_groups), std::make_unique<MuonOptions>(defaults), "gradus::optim::Muon") {
  check_all_options();
  check_two_dimensional(name(), param_groups_);
}

Muon::Muon(std::vector<at::Tensor> params, MuonOptions defaults)
    : Muon(single_group(std::move(params), "gradus::optim::Muon"), defaults) {}

torch::Tensor Muon::step(LossClosure closure) {
  check_two_dimensional(name(), param_groups_);
  return FusedOptimizer::step(std::move(closure));
}

void Muon::check_options(const OptimizerOptions& options) const {
  const auto& o = muon_options(options);
  ops::check_hyper(name(), o.hyper());
  TORCH_CHECK(o.ns_steps() >= 0 && o.ns_steps() < 100, name(), ": ns_steps must be in [0, 100) but is: ",
              o.ns_steps());
  const std::string& fn = o.adjust_lr_fn();
  TORCH_CHECK(fn == "original" || fn == "match_rms_adamw" || fn == "spectral_unclamped", name(),
              ": adjust_lr_fn '", fn, "' is not supported (original, match_rms_adamw, spectral_unclamped)");
  TORCH_CHECK(!o.capturable(), name(), ": capturable is not supported");
}

void Muon::step_bucket(const OptimizerOptions& options, ParamBucket& bucket) {
  const auto& o = muon_options(options);
  const auto states = states_for<MuonParamState>(bucket.params(), [](MuonParamState& fresh, const at::Tensor& p) {
    fresh.momentum_buffer(at::zeros_like(p));
  });
  const at::TensorList grads = bucket.grads();  // a view: the bucket holds the tensors
  for (size_t i = 0; i < bucket.size(); ++i) {
    at::Tensor param = bucket.params()[i];
    const at::Tensor& grad = grads[i];
    at::Tensor& buf = states[i]->momentum_buffer();
    buf.lerp_(grad, 1 - o.momentum());
    const at::Tensor update = orthogonalised(o.nesterov() ? grad.lerp(buf, o.momentum()) : buf, o);
    param.mul_(1 - o.lr() * o.weight_decay());
    param.add_(update, -adjusted_lr(o.lr(), o.adjust_lr_fn(), param.sizes()));
  }
}

std::unique_ptr<OptimizerParamState> Muon::make_empty_state() const { return std::make_unique<MuonParamState>(); }

void Muon::check_loaded_state(const OptimizerParamState& state, const at::Tensor& param,
                              const std::string& which) const {
  check_state_tensor(name(), which, "momentum_buffer", static_cast<const MuonParamState&>(state).momentum_buffer(),
                     param);
}

}  // namespace optim
}  // namespace gradus
