#pragma once
// gradus::optim::NAdam: PyTorch's torch.optim.NAdam for LibTorch (which has
// none), fused. The order of operations follows PyTorch's single-tensor
// path, which keeps mu_product in float32 and reads it back as a double.
#include <gradus/optim/declaration.h>

#define GRADUS_NADAM_OPTIONS(X)                                                     \
  X(REAL, lr, 2e-3, kNonNegative, "learning rate")                                  \
  X(PAIR, betas, beta1, 0.9, beta2, 0.999, kUnitOpen, "beta parameter at index")    \
  X(REAL, eps, 1e-8, kNonNegative, "epsilon value")                                 \
  X(REAL, weight_decay, 0, kNonNegative, "weight_decay value")                      \
  X(REAL, momentum_decay, 4e-3, kNonNegative, "momentum_decay value")               \
  X(FLAG, decoupled_weight_decay, false)                                            \
  X(FLAG, maximize, false)
#define GRADUS_NADAM_STATE(X)          \
  X(exp_avg, exp_avgs, 0, true)        \
  X(exp_avg_sq, exp_avg_sqs, 0, true)
#define GRADUS_NADAM_SCALARS(X) X(mu_product, mu_products, 1.0)
GRADUS_OPTIMIZER(NAdam, nadam_, kStepsInMath, GRADUS_NADAM_OPTIONS, GRADUS_NADAM_STATE, GRADUS_NADAM_SCALARS)

GRADUS_MATH_NAMESPACE_BEGIN
// mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay)), in double.
GRADUS_MATH_FN double nadam_momentum(const ops::NAdamHyper& s, double step) {
  return s.beta1 * (1.0 - 0.5 * ::pow(0.96, step * s.momentum_decay));
}

// mu_product *= mu_t on a float32 tensor: float32 operands and result.
GRADUS_MATH_FN float nadam_mu_product(float before, double mu) { return before * static_cast<float>(mu); }

template <typename T>
struct NAdamCoeffs {
  LerpWeight<T> one_minus_beta1;
  T beta2, one_minus_beta2, bias_correction2, eps, weight_decay;
  T decay;       // decoupled weight decay's shrink factor, 1 - lr * weight_decay
  T grad_coeff;  // -lr * (1 - mu_t) / (1 - mu_product)
  T avg_coeff;   // -lr * mu_{t+1} / (1 - mu_product * mu_{t+1})
  bool decoupled;
  GradFlags grad_flags;

  GRADUS_MATH_FN NAdamCoeffs(const ops::NAdamHyper& s, double step, const float* before)
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
    const double mu_product = nadam_mu_product(before[ops::NAdamHyper::Scalar::mu_product], mu);
    grad_coeff = T(-s.lr * (1.0 - mu) / (1.0 - mu_product));
    avg_coeff = T(-s.lr * mu_next / (1.0 - mu_product * mu_next));
  }
};

struct NAdamUpdate : UpdateOf<ops::NAdamHyper, NAdamCoeffs> {
  template <typename T>
  GRADUS_MATH_FN static void apply(T& param, T grad, T* state, const Coeffs<T>& c) {
    T& exp_avg = state[Hyper::Slot::exp_avg];
    T& exp_avg_sq = state[Hyper::Slot::exp_avg_sq];
    grad = effective_grad(grad, param, c.weight_decay, c.grad_flags);
    if (c.decoupled) param = param * c.decay;                          // param.mul_(1 - lr * wd)
    exp_avg = lerp_of(exp_avg, grad, c.one_minus_beta1);               // exp_avg.lerp_(grad, 1 - beta1)
    exp_avg_sq = addcmul_of(exp_avg_sq * c.beta2, c.one_minus_beta2, grad, grad);
    const T denom = sqrt_of(exp_avg_sq / c.bias_correction2) + c.eps;  // (v / bc2).sqrt() + eps
    param = param + c.grad_coeff * grad / denom;                       // addcdiv_(grad, denom, value)
    param = param + c.avg_coeff * exp_avg / denom;                     // addcdiv_(exp_avg, denom, value)
  }
  // The per-tensor scalars after this step, from those before it.
  GRADUS_MATH_FN static void advance(const Hyper& s, double step, float* scalars) {
    float& mu_product = scalars[Hyper::Scalar::mu_product];
    mu_product = nadam_mu_product(mu_product, nadam_momentum(s, step));
  }
};
GRADUS_MATH_NAMESPACE_END
