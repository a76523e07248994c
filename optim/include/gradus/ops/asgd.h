#pragma once
// gradus::asgd_: PyTorch's ASGD (LibTorch has none), averaged SGD. Per
// tensor it keeps eta (the decayed step size) and mu (the averaging weight)
// as PyTorch does, and the running average of the parameter, ax.
#include <gradus/ops/op_description.h>

namespace gradus {
namespace ops {

struct AsgdHyper {
  double lr = 1e-2, lambd = 1e-4, alpha = 0.75, t0 = 1e6, weight_decay = 0;
  bool maximize = false;

  static constexpr const char* kName = "asgd_";
  static constexpr StepCount kStepCount = StepCount::kInMath;
  static constexpr std::array<const char*, 1> slots() { return {"axs"}; }
  static constexpr std::array<const char*, 2> scalars() { return {"etas", "mus"}; }
  static constexpr bool slot_used(const AsgdHyper&, size_t) { return true; }
  static constexpr auto fields() {
    return std::make_tuple(real("lr", &AsgdHyper::lr, "learning rate", Range::kNonNegative),
                           real("lambd", &AsgdHyper::lambd, "lambd value", Range::kAny),
                           real("alpha", &AsgdHyper::alpha, "alpha value", Range::kAny),
                           real("t0", &AsgdHyper::t0, "t0 value", Range::kAny),
                           real("weight_decay", &AsgdHyper::weight_decay, "weight_decay value", Range::kNonNegative),
                           flag("maximize", &AsgdHyper::maximize));
  }
  static constexpr const char* invalid_combination(const AsgdHyper&) { return nullptr; }
};

}  // namespace ops
}  // namespace gradus
