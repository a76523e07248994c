#pragma once
// Adadelta per-element update, shared by CPU and CUDA. LibTorch has no
// Adadelta: the order follows PyTorch's Python torch.optim.Adadelta.
#include <gradus/ops/adadelta.h>

#include "math/element_ops.h"

GRADUS_MATH_NAMESPACE_BEGIN

enum AdadeltaSlot { kAdadeltaSquareAvg = 0, kAccDelta = 1, kAdadeltaSlots = 2 };

template <typename T>
struct AdadeltaCoeffs {
  T rho, one_minus_rho, eps, weight_decay, neg_lr;
  GradFlags grad_flags;

  GRADUS_MATH_FN AdadeltaCoeffs(const ops::AdadeltaHyper& s, double step)
      : rho(T(s.rho)),
        one_minus_rho(T(1 - s.rho)),
        eps(T(s.eps)),
        weight_decay(T(s.weight_decay)),
        neg_lr(T(-s.lr)),
        grad_flags{s.maximize, s.weight_decay != 0} {}
};

template <typename T>
GRADUS_MATH_FN void adadelta_math(T& param, T grad, T& square_avg, T& acc_delta,
                                  const AdadeltaCoeffs<T>& c) {
  grad = effective_grad(grad, param, c.weight_decay, c.grad_flags);
  square_avg = addcmul_of(square_avg * c.rho, c.one_minus_rho, grad, grad);
  const T std = sqrt_of(square_avg + c.eps);
  const T delta = sqrt_of(acc_delta + c.eps) / std * grad;
  acc_delta = addcmul_of(acc_delta * c.rho, c.one_minus_rho, delta, delta);
  param = fma_of(delta, c.neg_lr, param);
}

// The update as the CPU loop and the CUDA kernel call it.
struct AdadeltaUpdate {
  using Hyper = ops::AdadeltaHyper;
  template <typename T>
  using Coeffs = AdadeltaCoeffs<T>;
  static constexpr int kSlots = kAdadeltaSlots;
  template <typename T>
  GRADUS_MATH_FN static void apply(T& p, T& g, T* s, const Coeffs<T>& c) {
    adadelta_math(p, g, s[kAdadeltaSquareAvg], s[kAccDelta], c);
  }
};

GRADUS_MATH_NAMESPACE_END
