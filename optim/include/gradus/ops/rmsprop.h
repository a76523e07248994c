#pragma once
// gradus::rmsprop_: RMSprop, centered or not, with momentum.
#include <gradus/ops/op_description.h>

namespace gradus {
namespace ops {

struct RmspropHyper {
  double lr = 1e-2, alpha = 0.99, eps = 1e-8, weight_decay = 0, momentum = 0;
  bool centered = false, maximize = false;

  static constexpr const char* kName = "rmsprop_";
  static constexpr StepCount kStepCount = StepCount::kCounted;
  static constexpr std::array<const char*, 3> slots() { return {"square_avgs", "grad_avgs", "momentum_buffers"}; }
  static constexpr bool slot_used(const RmspropHyper& h, size_t slot) {
    return slot == 0 || (slot == 1 ? h.centered : h.momentum > 0);
  }
  static constexpr auto fields() {
    return std::make_tuple(real("lr", &RmspropHyper::lr, "learning rate", Range::kNonNegative),
                           real("alpha", &RmspropHyper::alpha, "alpha value", Range::kNonNegative),
                           real("eps", &RmspropHyper::eps, "epsilon value", Range::kNonNegative),
                           real("weight_decay", &RmspropHyper::weight_decay, "weight_decay value", Range::kNonNegative),
                           real("momentum", &RmspropHyper::momentum, "momentum value", Range::kNonNegative),
                           flag("centered", &RmspropHyper::centered), flag("maximize", &RmspropHyper::maximize));
  }
  static constexpr const char* invalid_combination(const RmspropHyper&) { return nullptr; }
};

}  // namespace ops
}  // namespace gradus
