#pragma once
// gradus::optim::LAMB: LAMB (You et al., 2019, "Large Batch Optimization for
// Deep Learning: Training BERT in 76 minutes"), as cybertronai/pytorch-lamb
// computes it (the paper's v3, without bias correction): Adam's step scaled
// per tensor by the trust ratio |p| / |step|, with |p| clamped to [0, 10]
// and a ratio of 1 where either norm is 0. Two fused passes: the norms,
// then the update.
#include <gradus/optim/declaration.h>

// adam: a trust ratio of 1 always, which makes it Adam without bias
// correction (the reference's constructor option, here per group).
#define GRADUS_LAMB_OPTIONS(X)                                                      \
  X(REAL, lr, 1e-3, kNonNegative, "learning rate")                                  \
  X(PAIR, betas, beta1, 0.9, beta2, 0.999, kUnitOpen, "beta parameter at index")    \
  X(REAL, eps, 1e-6, kNonNegative, "epsilon value")                                 \
  X(REAL, weight_decay, 0.0, kNonNegative, "weight_decay value")                    \
  X(FLAG, adam, false)                                                              \
  X(FLAG, maximize, false)
#define GRADUS_LAMB_STATE(X)           \
  X(exp_avg, exp_avgs, 0, true)        \
  X(exp_avg_sq, exp_avg_sqs, 0, true)
GRADUS_OPTIMIZER(LAMB, lamb_, kStepsCounted, GRADUS_LAMB_OPTIONS, GRADUS_LAMB_STATE, GRADUS_NO_SCALARS)

GRADUS_MATH_NAMESPACE_BEGIN
template <typename T>
struct LAMBCoeffs {
  T beta1, one_minus_beta1, beta2, one_minus_beta2, eps, weight_decay;
  bool has_decay, maximize, adam;
  double lr;
  T neg_step;  // -lr * trust ratio, set by finish()

  GRADUS_MATH_FN LAMBCoeffs(const ops::LAMBHyper& s, double /*step*/)
      : beta1(T(s.beta1)),
        one_minus_beta1(T(1 - s.beta1)),
        beta2(T(s.beta2)),
        one_minus_beta2(T(1 - s.beta2)),
        eps(T(s.eps)),
        weight_decay(T(s.weight_decay)),
        has_decay(s.weight_decay != 0),
        maximize(s.maximize),
        adam(s.adam),
        lr(s.lr),
        neg_step(T(0)) {}

  // totals: |p|^2 and |adam step|^2.
  GRADUS_MATH_FN void finish(const double* totals, double /*numel*/) {
    double weight_norm = ::sqrt(totals[0]);
    weight_norm = weight_norm < 0 ? 0 : (weight_norm > 10 ? 10 : weight_norm);  // .clamp(0, 10)
    const double adam_norm = ::sqrt(totals[1]);
    const double trust = (adam || weight_norm == 0 || adam_norm == 0) ? 1.0 : weight_norm / adam_norm;
    neg_step = T(-lr * trust);
  }
};

// The moments after this step, and Adam's step from them.
template <typename T>
GRADUS_MATH_FN T lamb_step(const T& param, T grad, const T* state, T& exp_avg, T& exp_avg_sq,
                           const LAMBCoeffs<T>& c) {
  if (c.maximize) grad = T(0) - grad;
  exp_avg = fma_of(grad, c.one_minus_beta1, state[ops::LAMBHyper::Slot::exp_avg] * c.beta1);
  exp_avg_sq = addcmul_of(state[ops::LAMBHyper::Slot::exp_avg_sq] * c.beta2, c.one_minus_beta2, grad, grad);
  T step = exp_avg / (sqrt_of(exp_avg_sq) + c.eps);
  if (c.has_decay) step = fma_of(param, c.weight_decay, step);  // adam_step.add_(p, alpha=wd)
  return step;
}

struct LAMBUpdate : UpdateOf<ops::LAMBHyper, LAMBCoeffs> {
  static constexpr int kReductions = 2;
  template <typename T>
  GRADUS_MATH_FN static void reduce(const T& p, const T& g, const T* s, const Coeffs<T>& c, T* sums) {
    T exp_avg, exp_avg_sq;
    const T step = lamb_step(p, g, s, exp_avg, exp_avg_sq, c);
    sums[0] = fma_of(p, p, sums[0]);
    sums[1] = fma_of(step, step, sums[1]);
  }
  template <typename T>
  GRADUS_MATH_FN static void apply(T& param, T grad, T* state, const Coeffs<T>& c) {
    T exp_avg, exp_avg_sq;
    const T step = lamb_step(param, grad, state, exp_avg, exp_avg_sq, c);
    state[Hyper::Slot::exp_avg] = exp_avg;
    state[Hyper::Slot::exp_avg_sq] = exp_avg_sq;
    param = fma_of(step, c.neg_step, param);  // p.add_(adam_step, alpha=-lr * trust_ratio)
  }
};
GRADUS_MATH_NAMESPACE_END
