#pragma once
// gradus::optim::ADOPT: ADOPT (Taniguchi et al., 2024, "ADOPT: Modified Adam
// Can Converge with Any beta2 with the Optimal Rate"), fused: the gradient
// is normalised by the second moment of the steps before it, then clipped
// to step^0.25, then averaged. The order of operations follows the
// authors' iShohei220/adopt (its single-tensor path).
#include <gradus/optim/declaration.h>

// clip: bound the normalised gradient by (steps taken)^0.25, the
// reference's default clip_lambda; false: no bound (clip_lambda=None).
// decouple: decoupled weight decay (AdamW's), else added to the gradient.
#define GRADUS_ADOPT_OPTIONS(X)                                                      \
  X(REAL, lr, 1e-3, kNonNegative, "learning rate")                                   \
  X(PAIR, betas, beta1, 0.9, beta2, 0.9999, kUnitOpen, "beta parameter at index")    \
  X(REAL, eps, 1e-6, kNonNegative, "epsilon value")                                  \
  X(REAL, weight_decay, 0.0, kNonNegative, "weight_decay value")                     \
  X(FLAG, decouple, false)                                                           \
  X(FLAG, clip, true)                                                                \
  X(FLAG, maximize, false)
#define GRADUS_ADOPT_STATE(X)          \
  X(exp_avg, exp_avgs, 0, true)        \
  X(exp_avg_sq, exp_avg_sqs, 0, true)
GRADUS_OPTIMIZER(ADOPT, adopt_, kStepsInMath, GRADUS_ADOPT_OPTIONS, GRADUS_ADOPT_STATE, GRADUS_NO_SCALARS)

GRADUS_MATH_NAMESPACE_BEGIN
template <typename T>
struct ADOPTCoeffs {
  LerpWeight<T> one_minus_beta1;
  T beta2, one_minus_beta2, eps, weight_decay, neg_lr;
  T decay;  // -lr * weight_decay, the decoupled shrink: param.add_(param, alpha=-lr*wd)
  T clip;   // (step - 1)^0.25, the steps taken before this one
  bool first, clipped, decoupled;
  GradFlags grad_flags;

  GRADUS_MATH_FN ADOPTCoeffs(const ops::ADOPTHyper& s, double step)
      : one_minus_beta1(1 - s.beta1),
        beta2(T(s.beta2)),
        one_minus_beta2(T(1 - s.beta2)),
        eps(T(s.eps)),
        weight_decay(T(s.weight_decay)),
        neg_lr(T(-s.lr)),
        decay(T(-s.lr * s.weight_decay)),
        clip(T(::pow(step - 1, 0.25))),
        first(step == 1),
        clipped(s.clip),
        decoupled(s.decouple && s.weight_decay != 0),
        grad_flags{s.maximize, !s.decouple && s.weight_decay != 0} {}
};

struct ADOPTUpdate : UpdateOf<ops::ADOPTHyper, ADOPTCoeffs> {
  template <typename T>
  GRADUS_MATH_FN static void apply(T& param, T grad, T* state, const Coeffs<T>& c) {
    T& exp_avg = state[Hyper::Slot::exp_avg];
    T& exp_avg_sq = state[Hyper::Slot::exp_avg_sq];
    grad = effective_grad(grad, param, c.weight_decay, c.grad_flags);
    if (c.first) {  // the first step only sees the gradient's scale
      exp_avg_sq = addcmul_of(exp_avg_sq, T(1), grad, grad);
      return;
    }
    if (c.decoupled) param = fma_of(param, c.decay, param);
    T normed = grad / maximum_of(sqrt_of(exp_avg_sq), c.eps);  // grad.div(clamp(sqrt(v), eps))
    if (c.clipped) normed = clamp_of(normed, T(0) - c.clip, c.clip);
    exp_avg = lerp_of(exp_avg, normed, c.one_minus_beta1);
    param = fma_of(exp_avg, c.neg_lr, param);  // param.add_(exp_avg, alpha=-lr)
    exp_avg_sq = addcmul_of(exp_avg_sq * c.beta2, c.one_minus_beta2, grad, grad);
  }
};
GRADUS_MATH_NAMESPACE_END
