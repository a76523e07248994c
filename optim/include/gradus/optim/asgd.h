#pragma once
// gradus::optim::ASGD: PyTorch's torch.optim.ASGD for LibTorch (which has
// none), fused. The order of operations follows PyTorch's single-tensor
// path. eta and mu are float32 scalars per param, as PyTorch keeps them: a
// step reads the values the previous one wrote, then writes new ones.
#include <gradus/optim/declaration.h>

#define GRADUS_ASGD_OPTIONS(X)                                             \
  X(REAL, lr, 1e-2, kNonNegative, "learning rate")                         \
  X(REAL, lambd, 1e-4, kNonNegative, "lambd value")                         \
  X(REAL, alpha, 0.75, kNonNegative, "alpha value")                         \
  X(REAL, t0, 1e6, kNonNegative, "t0 value")                                \
  X(REAL, weight_decay, 0, kNonNegative, "weight_decay value")             \
  X(FLAG, maximize, false)
// ax: the averaged parameter (ASGD::ax(param)).
#define GRADUS_ASGD_STATE(X) X(ax, axs, 0, true)
// eta starts at the group's lr, as in PyTorch.
#define GRADUS_ASGD_SCALARS(X) \
  X(eta, etas, h.lr)           \
  X(mu, mus, 1.0)
GRADUS_OPTIMIZER(ASGD, asgd_, kStepsInMath, GRADUS_ASGD_OPTIONS, GRADUS_ASGD_STATE, GRADUS_ASGD_SCALARS)

GRADUS_MATH_NAMESPACE_BEGIN
template <typename T>
struct ASGDCoeffs {
  using Scalar = ops::ASGDHyper::Scalar;
  T weight_decay;
  T decay;    // 1 - lambd * eta
  T neg_eta;  // -eta
  T mu;
  bool average;  // mu != 1; else ax is a copy of the parameter
  GradFlags grad_flags;

  GRADUS_MATH_FN ASGDCoeffs(const ops::ASGDHyper& s, double, const float* before)
      : weight_decay(T(s.weight_decay)),
        decay(T(1 - s.lambd * double(before[Scalar::eta]))),
        neg_eta(T(-double(before[Scalar::eta]))),
        mu(T(double(before[Scalar::mu]))),
        average(before[Scalar::mu] != 1.0f),
        grad_flags{s.maximize, s.weight_decay != 0} {}
};

struct ASGDUpdate : UpdateOf<ops::ASGDHyper, ASGDCoeffs> {
  template <typename T>
  GRADUS_MATH_FN static void apply(T& param, T grad, T* state, const Coeffs<T>& c) {
    T& ax = state[Hyper::Slot::ax];
    grad = effective_grad(grad, param, c.weight_decay, c.grad_flags);
    param = param * c.decay;                 // param.mul_(1 - lambd * eta)
    param = fma_of(grad, c.neg_eta, param);  // param.add_(grad, alpha=-eta)
    if (c.average) {
      ax = ax + (param - ax) * c.mu;  // ax.add_(param.sub(ax).mul_(mu))
    } else {
      ax = param;  // ax.copy_(param)
    }
  }
  // eta = lr / (1 + lambd * lr * step)^alpha, mu = 1 / max(1, step - t0),
  // in double, then stored in float32.
  GRADUS_MATH_FN static void advance(const Hyper& s, double step, float* scalars) {
    scalars[Hyper::Scalar::eta] = static_cast<float>(s.lr / ::pow(1 + s.lambd * s.lr * step, s.alpha));
    const double since_t0 = step - s.t0;
    scalars[Hyper::Scalar::mu] = static_cast<float>(1 / (since_t0 > 1 ? since_t0 : 1.0));
  }
};
GRADUS_MATH_NAMESPACE_END
