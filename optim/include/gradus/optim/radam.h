#pragma once
// gradus::optim::RAdam: PyTorch's torch.optim.RAdam for LibTorch (which has
// none), fused. The order of operations follows PyTorch's single-tensor
// path, including its host-side rectification terms (x ** 0.5 as pow).
#include <gradus/optim/declaration.h>

#define GRADUS_RADAM_OPTIONS(X)                                                     \
  X(REAL, lr, 1e-3, kNonNegative, "learning rate")                                  \
  X(PAIR, betas, beta1, 0.9, beta2, 0.999, kUnitOpen, "beta parameter at index")    \
  X(REAL, eps, 1e-8, kNonNegative, "epsilon value")                                 \
  X(REAL, weight_decay, 0, kNonNegative, "weight_decay value")                      \
  X(FLAG, decoupled_weight_decay, false)                                            \
  X(FLAG, maximize, false)
#define GRADUS_RADAM_STATE(X)          \
  X(exp_avg, exp_avgs, 0, true)        \
  X(exp_avg_sq, exp_avg_sqs, 0, true)
GRADUS_OPTIMIZER(RAdam, radam_, kStepsInMath, GRADUS_RADAM_OPTIONS, GRADUS_RADAM_STATE, GRADUS_NO_SCALARS)

GRADUS_MATH_NAMESPACE_BEGIN
template <typename T>
struct RAdamCoeffs {
  LerpWeight<T> one_minus_beta1;
  T beta2, one_minus_beta2, eps, weight_decay;
  T decay;  // decoupled weight decay's parameter shrink factor, 1 - lr * weight_decay
  T lr, bias_correction1, bias_correction2_sqrt;
  T rect;          // the variance rectification term, when `rectified`
  bool rectified;  // rho_t > 5: the adaptive lr is used
  bool decoupled;
  GradFlags grad_flags;

  GRADUS_MATH_FN RAdamCoeffs(const ops::RAdamHyper& s, double step)
      : one_minus_beta1(1 - s.beta1),
        beta2(T(s.beta2)),
        one_minus_beta2(T(1 - s.beta2)),
        eps(T(s.eps)),
        weight_decay(T(s.weight_decay)),
        decay(T(1 - s.lr * s.weight_decay)),
        lr(T(s.lr)),
        bias_correction1(T(1 - ::pow(s.beta1, step))),
        bias_correction2_sqrt(T(::pow(1 - ::pow(s.beta2, step), 0.5))),
        rect(T(rect_of(s.beta2, step))),
        rectified(rho_of(s.beta2, step) > 5.0),
        decoupled(s.decoupled_weight_decay && s.weight_decay != 0),
        grad_flags{s.maximize, !s.decoupled_weight_decay && s.weight_decay != 0} {}

  // rho_t, the length of the approximated simple moving average.
  GRADUS_MATH_FN static double rho_of(double beta2, double step) {
    const double rho_inf = 2 / (1 - beta2) - 1;
    return rho_inf - 2 * step * ::pow(beta2, step) / (1 - ::pow(beta2, step));
  }
  GRADUS_MATH_FN static double rect_of(double beta2, double step) {
    const double rho_inf = 2 / (1 - beta2) - 1;
    const double rho_t = rho_of(beta2, step);
    if (!(rho_t > 5.0)) return 0;
    return ::pow((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t), 0.5);
  }
};

struct RAdamUpdate : UpdateOf<ops::RAdamHyper, RAdamCoeffs> {
  template <typename T>
  GRADUS_MATH_FN static void apply(T& param, T grad, T* state, const Coeffs<T>& c) {
    T& exp_avg = state[Hyper::Slot::exp_avg];
    T& exp_avg_sq = state[Hyper::Slot::exp_avg_sq];
    grad = effective_grad(grad, param, c.weight_decay, c.grad_flags);
    if (c.decoupled) param = param * c.decay;
    exp_avg = lerp_of(exp_avg, grad, c.one_minus_beta1);
    exp_avg_sq = addcmul_of(exp_avg_sq * c.beta2, c.one_minus_beta2, grad, grad);
    const T corrected = exp_avg / c.bias_correction1;
    if (c.rectified) {
      const T adaptive = c.bias_correction2_sqrt / (sqrt_of(exp_avg_sq) + c.eps);
      param = param - corrected * c.lr * adaptive * c.rect;
    } else {
      param = param - corrected * c.lr;
    }
  }
};
GRADUS_MATH_NAMESPACE_END
