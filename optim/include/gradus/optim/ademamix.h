#pragma once
// gradus::optim::AdEMAMix: AdEMAMix (Pagliardini et al., 2024, "The AdEMAMix
// Optimizer: Better, Faster, Older"), fused: Adam's update with a second,
// slow moment of the gradient mixed in (alpha * m_slow), optionally warmed
// up. The order of operations follows the authors' apple/ml-ademamix.
#include <gradus/optim/declaration.h>

// betas: (beta1, beta2, beta3), beta3 for the slow moment. alpha_warmup and
// beta3_warmup: the steps over which alpha rises from 0 and beta3 from beta1
// (in half-life); 0 for none (the reference's None). maximize is gradus's.
#define GRADUS_ADEMAMIX_OPTIONS(X)                                                             \
  X(REAL, lr, 1e-3, kNonNegative, "learning rate")                                             \
  X(TRIPLE, betas, beta1, 0.9, beta2, 0.999, beta3, 0.9999, kUnitOpen, "beta parameter at index") \
  X(REAL, alpha, 2.0, kNonNegative, "alpha value")                                             \
  X(REAL, beta3_warmup, 0.0, kNonNegative, "beta3_warmup value")                               \
  X(REAL, alpha_warmup, 0.0, kNonNegative, "alpha_warmup value")                               \
  X(REAL, eps, 1e-8, kNonNegative, "epsilon value")                                            \
  X(REAL, weight_decay, 0.0, kNonNegative, "weight_decay value")                               \
  X(FLAG, maximize, false)
// With beta1 = 0 the fast moment is the gradient itself, and is not kept.
#define GRADUS_ADEMAMIX_STATE(X)                   \
  X(exp_avg_fast, exp_avg_fasts, 0, h.beta1 != 0)  \
  X(exp_avg_slow, exp_avg_slows, 0, true)          \
  X(exp_avg_sq, exp_avg_sqs, 0, true)
GRADUS_OPTIMIZER(AdEMAMix, ademamix_, kStepsInMath, GRADUS_ADEMAMIX_OPTIONS, GRADUS_ADEMAMIX_STATE,
                 GRADUS_NO_SCALARS)

GRADUS_MATH_NAMESPACE_BEGIN
// alpha at `step`: linear from 0 over `warmup` steps.
GRADUS_MATH_FN double ademamix_alpha(const ops::AdEMAMixHyper& s, double step) {
  if (s.alpha_warmup == 0 || !(step < s.alpha_warmup)) return s.alpha;
  const double a = step / s.alpha_warmup;
  return (1.0 - a) * 0.0 + a * s.alpha;
}

// beta3 at `step`: from beta1 to beta3, linear in the half-life log(0.5) / log(beta).
GRADUS_MATH_FN double ademamix_beta3(const ops::AdEMAMixHyper& s, double step) {
  if (s.beta3_warmup == 0 || !(step < s.beta3_warmup)) return s.beta3;
  const double a = step / s.beta3_warmup;
  const double start = ::log(0.5) / ::log(s.beta1 + 1e-8) - 1, end = ::log(0.5) / ::log(s.beta3 + 1e-8) - 1;
  return ::pow(0.5, 1 / ((1.0 - a) * start + a * end + 1));
}

template <typename T>
struct AdEMAMixCoeffs {
  T beta1, one_minus_beta1, beta3, one_minus_beta3, beta2, one_minus_beta2;
  T bias_correction1, bias_correction2_sqrt, alpha, eps, weight_decay, neg_lr;
  bool has_fast, has_decay, maximize;

  GRADUS_MATH_FN AdEMAMixCoeffs(const ops::AdEMAMixHyper& s, double step)
      : beta1(T(s.beta1)),
        one_minus_beta1(T(1 - s.beta1)),
        beta3(T(ademamix_beta3(s, step))),
        one_minus_beta3(T(1 - ademamix_beta3(s, step))),
        beta2(T(s.beta2)),
        one_minus_beta2(T(1 - s.beta2)),
        bias_correction1(T(1 - ::pow(s.beta1, step))),
        bias_correction2_sqrt(T(::sqrt(1 - ::pow(s.beta2, step)))),
        alpha(T(ademamix_alpha(s, step))),
        eps(T(s.eps)),
        weight_decay(T(s.weight_decay)),
        neg_lr(T(-s.lr)),
        has_fast(s.beta1 != 0),
        has_decay(s.weight_decay != 0),
        maximize(s.maximize) {}
};

struct AdEMAMixUpdate : UpdateOf<ops::AdEMAMixHyper, AdEMAMixCoeffs> {
  template <typename T>
  GRADUS_MATH_FN static void apply(T& param, T grad, T* state, const Coeffs<T>& c) {
    T& exp_avg_slow = state[Hyper::Slot::exp_avg_slow];
    T& exp_avg_sq = state[Hyper::Slot::exp_avg_sq];
    if (c.maximize) grad = T(0) - grad;
    T fast = grad;
    if (c.has_fast) {
      T& exp_avg_fast = state[Hyper::Slot::exp_avg_fast];
      exp_avg_fast = fma_of(grad, c.one_minus_beta1, exp_avg_fast * c.beta1);  // mul_(b1).add_(g, 1 - b1)
      fast = exp_avg_fast;
    }
    exp_avg_slow = fma_of(grad, c.one_minus_beta3, exp_avg_slow * c.beta3);
    exp_avg_sq = addcmul_of(exp_avg_sq * c.beta2, c.one_minus_beta2, grad, grad);
    const T denom = sqrt_of(exp_avg_sq) / c.bias_correction2_sqrt + c.eps;
    T update = (fast / c.bias_correction1 + c.alpha * exp_avg_slow) / denom;
    if (c.has_decay) update = fma_of(param, c.weight_decay, update);  // update.add_(p, alpha=wd)
    param = param + c.neg_lr * update;                                 // p.add_(-lr * update)
  }
};
GRADUS_MATH_NAMESPACE_END
