#pragma once
// gradus::nadam_: PyTorch's NAdam (LibTorch has none), Adam with Nesterov
// momentum whose coefficient warms up by momentum_decay; it keeps the running
// product of those coefficients per tensor (mu_product), as PyTorch does.
#include <gradus/ops/op_description.h>

namespace gradus {
namespace ops {

struct NadamHyper {
  double lr = 2e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0, momentum_decay = 4e-3;
  bool decoupled_weight_decay = false, maximize = false;

  static constexpr const char* kName = "nadam_";
  static constexpr StepCount kStepCount = StepCount::kInMath;
  static constexpr std::array<const char*, 2> slots() { return {"exp_avgs", "exp_avg_sqs"}; }
  static constexpr std::array<const char*, 1> scalars() { return {"mu_products"}; }
  static constexpr bool slot_used(const NadamHyper&, size_t) { return true; }
  static constexpr auto fields() {
    return std::make_tuple(real("lr", &NadamHyper::lr, "learning rate", Range::kNonNegative),
                           real("beta1", &NadamHyper::beta1, "beta parameter at index 0", Range::kUnitOpen),
                           real("beta2", &NadamHyper::beta2, "beta parameter at index 1", Range::kUnitOpen),
                           real("eps", &NadamHyper::eps, "epsilon value", Range::kNonNegative),
                           real("weight_decay", &NadamHyper::weight_decay, "weight_decay value", Range::kNonNegative),
                           real("momentum_decay", &NadamHyper::momentum_decay, "momentum_decay value",
                                Range::kNonNegative),
                           flag("decoupled_weight_decay", &NadamHyper::decoupled_weight_decay),
                           flag("maximize", &NadamHyper::maximize));
  }
  static constexpr const char* invalid_combination(const NadamHyper&) { return nullptr; }
};

}  // namespace ops
}  // namespace gradus
