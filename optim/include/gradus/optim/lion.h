#pragma once
// gradus::optim::Lion: Lion (Chen et al., 2023, "Symbolic Discovery of
// Optimization Algorithms"), fused. Half of Adam's state: one moment, and
// an update of the same size for every element, its sign. The order of
// operations follows lucidrains/lion-pytorch, the implementation the
// paper's authors point to.
#include <gradus/optim/declaration.h>

#define GRADUS_LION_OPTIONS(X)                                                      \
  X(REAL, lr, 1e-4, kNonNegative, "learning rate")                                  \
  X(PAIR, betas, beta1, 0.9, beta2, 0.99, kUnitOpen, "beta parameter at index")     \
  X(REAL, weight_decay, 0.0, kNonNegative, "weight_decay value")                    \
  X(FLAG, maximize, false)
#define GRADUS_LION_STATE(X) X(exp_avg, exp_avgs, 0, true)
GRADUS_OPTIMIZER(Lion, lion_, kNoSteps, GRADUS_LION_OPTIONS, GRADUS_LION_STATE, GRADUS_NO_SCALARS)

GRADUS_MATH_NAMESPACE_BEGIN
template <typename T>
struct LionCoeffs {
  T beta1, one_minus_beta1, beta2, one_minus_beta2, neg_lr;
  T decay;  // 1 - lr * weight_decay
  bool maximize;

  GRADUS_MATH_FN LionCoeffs(const ops::LionHyper& s, double /*step*/)
      : beta1(T(s.beta1)),
        one_minus_beta1(T(1 - s.beta1)),
        beta2(T(s.beta2)),
        one_minus_beta2(T(1 - s.beta2)),
        neg_lr(T(-s.lr)),
        decay(T(1 - s.lr * s.weight_decay)),
        maximize(s.maximize) {}
};

struct LionUpdate : UpdateOf<ops::LionHyper, LionCoeffs> {
  template <typename T>
  GRADUS_MATH_FN static void apply(T& param, T grad, T* state, const Coeffs<T>& c) {
    T& exp_avg = state[Hyper::Slot::exp_avg];
    if (c.maximize) grad = T(0) - grad;
    param = param * c.decay;  // p.mul_(1 - lr * wd)
    // exp_avg.clone().mul_(beta1).add(grad, alpha=1 - beta1).sign_()
    const T update = by_sign(fma_of(grad, c.one_minus_beta1, exp_avg * c.beta1), T(1), T(-1), T(0));
    param = fma_of(update, c.neg_lr, param);                         // p.add_(update, alpha=-lr)
    exp_avg = fma_of(grad, c.one_minus_beta2, exp_avg * c.beta2);  // exp_avg.mul_(b2).add_(grad, alpha=1 - b2)
  }
};
GRADUS_MATH_NAMESPACE_END
