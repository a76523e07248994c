#pragma once
// RMSprop per-element update (centered, momentum), shared by CPU and CUDA.
// Order follows torch::optim::RMSprop.
#include <gradus/ops/rmsprop.h>

#include "math/element_ops.h"

GRADUS_MATH_NAMESPACE_BEGIN

enum RmspropSlot { kSquareAvg = 0, kGradAvg = 1, kRmspropMomentumBuffer = 2, kRmspropSlots = 3 };

template <typename T>
struct RmspropCoeffs {
  T alpha, one_minus_alpha, eps, weight_decay, momentum, neg_lr;
  bool centered, has_momentum;
  GradFlags grad_flags;

  GRADUS_MATH_FN RmspropCoeffs(const ops::RmspropHyper& s, double step)
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

template <typename T>
GRADUS_MATH_FN void rmsprop_math(T& param, T grad, T& square_avg, T& grad_avg, T& momentum_buffer,
                                 const RmspropCoeffs<T>& c) {
  grad = effective_grad(grad, param, c.weight_decay, c.grad_flags);
  square_avg = addcmul_of(square_avg * c.alpha, c.one_minus_alpha, grad, grad);
  T avg;
  if (c.centered) {
    grad_avg = fma_of(grad, c.one_minus_alpha, grad_avg * c.alpha);
    avg = sqrt_of(addcmul_of(square_avg, T(-1), grad_avg, grad_avg)) + c.eps;
  } else {
    avg = sqrt_of(square_avg) + c.eps;
  }
  if (c.has_momentum) {
    momentum_buffer = momentum_buffer * c.momentum + grad / avg;
    param = fma_of(momentum_buffer, c.neg_lr, param);
  } else {
    param = param + c.neg_lr * grad / avg;
  }
}

// The update as the CPU loop and the CUDA kernel call it.
struct RmspropUpdate {
  using Hyper = ops::RmspropHyper;
  template <typename T>
  using Coeffs = RmspropCoeffs<T>;
  static constexpr int kSlots = kRmspropSlots;
  template <typename T>
  GRADUS_MATH_FN static void apply(T& p, T& g, T* s, const Coeffs<T>& c) {
    rmsprop_math(p, g, s[kSquareAvg], s[kGradAvg], s[kRmspropMomentumBuffer], c);
  }
};

GRADUS_MATH_NAMESPACE_END
