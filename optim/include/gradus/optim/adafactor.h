#pragma once
// gradus::optim::Adafactor: PyTorch 2.14's torch.optim.Adafactor for LibTorch
// (which has none). Tensors of two or more dimensions keep factored second
// moments (a row and a column factor over the last two dimensions) instead
// of a full one; vectors keep a full one. The update and the two norms that
// scale it are one fused operator (gradus::adafactor_), which takes the
// norms on the device; a factored tensor's row and column means and their
// outer product are ATen operations.
#include <gradus/optim/declaration.h>

#include <optional>
#include <tuple>

namespace gradus {
namespace optim {
// (eps1, eps2): eps1 unset means the parameters' machine epsilon.
using AdafactorEps = std::tuple<std::optional<double>, double>;
}  // namespace optim
}  // namespace gradus

// The options, and the operator's values: eps1 is a value there (the class
// resolves its default), and a factored matrix passes its estimate of the
// second moment (estimated_variance) where a vector passes its variance.
#define GRADUS_ADAFACTOR_OPTIONS(X)                                                  \
  X(REAL, lr, 1e-2, kNonNegative, "learning rate")                                   \
  X(REAL, beta2_decay, -0.8, kNonPositive, "beta2_decay value")                      \
  X(OPTION, AdafactorEps, eps, (AdafactorEps(std::nullopt, 1e-3)), kAny, "epsilon")  \
  X(HIDDEN, double, eps1, 1.1920928955078125e-07, kNonNegative, "epsilon1 value")    \
  X(HIDDEN, double, eps2, 1e-3, kNonNegative, "epsilon2 value")                      \
  X(REAL, d, 1.0, kAtLeastOne, "clipping threshold d")                               \
  X(REAL, weight_decay, 0.0, kNonNegative, "weight_decay value")                     \
  X(FLAG, maximize, false)                                                           \
  X(HIDDEN, bool, estimated_variance, false, kAny, "estimated_variance")
#define GRADUS_ADAFACTOR_STATE(X) X(variance, variances, 0, true)
GRADUS_DESCRIBE(Adafactor, adafactor_, kStepsInMath, GRADUS_ADAFACTOR_OPTIONS, GRADUS_ADAFACTOR_STATE,
                GRADUS_NO_SCALARS)

#ifndef GRADUS_MATH_ONLY
namespace gradus {
namespace optim {
GRADUS_DECLARE_DEFAULTS(Adafactor, GRADUS_ADAFACTOR_OPTIONS)
GRADUS_DECLARE_OPTIONS(Adafactor, AdafactorHyper, AdafactorDefaults, GRADUS_ADAFACTOR_OPTIONS)

// row_var and col_var for tensors of 2 or more dimensions (shaped like the
// parameter with the last, or the second-to-last, dimension 1); variance
// for vectors and scalars.
struct AdafactorParamState : public FusedParamState<AdafactorParamState> {
  TORCH_ARG(at::Tensor, step);
  TORCH_ARG(at::Tensor, row_var);
  TORCH_ARG(at::Tensor, col_var);
  TORCH_ARG(at::Tensor, variance);

 public:
  template <class Self, class Visitor>
  static void visit(Self& self, Visitor&& v) {
    v("step", self.step());
    v("row_var", self.row_var());
    v("col_var", self.col_var());
    v("variance", self.variance());
  }
};

class Adafactor : public FusedOptimizer {
 public:
  using Options = AdafactorOptions;
  explicit Adafactor(std::vector<OptimizerParamGroup> param_groups, AdafactorOptions defaults = {});
  explicit Adafactor(std::vector<at::Tensor> params, AdafactorOptions defaults = {});

 protected:
  void check_options(const OptimizerOptions& options) const override;
  void step_bucket(const OptimizerOptions& options, ParamBucket& bucket) override;
  std::unique_ptr<OptimizerParamState> make_empty_state() const override;
};

}  // namespace optim
}  // namespace gradus
#endif

// The per-element update. Its step size reads two norms of the tensor,
// taken by the reduction pass before anything moves:
//   alpha = max(eps2, |p| / sqrt(n)) * min(lr, 1 / sqrt(step))
//   denom = max(1, |u| / (sqrt(n) * d)),  u = grad / sqrt(max(v, eps1^2))
// The order follows PyTorch's single-tensor path.
GRADUS_MATH_NAMESPACE_BEGIN
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

struct AdafactorUpdate : UpdateOf<ops::AdafactorHyper, AdafactorCoeffs> {
  static constexpr int kReductions = kAdafactorReductions;
  // The first pass: alpha reads the parameter before weight decay.
  template <typename T>
  GRADUS_MATH_FN static void reduce(const T& p, const T& g, const T* s, const Coeffs<T>& c, T* sums) {
    T new_variance;
    const T u = adafactor_direction(g, s[Hyper::Slot::variance], new_variance, c);
    sums[kParamSquares] = fma_of(p, p, sums[kParamSquares]);
    sums[kUpdateSquares] = fma_of(u, u, sums[kUpdateSquares]);
  }
  template <typename T>
  GRADUS_MATH_FN static void apply(T& p, T g, T* s, const Coeffs<T>& c) {
    T new_variance;
    const T u = adafactor_direction(g, s[Hyper::Slot::variance], new_variance, c);
    s[Hyper::Slot::variance] = new_variance;
    if (c.has_decay) p = p * c.decay;   // param.mul_(1 - lr * weight_decay)
    p = fma_of(u, c.neg_step_size, p);  // param.add_(update, alpha=-alpha / denom)
  }
};
GRADUS_MATH_NAMESPACE_END
