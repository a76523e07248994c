#pragma once
// gradus::optim::Adadelta: PyTorch's torch.optim.Adadelta for LibTorch (which
// has none), fused. The order of operations follows PyTorch's single-tensor path.
#include <gradus/optim/declaration.h>

#define GRADUS_ADADELTA_OPTIONS(X)                                         \
  X(REAL, lr, 1.0, kNonNegative, "learning rate")                          \
  X(REAL, rho, 0.9, kUnit, "rho value")                                    \
  X(REAL, eps, 1e-6, kNonNegative, "epsilon value")                        \
  X(REAL, weight_decay, 0, kNonNegative, "weight_decay value")             \
  X(FLAG, maximize, false)
#define GRADUS_ADADELTA_STATE(X)          \
  X(square_avg, square_avgs, 0, true)     \
  X(acc_delta, acc_deltas, 0, true)
GRADUS_OPTIMIZER(Adadelta, adadelta_, kStepsCounted, GRADUS_ADADELTA_OPTIONS, GRADUS_ADADELTA_STATE,
                 GRADUS_NO_SCALARS)

GRADUS_MATH_NAMESPACE_BEGIN
template <typename T>
struct AdadeltaCoeffs {
  T rho, one_minus_rho, eps, weight_decay, neg_lr;
  GradFlags grad_flags;

  GRADUS_MATH_FN AdadeltaCoeffs(const ops::AdadeltaHyper& s, double /*step*/)
      : rho(T(s.rho)),
        one_minus_rho(T(1 - s.rho)),
        eps(T(s.eps)),
        weight_decay(T(s.weight_decay)),
        neg_lr(T(-s.lr)),
        grad_flags{s.maximize, s.weight_decay != 0} {}
};

struct AdadeltaUpdate : UpdateOf<ops::AdadeltaHyper, AdadeltaCoeffs> {
  template <typename T>
  GRADUS_MATH_FN static void apply(T& param, T grad, T* state, const Coeffs<T>& c) {
    T& square_avg = state[Hyper::Slot::square_avg];
    T& acc_delta = state[Hyper::Slot::acc_delta];
    grad = effective_grad(grad, param, c.weight_decay, c.grad_flags);
    square_avg = addcmul_of(square_avg * c.rho, c.one_minus_rho, grad, grad);
    const T std = sqrt_of(square_avg + c.eps);
    const T delta = sqrt_of(acc_delta + c.eps) / std * grad;
    acc_delta = addcmul_of(acc_delta * c.rho, c.one_minus_rho, delta, delta);
    param = fma_of(delta, c.neg_lr, param);
  }
};
GRADUS_MATH_NAMESPACE_END
