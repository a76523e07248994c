#pragma once
// Adafactor per-element update, shared by CPU and CUDA. LibTorch has none:
// the order follows PyTorch's Python torch.optim.Adafactor (single-tensor
// path). Its step size reads two norms of the tensor, taken by the
// reduction pass before anything moves:
//   alpha = max(eps2, |p| / sqrt(n)) * min(lr, 1 / sqrt(step))
//   denom = max(1, |u| / (sqrt(n) * d)),  u = grad / sqrt(max(v, eps1^2))
#include <gradus/ops/adafactor.h>

#include "math/element_ops.h"

GRADUS_MATH_NAMESPACE_BEGIN

enum AdafactorSlot { kVariance = 0, kAdafactorSlots = 1 };
enum AdafactorReduction { kParamSquares = 0, kUpdateSquares = 1, kAdafactorReductions = 2 };

// Python's max(a, b): b only when b > a, so a NaN b gives a.
GRADUS_MATH_FN double python_max(double a, double b) { return b > a ? b : a; }

template <typename T>
struct AdafactorCoeffs {
  LerpWeight<T> beta2;  // variance.lerp_(grad * grad, step ** beta2_decay)
  T eps1_squared;
  T decay;  // 1 - lr * weight_decay
  bool has_decay, maximize, estimated;
  double rho, eps2, d;  // host scalars, for finish()
  T neg_step_size;      // -alpha / denom, set by finish()

  GRADUS_MATH_FN AdafactorCoeffs(const ops::AdafactorHyper& s, double step)
      : beta2(::pow(step, s.beta2_decay)),
        eps1_squared(T(s.eps1 * s.eps1)),
        decay(T(1 - s.lr * s.weight_decay)),
        has_decay(s.weight_decay != 0),
        maximize(s.maximize),
        estimated(s.estimated_variance),
        rho(s.lr < 1 / ::pow(step, 0.5) ? s.lr : 1 / ::pow(step, 0.5)),  // Python's min(lr, ...)
        eps2(s.eps2),
        d(s.d),
        neg_step_size(T(0)) {}

  // The tensor's sums (AdafactorReduction) and its element count.
  GRADUS_MATH_FN void finish(const double* totals, double numel) {
    const double root = ::pow(numel, 0.5);
    const double alpha = python_max(eps2, ::sqrt(totals[kParamSquares]) / root) * rho;
    const double denom = python_max(1.0, ::sqrt(totals[kUpdateSquares]) / (root * d));
    neg_step_size = T(-alpha / denom);
  }
};

// The update direction u, and the variance this step ends with.
template <typename T>
GRADUS_MATH_FN T adafactor_direction(T grad, const T& variance, T& new_variance, const AdafactorCoeffs<T>& c) {
  if (c.maximize) grad = T(0) - grad;
  new_variance = c.estimated ? variance : lerp_of(variance, grad * grad, c.beta2);
  // var.clamp_(min=eps1 * eps1).rsqrt_(), then .mul_(grad)
  return T(1) / sqrt_of(maximum_of(new_variance, c.eps1_squared)) * grad;
}

// The update as the CPU loop and the CUDA kernel call it (update_interface.h).
struct AdafactorUpdate {
  using Hyper = ops::AdafactorHyper;
  template <typename T>
  using Coeffs = AdafactorCoeffs<T>;
  static constexpr int kSlots = kAdafactorSlots;
  static constexpr int kReductions = kAdafactorReductions;
  // The first pass: alpha reads the parameter before weight decay.
  template <typename T>
  GRADUS_MATH_FN static void reduce(const T& p, const T& g, const T* s, const Coeffs<T>& c, T* sums) {
    T new_variance;
    const T u = adafactor_direction(g, s[kVariance], new_variance, c);
    sums[kParamSquares] = fma_of(p, p, sums[kParamSquares]);
    sums[kUpdateSquares] = fma_of(u, u, sums[kUpdateSquares]);
  }
  template <typename T>
  GRADUS_MATH_FN static void apply(T& p, T& g, T* s, const Coeffs<T>& c) {
    T new_variance;
    const T u = adafactor_direction(g, s[kVariance], new_variance, c);
    s[kVariance] = new_variance;
    if (c.has_decay) p = p * c.decay;   // param.mul_(1 - lr * weight_decay)
    p = fma_of(u, c.neg_step_size, p);  // param.add_(update, alpha=-alpha / denom)
  }
};

GRADUS_MATH_NAMESPACE_END
