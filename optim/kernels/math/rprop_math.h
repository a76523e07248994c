#pragma once
// Rprop per-element update, shared by CPU and CUDA. LibTorch has no Rprop:
// the order follows PyTorch's Python torch.optim.Rprop (single-tensor path).
#include <gradus/ops/rprop.h>

#include "math/element_ops.h"

GRADUS_MATH_NAMESPACE_BEGIN

enum RpropSlot { kPrev = 0, kStepSize = 1, kRpropSlots = 2 };

template <typename T>
struct RpropCoeffs {
  T etaminus, etaplus, step_size_min, step_size_max;
  bool maximize;

  GRADUS_MATH_FN RpropCoeffs(const ops::RpropHyper& s, double /*step*/)
      : etaminus(T(s.etaminus)),
        etaplus(T(s.etaplus)),
        step_size_min(T(s.step_size_min)),
        step_size_max(T(s.step_size_max)),
        maximize(s.maximize) {}
};

template <typename T>
GRADUS_MATH_FN void rprop_math(T& param, T grad, T& prev, T& step_size, const RpropCoeffs<T>& c) {
  if (c.maximize) grad = T(0) - grad;
  // sign(grad * prev) mapped to etaplus, etaminus or 1 (torch.sign gives 0 for NaN).
  const T product = grad * prev;
  step_size = clamp_of(step_size * by_sign(product, c.etaplus, c.etaminus, T(1)), c.step_size_min,
                       c.step_size_max);
  grad = by_sign(product, grad, T(0), grad);  // a flipped sign skips this step's move
  param = addcmul_of(param, T(-1), by_sign(grad, T(1), T(-1), T(0)), step_size);
  prev = grad;
}

// The update as the CPU loop and the CUDA kernel call it.
struct RpropUpdate {
  using Hyper = ops::RpropHyper;
  template <typename T>
  using Coeffs = RpropCoeffs<T>;
  static constexpr int kSlots = kRpropSlots;
  template <typename T>
  GRADUS_MATH_FN static void apply(T& p, T& g, T* s, const Coeffs<T>& c) {
    rprop_math(p, g, s[kPrev], s[kStepSize], c);
  }
};

GRADUS_MATH_NAMESPACE_END
