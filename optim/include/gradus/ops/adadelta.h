#pragma once
// gradus::adadelta_: PyTorch's Adadelta (LibTorch has none).
#include <gradus/ops/op_description.h>

namespace gradus {
namespace ops {

struct AdadeltaHyper {
  double lr = 1.0, rho = 0.9, eps = 1e-6, weight_decay = 0;
  bool maximize = false;

  static constexpr const char* kName = "adadelta_";
  static constexpr StepCount kStepCount = StepCount::kCounted;
  static constexpr std::array<const char*, 2> slots() { return {"square_avgs", "acc_deltas"}; }
  static constexpr bool slot_used(const AdadeltaHyper&, size_t) { return true; }
  static constexpr auto fields() {
    return std::make_tuple(real("lr", &AdadeltaHyper::lr, "learning rate", Range::kNonNegative),
                           real("rho", &AdadeltaHyper::rho, "rho value", Range::kUnit),
                           real("eps", &AdadeltaHyper::eps, "epsilon value", Range::kNonNegative),
                           real("weight_decay", &AdadeltaHyper::weight_decay, "weight_decay value", Range::kNonNegative),
                           flag("maximize", &AdadeltaHyper::maximize));
  }
  static constexpr const char* invalid_combination(const AdadeltaHyper&) { return nullptr; }
};

}  // namespace ops
}  // namespace gradus
