#pragma once
// ASGD per-element update, shared by CPU and CUDA. LibTorch has no ASGD: the
// order follows PyTorch's Python torch.optim.ASGD (single-tensor path). eta
// and mu are float32 scalars per tensor, as PyTorch keeps them: a step reads
// the values the previous one wrote, then writes new ones.
#include <gradus/ops/asgd.h>

#include "math/element_ops.h"

GRADUS_MATH_NAMESPACE_BEGIN

enum AsgdSlot { kAx = 0, kAsgdSlots = 1 };
enum AsgdScalar { kEta = 0, kMu = 1, kAsgdScalars = 2 };

template <typename T>
struct AsgdCoeffs {
  T weight_decay;
  T decay;    // 1 - lambd * eta
  T neg_eta;  // -eta
  T mu;
  bool average;  // mu != 1; else ax is a copy of the parameter
  GradFlags grad_flags;

  GRADUS_MATH_FN AsgdCoeffs(const ops::AsgdHyper& s, double, const float* before)
      : weight_decay(T(s.weight_decay)),
        decay(T(1 - s.lambd * double(before[kEta]))),
        neg_eta(T(-double(before[kEta]))),
        mu(T(double(before[kMu]))),
        average(before[kMu] != 1.0f),
        grad_flags{s.maximize, s.weight_decay != 0} {}
};

template <typename T>
GRADUS_MATH_FN void asgd_math(T& param, T grad, T& ax, const AsgdCoeffs<T>& c) {
  grad = effective_grad(grad, param, c.weight_decay, c.grad_flags);
  param = param * c.decay;                 // param.mul_(1 - lambd * eta)
  param = fma_of(grad, c.neg_eta, param);  // param.add_(grad, alpha=-eta)
  if (c.average) {
    ax = ax + (param - ax) * c.mu;  // ax.add_(param.sub(ax).mul_(mu))
  } else {
    ax = param;  // ax.copy_(param)
  }
}

// The update as the CPU loop and the CUDA kernel call it (update_interface.h).
struct AsgdUpdate {
  using Hyper = ops::AsgdHyper;
  template <typename T>
  using Coeffs = AsgdCoeffs<T>;
  static constexpr int kSlots = kAsgdSlots;
  static constexpr int kScalars = kAsgdScalars;
  template <typename T>
  GRADUS_MATH_FN static void apply(T& p, T& g, T* s, const Coeffs<T>& c) {
    asgd_math(p, g, s[kAx], c);
  }
  // eta = lr / (1 + lambd * lr * step)^alpha, mu = 1 / max(1, step - t0),
  // in double, then stored in float32.
  GRADUS_MATH_FN static void advance(const Hyper& s, double step, float* scalars) {
    scalars[kEta] = static_cast<float>(s.lr / ::pow(1 + s.lambd * s.lr * step, s.alpha));
    const double since_t0 = step - s.t0;
    scalars[kMu] = static_cast<float>(1 / (since_t0 > 1 ? since_t0 : 1.0));
  }
};

GRADUS_MATH_NAMESPACE_END
