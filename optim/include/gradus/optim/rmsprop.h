#pragma once
// gradus::optim::RMSprop: a drop-in for torch::optim::RMSprop (centered,
// momentum), fused, plus PyTorch's `maximize`. The order of operations
// follows torch::optim::RMSprop.
#include <gradus/optim/declaration.h>

#define GRADUS_RMSPROP_OPTIONS(X)                                          \
  X(REAL, lr, 1e-2, kNonNegative, "learning rate")                         \
  X(REAL, alpha, 0.99, kNonNegative, "alpha value")                        \
  X(REAL, eps, 1e-8, kNonNegative, "epsilon value")                        \
  X(REAL, weight_decay, 0, kNonNegative, "weight_decay value")             \
  X(REAL, momentum, 0, kNonNegative, "momentum value")                     \
  X(FLAG, centered, false)                                                 \
  X(FLAG, maximize, false)
// Optional state is made when first needed, so options switched on later work too.
#define GRADUS_RMSPROP_STATE(X)                        \
  X(square_avg, square_avgs, 0, true)                  \
  X(grad_avg, grad_avgs, 0, h.centered)                \
  X(momentum_buffer, momentum_buffers, 0, h.momentum > 0)
GRADUS_OPTIMIZER(RMSprop, rmsprop_, kStepsCounted, GRADUS_RMSPROP_OPTIONS, GRADUS_RMSPROP_STATE, GRADUS_NO_SCALARS)

GRADUS_MATH_NAMESPACE_BEGIN
template <typename T>
struct RMSpropCoeffs {
  T alpha, one_minus_alpha, eps, weight_decay, momentum, neg_lr;
  bool centered, has_momentum;
  GradFlags grad_flags;

  GRADUS_MATH_FN RMSpropCoeffs(const ops::RMSpropHyper& s, double /*step*/)
      : alpha(T(s.alpha)),
        one_minus_alpha(T(1 - s.alpha)),
        eps(T(s.eps)),
        weight_decay(T(s.weight_decay)),
        momentum(T(s.momentum)),
        neg_lr(T(-s.lr)),
        centered(s.centered),
        has_momentum(s.momentum > 0),
        grad_flags{s.maximize, s.weight_decay != 0} {}
};

struct RMSpropUpdate : UpdateOf<ops::RMSpropHyper, RMSpropCoeffs> {
  template <typename T>
  GRADUS_MATH_FN static void apply(T& param, T grad, T* state, const Coeffs<T>& c) {
    T& square_avg = state[Hyper::Slot::square_avg];
    grad = effective_grad(grad, param, c.weight_decay, c.grad_flags);
    square_avg = addcmul_of(square_avg * c.alpha, c.one_minus_alpha, grad, grad);
    T avg;
    if (c.centered) {
      T& grad_avg = state[Hyper::Slot::grad_avg];
      grad_avg = fma_of(grad, c.one_minus_alpha, grad_avg * c.alpha);
      avg = sqrt_of(addcmul_of(square_avg, T(-1), grad_avg, grad_avg)) + c.eps;
    } else {
      avg = sqrt_of(square_avg) + c.eps;
    }
    if (c.has_momentum) {
      T& buffer = state[Hyper::Slot::momentum_buffer];
      buffer = buffer * c.momentum + grad / avg;
      param = fma_of(buffer, c.neg_lr, param);
    } else {
      param = param + c.neg_lr * grad / avg;
    }
  }
};
GRADUS_MATH_NAMESPACE_END
