#pragma once
// gradus::adagrad_: Adagrad with lr decay, weight decay and maximize.
#include <gradus/ops/op_description.h>

namespace gradus {
namespace ops {

struct AdagradHyper {
  double lr = 1e-2, lr_decay = 0, weight_decay = 0, eps = 1e-10;
  bool maximize = false;

  static constexpr const char* kName = "adagrad_";
  static constexpr StepCount kStepCount = StepCount::kInMath;
  static constexpr std::array<const char*, 1> slots() { return {"state_sums"}; }
  static constexpr bool slot_used(const AdagradHyper&, size_t) { return true; }
  static constexpr auto fields() {
    return std::make_tuple(real("lr", &AdagradHyper::lr, "learning rate", Range::kNonNegative),
                           real("lr_decay", &AdagradHyper::lr_decay, "lr_decay value", Range::kNonNegative),
                           real("weight_decay", &AdagradHyper::weight_decay, "weight_decay value", Range::kNonNegative),
                           real("eps", &AdagradHyper::eps, "epsilon value", Range::kNonNegative),
                           flag("maximize", &AdagradHyper::maximize));
  }
  static constexpr const char* invalid_combination(const AdagradHyper&) { return nullptr; }
};

}  // namespace ops
}  // namespace gradus
