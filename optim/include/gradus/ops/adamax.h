#pragma once
// gradus::adamax_: PyTorch's Adamax (LibTorch has none), Adam with the
// infinity norm for its second moment.
#include <gradus/ops/op_description.h>

namespace gradus {
namespace ops {

struct AdamaxHyper {
  double lr = 2e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0;
  bool maximize = false;

  static constexpr const char* kName = "adamax_";
  static constexpr StepCount kStepCount = StepCount::kInMath;
  static constexpr std::array<const char*, 2> slots() { return {"exp_avgs", "exp_infs"}; }
  static constexpr bool slot_used(const AdamaxHyper&, size_t) { return true; }
  static constexpr auto fields() {
    return std::make_tuple(real("lr", &AdamaxHyper::lr, "learning rate", Range::kNonNegative),
                           real("beta1", &AdamaxHyper::beta1, "beta parameter at index 0", Range::kUnitOpen),
                           real("beta2", &AdamaxHyper::beta2, "beta parameter at index 1", Range::kUnitOpen),
                           real("eps", &AdamaxHyper::eps, "epsilon value", Range::kNonNegative),
                           real("weight_decay", &AdamaxHyper::weight_decay, "weight_decay value", Range::kNonNegative),
                           flag("maximize", &AdamaxHyper::maximize));
  }
  static constexpr const char* invalid_combination(const AdamaxHyper&) { return nullptr; }
};

}  // namespace ops
}  // namespace gradus
