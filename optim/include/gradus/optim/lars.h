#pragma once
// gradus::optim::LARS: LARS (You et al., 2017, "Large Batch Training of
// Convolutional Networks") as NVIDIA apex's LARC wraps SGD: per tensor, the
// gradient plus weight decay is scaled by trust_coefficient * |p| / (|g| +
// |p| * weight_decay + eps) (with clip, by its ratio to the lr, at most 1),
// then SGD steps without weight decay. A tensor with |p| or |g| of 0 keeps
// its plain gradient. Two fused passes: the norms, then the update.
#include <gradus/optim/sgd.h>

#define GRADUS_LARS_OPTIONS(X)                                              \
  GRADUS_SGD_MOMENTUM_OPTIONS(X)                                            \
  X(REAL, trust_coefficient, 0.02, kNonNegative, "trust_coefficient value") \
  X(FLAG, clip, true)                                                       \
  X(REAL, eps, 1e-8, kNonNegative, "epsilon value")                         \
  GRADUS_SGD_FIRST_STEP(X)
#define GRADUS_LARS_STATE(X) X(momentum_buffer, momentum_buffers, 0, h.momentum != 0)
GRADUS_OPTIMIZER(LARS, lars_, kNoSteps, GRADUS_LARS_OPTIONS, GRADUS_LARS_STATE, GRADUS_NO_SCALARS)

namespace gradus {
namespace ops {
constexpr const char* invalid_combination(const LARSHyper& h) { return nesterov_combination(h); }
}  // namespace ops
}  // namespace gradus

GRADUS_MATH_NAMESPACE_BEGIN
template <typename T>
struct LARSCoeffs {
  T momentum, one_minus_dampening, weight_decay, neg_lr;
  bool has_momentum, nesterov, is_first_step, maximize, clip;
  double lr, trust_coefficient, eps, decay;
  bool adapted;  // set by finish(): both norms are non-zero
  T adaptive_lr;

  GRADUS_MATH_FN LARSCoeffs(const ops::LARSHyper& s, double /*step*/)
      : momentum(T(s.momentum)),
        one_minus_dampening(T(1 - s.dampening)),
        weight_decay(T(s.weight_decay)),
        neg_lr(T(-s.lr)),
        has_momentum(s.momentum != 0),
        nesterov(s.nesterov),
        is_first_step(s.is_first_step),
        maximize(s.maximize),
        clip(s.clip),
        lr(s.lr),
        trust_coefficient(s.trust_coefficient),
        eps(s.eps),
        decay(s.weight_decay),
        adapted(false),
        adaptive_lr(T(1)) {}

  // totals: |p|^2 and |g|^2.
  GRADUS_MATH_FN void finish(const double* totals, double /*numel*/) {
    const double param_norm = ::sqrt(totals[0]), grad_norm = ::sqrt(totals[1]);
    adapted = param_norm != 0 && grad_norm != 0;
    if (!adapted) return;
    double rate = trust_coefficient * param_norm / (grad_norm + param_norm * decay + eps);
    if (clip) rate = 1 < rate / lr ? 1.0 : rate / lr;  // Python's min(rate / lr, 1)
    adaptive_lr = T(rate);
  }
};

struct LARSUpdate : UpdateOf<ops::LARSHyper, LARSCoeffs> {
  static constexpr int kReductions = 2;
  template <typename T>
  GRADUS_MATH_FN static void reduce(const T& p, const T& g, const T* /*s*/, const Coeffs<T>& /*c*/, T* sums) {
    sums[0] = fma_of(p, p, sums[0]);
    sums[1] = fma_of(g, g, sums[1]);
  }
  template <typename T>
  GRADUS_MATH_FN static void apply(T& param, T grad, T* state, const Coeffs<T>& c) {
    T& momentum_buffer = state[Hyper::Slot::momentum_buffer];
    if (c.adapted) grad = (grad + c.weight_decay * param) * c.adaptive_lr;  // g += wd * p; g *= rate
    if (c.maximize) grad = T(0) - grad;  // then SGD, its weight decay 0
    if (c.has_momentum) {
      momentum_buffer = c.is_first_step ? grad : fma_of(grad, c.one_minus_dampening, momentum_buffer * c.momentum);
      grad = c.nesterov ? fma_of(momentum_buffer, c.momentum, grad) : momentum_buffer;
    }
    param = fma_of(grad, c.neg_lr, param);  // param.add_(grad, alpha=-lr)
  }
};
GRADUS_MATH_NAMESPACE_END
