#pragma once
// gradus::radam_: PyTorch's RAdam (LibTorch has none), Adam with the variance
// of its adaptive lr rectified, and optionally decoupled weight decay.
#include <gradus/ops/op_description.h>

namespace gradus {
namespace ops {

struct RadamHyper {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0;
  bool decoupled_weight_decay = false, maximize = false;

  static constexpr const char* kName = "radam_";
  static constexpr StepCount kStepCount = StepCount::kInMath;
  static constexpr std::array<const char*, 2> slots() { return {"exp_avgs", "exp_avg_sqs"}; }
  static constexpr bool slot_used(const RadamHyper&, size_t) { return true; }
  static constexpr auto fields() {
    return std::make_tuple(real("lr", &RadamHyper::lr, "learning rate", Range::kNonNegative),
                           real("beta1", &RadamHyper::beta1, "beta parameter at index 0", Range::kUnitOpen),
                           real("beta2", &RadamHyper::beta2, "beta parameter at index 1", Range::kUnitOpen),
                           real("eps", &RadamHyper::eps, "epsilon value", Range::kNonNegative),
                           real("weight_decay", &RadamHyper::weight_decay, "weight_decay value", Range::kNonNegative),
                           flag("decoupled_weight_decay", &RadamHyper::decoupled_weight_decay),
                           flag("maximize", &RadamHyper::maximize));
  }
  static constexpr const char* invalid_combination(const RadamHyper&) { return nullptr; }
};

}  // namespace ops
}  // namespace gradus
