#pragma once
// gradus::optim::Adamax: PyTorch's torch.optim.Adamax for LibTorch (which has
// none), fused: Adam with the infinity norm for its second moment. The order
// of operations follows PyTorch's single-tensor path.
#include <gradus/optim/declaration.h>

#define GRADUS_ADAMAX_OPTIONS(X)                                                    \
  X(REAL, lr, 2e-3, kNonNegative, "learning rate")                                  \
  X(PAIR, betas, beta1, 0.9, beta2, 0.999, kUnitOpen, "beta parameter at index")    \
  X(REAL, eps, 1e-8, kNonNegative, "epsilon value")                                 \
  X(REAL, weight_decay, 0, kNonNegative, "weight_decay value")                      \
  X(FLAG, maximize, false)
// exp_inf is PyTorch's exponentially weighted infinity norm.
#define GRADUS_ADAMAX_STATE(X)     \
  X(exp_avg, exp_avgs, 0, true)    \
  X(exp_inf, exp_infs, 0, true)
GRADUS_OPTIMIZER(Adamax, adamax_, kStepsInMath, GRADUS_ADAMAX_OPTIONS, GRADUS_ADAMAX_STATE, GRADUS_NO_SCALARS)

GRADUS_MATH_NAMESPACE_BEGIN
template <typename T>
struct AdamaxCoeffs {
  LerpWeight<T> one_minus_beta1;
  T beta2, eps, weight_decay;
  T neg_clr;  // -lr / (1 - beta1^step)
  GradFlags grad_flags;

  GRADUS_MATH_FN AdamaxCoeffs(const ops::AdamaxHyper& s, double step)
      : one_minus_beta1(1 - s.beta1),
        beta2(T(s.beta2)),
        eps(T(s.eps)),
        weight_decay(T(s.weight_decay)),
        neg_clr(T(-s.lr / (1 - ::pow(s.beta1, step)))),
        grad_flags{s.maximize, s.weight_decay != 0} {}
};

struct AdamaxUpdate : UpdateOf<ops::AdamaxHyper, AdamaxCoeffs> {
  template <typename T>
  GRADUS_MATH_FN static void apply(T& param, T grad, T* state, const Coeffs<T>& c) {
    T& exp_avg = state[Hyper::Slot::exp_avg];
    T& exp_inf = state[Hyper::Slot::exp_inf];
    grad = effective_grad(grad, param, c.weight_decay, c.grad_flags);
    exp_avg = lerp_of(exp_avg, grad, c.one_minus_beta1);             // exp_avg.lerp_(grad, 1 - beta1)
    exp_inf = maximum_of(exp_inf * c.beta2, abs_of(grad) + c.eps);  // torch.maximum(exp_inf * b2, |grad| + eps)
    param = param + c.neg_clr * exp_avg / exp_inf;                  // param.addcdiv_(exp_avg, exp_inf, -clr)
  }
};
GRADUS_MATH_NAMESPACE_END
