#pragma once
// gradus::optim::SGD: a drop-in for torch::optim::SGD (momentum, dampening,
// Nesterov, weight decay), fused, plus PyTorch's `maximize`. The order of
// operations follows torch::optim::SGD.
#include <gradus/optim/declaration.h>

// SGD's options, which LARS takes too.
#define GRADUS_SGD_MOMENTUM_OPTIONS(X)                                    \
  X(REAL, lr, 1e-3, kNonNegative, "learning rate")                        \
  X(REAL, momentum, 0, kNonNegative, "momentum value")                    \
  X(REAL, dampening, 0, kUnit, "dampening value")                         \
  X(REAL, weight_decay, 0, kNonNegative, "weight_decay value")            \
  X(FLAG, nesterov, false)                                                \
  X(FLAG, maximize, false)
// Set on the call over params whose buffer is new: it starts as the gradient.
#define GRADUS_SGD_FIRST_STEP(X) X(HIDDEN, bool, is_first_step, false, kAny, "is_first_step")
#define GRADUS_SGD_OPTIONS(X) GRADUS_SGD_MOMENTUM_OPTIONS(X) GRADUS_SGD_FIRST_STEP(X)
#define GRADUS_SGD_STATE(X) X(momentum_buffer, momentum_buffers, 0, h.momentum != 0)
// The lr has no default, as in LibTorch.
GRADUS_OPTIMIZER(SGD, sgd_, kNoSteps | kLrRequired, GRADUS_SGD_OPTIONS, GRADUS_SGD_STATE, GRADUS_NO_SCALARS)

namespace gradus {
namespace ops {
// SGD's and LARS's rule.
template <class Hyper>
constexpr const char* nesterov_combination(const Hyper& h) {
  return h.nesterov && (h.momentum <= 0 || h.dampening != 0) ? "Nesterov momentum requires a momentum and zero dampening"
                                                             : nullptr;
}
constexpr const char* invalid_combination(const SGDHyper& h) { return nesterov_combination(h); }
}  // namespace ops
}  // namespace gradus

GRADUS_MATH_NAMESPACE_BEGIN
template <typename T>
struct SGDCoeffs {
  T momentum, one_minus_dampening, weight_decay, neg_lr;
  bool has_momentum, nesterov, is_first_step;
  GradFlags grad_flags;

  GRADUS_MATH_FN SGDCoeffs(const ops::SGDHyper& s, double /*step*/)
      : momentum(T(s.momentum)),
        one_minus_dampening(T(1 - s.dampening)),
        weight_decay(T(s.weight_decay)),
        neg_lr(T(-s.lr)),
        has_momentum(s.momentum != 0),
        nesterov(s.nesterov),
        is_first_step(s.is_first_step),
        grad_flags{s.maximize, s.weight_decay != 0} {}
};

struct SGDUpdate : UpdateOf<ops::SGDHyper, SGDCoeffs> {
  template <typename T>
  GRADUS_MATH_FN static void apply(T& param, T grad, T* state, const Coeffs<T>& c) {
    T& momentum_buffer = state[Hyper::Slot::momentum_buffer];
    grad = effective_grad(grad, param, c.weight_decay, c.grad_flags);
    if (c.has_momentum) {
      momentum_buffer = c.is_first_step ? grad : fma_of(grad, c.one_minus_dampening, momentum_buffer * c.momentum);
      grad = c.nesterov ? fma_of(momentum_buffer, c.momentum, grad) : momentum_buffer;
    }
    param = fma_of(grad, c.neg_lr, param);  // param.add_(grad, -lr)
  }
};
GRADUS_MATH_NAMESPACE_END
