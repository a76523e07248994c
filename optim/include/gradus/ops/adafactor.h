#pragma once
// gradus::adafactor_: the elementwise part of PyTorch's Adafactor (LibTorch
// has none). Per tensor it takes two sums first, the parameter's and the
// update's squared norms, which scale the step. A vector keeps its full
// second moment in `variances`, updated here; a factored matrix passes its
// estimate for this step instead (estimated_variance), read and left as is.
#include <gradus/ops/op_description.h>

namespace gradus {
namespace ops {

struct AdafactorHyper {
  // eps1 is a value here; the optimizer class resolves PyTorch's default
  // (the machine epsilon of the parameters' dtype).
  double lr = 1e-2, beta2_decay = -0.8, eps1 = 1.1920928955078125e-07, eps2 = 1e-3, d = 1, weight_decay = 0;
  bool maximize = false, estimated_variance = false;

  static constexpr const char* kName = "adafactor_";
  static constexpr StepCount kStepCount = StepCount::kInMath;
  static constexpr std::array<const char*, 1> slots() { return {"variances"}; }
  static constexpr bool slot_used(const AdafactorHyper&, size_t) { return true; }
  static constexpr std::array<const char*, 2> reductions() { return {"param_squares", "update_squares"}; }
  static constexpr auto fields() {
    return std::make_tuple(real("lr", &AdafactorHyper::lr, "learning rate", Range::kNonNegative),
                           real("beta2_decay", &AdafactorHyper::beta2_decay, "beta2_decay value", Range::kNonPositive),
                           real("eps1", &AdafactorHyper::eps1, "epsilon1 value", Range::kNonNegative),
                           real("eps2", &AdafactorHyper::eps2, "epsilon2 value", Range::kNonNegative),
                           real("d", &AdafactorHyper::d, "clipping threshold d", Range::kAtLeastOne),
                           real("weight_decay", &AdafactorHyper::weight_decay, "weight_decay value",
                                Range::kNonNegative),
                           flag("maximize", &AdafactorHyper::maximize),
                           flag("estimated_variance", &AdafactorHyper::estimated_variance));
  }
  static constexpr const char* invalid_combination(const AdafactorHyper&) { return nullptr; }
};

}  // namespace ops
}  // namespace gradus
