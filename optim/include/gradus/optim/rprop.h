#pragma once
// gradus::optim::Rprop: PyTorch's torch.optim.Rprop for LibTorch (which has
// none), fused. The order of operations follows PyTorch's single-tensor path.
#include <gradus/optim/declaration.h>

// etas: the factors that shrink and grow a step size; step_sizes: its bounds.
#define GRADUS_RPROP_OPTIONS(X)                                                           \
  X(REAL, lr, 1e-2, kNonNegative, "learning rate")                                        \
  X(PAIR, etas, etaminus, 0.5, etaplus, 1.2, kPositive, "eta value at index")             \
  X(PAIR, step_sizes, step_size_min, 1e-6, step_size_max, 50.0, kNonNegative, "step size at index") \
  X(FLAG, maximize, false)
// Step sizes start at the group's lr, as PyTorch's first step sets them.
#define GRADUS_RPROP_STATE(X)          \
  X(prev, prevs, 0, true)              \
  X(step_size, step_sizes, h.lr, true)
GRADUS_OPTIMIZER(Rprop, rprop_, kStepsCounted, GRADUS_RPROP_OPTIONS, GRADUS_RPROP_STATE, GRADUS_NO_SCALARS)

namespace gradus {
namespace ops {
// As PyTorch: 0 < etaminus < 1 < etaplus; and, which PyTorch leaves
// unchecked, step sizes whose minimum is not above their maximum.
constexpr const char* invalid_combination(const RpropHyper& h) {
  return !(h.etaminus < 1 && 1 < h.etaplus) ? "invalid eta values: need 0 < etaminus < 1 < etaplus"
         : h.step_size_min > h.step_size_max ? "invalid step_sizes: the minimum is above the maximum"
                                             : nullptr;
}
}  // namespace ops
}  // namespace gradus

GRADUS_MATH_NAMESPACE_BEGIN
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

struct RpropUpdate : UpdateOf<ops::RpropHyper, RpropCoeffs> {
  template <typename T>
  GRADUS_MATH_FN static void apply(T& param, T grad, T* state, const Coeffs<T>& c) {
    T& prev = state[Hyper::Slot::prev];
    T& step_size = state[Hyper::Slot::step_size];
    if (c.maximize) grad = T(0) - grad;
    // sign(grad * prev) mapped to etaplus, etaminus or 1 (torch.sign gives 0 for NaN).
    const T product = grad * prev;
    step_size = clamp_of(step_size * by_sign(product, c.etaplus, c.etaminus, T(1)), c.step_size_min,
                         c.step_size_max);
    grad = by_sign(product, grad, T(0), grad);  // a flipped sign skips this step's move
    param = addcmul_of(param, T(-1), by_sign(grad, T(1), T(-1), T(0)), step_size);
    prev = grad;
  }
};
GRADUS_MATH_NAMESPACE_END
