#pragma once
// gradus::adam_: Adam, AMSGrad, and AdamW (decoupled weight decay).
#include <gradus/ops/op_description.h>

namespace gradus {
namespace ops {

struct AdamHyper {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, weight_decay = 0, eps = 1e-8;
  bool amsgrad = false, maximize = false, decoupled_weight_decay = false;

  static constexpr const char* kName = "adam_";
  static constexpr StepCount kStepCount = StepCount::kInMath;
  static constexpr std::array<const char*, 3> slots() { return {"exp_avgs", "exp_avg_sqs", "max_exp_avg_sqs"}; }
  static constexpr bool slot_used(const AdamHyper& h, size_t slot) { return slot != 2 || h.amsgrad; }
  static constexpr auto fields() {
    return std::make_tuple(real("lr", &AdamHyper::lr, "learning rate", Range::kNonNegative),
                           real("beta1", &AdamHyper::beta1, "beta parameter at index 0", Range::kUnitOpen),
                           real("beta2", &AdamHyper::beta2, "beta parameter at index 1", Range::kUnitOpen),
                           real("weight_decay", &AdamHyper::weight_decay, "weight_decay value", Range::kNonNegative),
                           real("eps", &AdamHyper::eps, "epsilon value", Range::kNonNegative),
                           flag("amsgrad", &AdamHyper::amsgrad), flag("maximize", &AdamHyper::maximize),
                           flag("decoupled_weight_decay", &AdamHyper::decoupled_weight_decay));
  }
  static constexpr const char* invalid_combination(const AdamHyper&) { return nullptr; }
};

}  // namespace ops
}  // namespace gradus
