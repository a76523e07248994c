#pragma once
// gradus::optim::Adagrad: a drop-in for torch::optim::Adagrad, fused, plus
// PyTorch's `maximize`. The order of operations follows torch::optim::Adagrad.
#include <gradus/optim/declaration.h>

#define GRADUS_ADAGRAD_OPTIONS(X)                                          \
  X(REAL, lr, 1e-2, kNonNegative, "learning rate")                         \
  X(REAL, lr_decay, 0, kNonNegative, "lr_decay value")                     \
  X(REAL, weight_decay, 0, kNonNegative, "weight_decay value")             \
  X(OPTION, double, initial_accumulator_value, 0.0, kNonNegative, "initial_accumulator_value value") \
  X(REAL, eps, 1e-10, kNonNegative, "epsilon value")                       \
  X(FLAG, maximize, false)
// Like LibTorch and PyTorch, accumulators exist from construction and start
// at the *default* initial_accumulator_value, whatever a group sets.
#define GRADUS_ADAGRAD_STATE(X) X(sum, state_sums, defaults.initial_accumulator_value(), true)
GRADUS_OPTIMIZER(Adagrad, adagrad_, kStepsInMath | kStateAtConstruction, GRADUS_ADAGRAD_OPTIONS,
                 GRADUS_ADAGRAD_STATE, GRADUS_NO_SCALARS)

GRADUS_MATH_NAMESPACE_BEGIN
template <typename T>
struct AdagradCoeffs {
  T eps, weight_decay, neg_clr;
  GradFlags grad_flags;

  GRADUS_MATH_FN AdagradCoeffs(const ops::AdagradHyper& s, double step)
      : eps(T(s.eps)),
        weight_decay(T(s.weight_decay)),
        neg_clr(T(-(s.lr / (1 + (step - 1) * s.lr_decay)))),
        grad_flags{s.maximize, s.weight_decay != 0} {}
};

struct AdagradUpdate : UpdateOf<ops::AdagradHyper, AdagradCoeffs> {
  template <typename T>
  GRADUS_MATH_FN static void apply(T& param, T grad, T* state, const Coeffs<T>& c) {
    T& sum = state[Hyper::Slot::sum];
    grad = effective_grad(grad, param, c.weight_decay, c.grad_flags);
    sum = addcmul_of(sum, T(1), grad, grad);
    const T std = sqrt_of(sum) + c.eps;
    param = param + c.neg_clr * grad / std;
  }
};
GRADUS_MATH_NAMESPACE_END
