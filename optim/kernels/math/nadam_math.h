#pragma once
// NAdam per-element update, shared by CPU and CUDA. LibTorch has no NAdam:
// the order follows PyTorch's Python torch.optim.NAdam (single-tensor path),
// which keeps mu_product in float32 and reads it back as a double.
#include <gradus/ops/nadam.h>

#include "math/element_ops.h"

GRADUS_MATH_NAMESPACE_BEGIN

enum NadamSlot { kNadamExpAvg = 0, kNadamExpAvgSq = 1, kNadamSlots = 2 };

// mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay)), in double.
GRADUS_MATH_FN double nadam_momentum(const ops::NadamHyper& s, double step) {
  return s.beta1 * (1.0 - 0.5 * ::pow(0.96, step * s.momentum_decay));
}

// mu_product *= mu_t on a float32 tensor: float32 operands and result.
GRADUS_MATH_FN float nadam_mu_product(float before, double mu) { return before * static_cast<float>(mu); }

template <typename T>
struct NadamCoeffs {
  LerpWeight<T> one_minus_beta1;
  T beta2, one_minus_beta2, bias_correction2, eps, weight_decay;
  T decay;       // decoupled weight decay's shrink factor, 1 - lr * weight_decay
  T grad_coeff;  // -lr * (1 - mu_t) / (1 - mu_product)
  T avg_coeff;   // -lr * mu_{t+1} / (1 - mu_product * mu_{t+1})
  bool decoupled;
  GradFlags grad_flags;

  GRADUS_MATH_FN NadamCoeffs(const ops::NadamHyper& s, double step, const float* before)
      : one_minus_beta1(1 - s.beta1),
        beta2(T(s.beta2)),
        one_minus_beta2(T(1 - s.beta2)),
        bias_correction2(T(1 - ::pow(s.beta2, step))),
        eps(T(s.eps)),
        weight_decay(T(s.weight_decay)),
        decay(T(1 - s.lr * s.weight_decay)),
        decoupled(s.decoupled_weight_decay && s.weight_decay != 0),
        grad_flags{s.maximize, !s.decoupled_weight_decay && s.weight_decay != 0} {
    const double mu = nadam_momentum(s, step), mu_next = nadam_momentum(s, step + 1);
    const double mu_product = nadam_mu_product(before[0], mu);
    grad_coeff = T(-s.lr * (1.0 - mu) / (1.0 - mu_product));
    avg_coeff = T(-s.lr * mu_next / (1.0 - mu_product * mu_next));
  }
};

template <typename T>
GRADUS_MATH_FN void nadam_math(T& param, T grad, T& exp_avg, T& exp_avg_sq, const NadamCoeffs<T>& c) {
  grad = effective_grad(grad, param, c.weight_decay, c.grad_flags);
  if (c.decoupled) param = param * c.decay;                          // param.mul_(1 - lr * wd)
  exp_avg = lerp_of(exp_avg, grad, c.one_minus_beta1);               // exp_avg.lerp_(grad, 1 - beta1)
  exp_avg_sq = addcmul_of(exp_avg_sq * c.beta2, c.one_minus_beta2, grad, grad);
  const T denom = sqrt_of(exp_avg_sq / c.bias_correction2) + c.eps;  // (v / bc2).sqrt() + eps
  param = param + c.grad_coeff * grad / denom;                       // addcdiv_(grad, denom, value)
  param = param + c.avg_coeff * exp_avg / denom;                     // addcdiv_(exp_avg, denom, value)
}

// The update as the CPU loop and the CUDA kernel call it (update_interface.h).
struct NadamUpdate {
  using Hyper = ops::NadamHyper;
  template <typename T>
  using Coeffs = NadamCoeffs<T>;
  static constexpr int kSlots = kNadamSlots;
  static constexpr int kScalars = 1;  // mu_product
  template <typename T>
  GRADUS_MATH_FN static void apply(T& p, T& g, T* s, const Coeffs<T>& c) {
    nadam_math(p, g, s[kNadamExpAvg], s[kNadamExpAvgSq], c);
  }
  GRADUS_MATH_FN static void advance(const Hyper& s, double step, float* scalars) {
    scalars[0] = nadam_mu_product(scalars[0], nadam_momentum(s, step));
  }
};

GRADUS_MATH_NAMESPACE_END
