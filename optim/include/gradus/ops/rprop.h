#pragma once
// gradus::rprop_: PyTorch's Rprop (LibTorch has none): each element keeps its
// own step size, grown while its gradient keeps its sign and shrunk when it
// flips. lr only seeds the step sizes (the optimizer's first step).
#include <gradus/ops/op_description.h>

namespace gradus {
namespace ops {

struct RpropHyper {
  double lr = 1e-2, etaminus = 0.5, etaplus = 1.2, step_size_min = 1e-6, step_size_max = 50;
  bool maximize = false;

  static constexpr const char* kName = "rprop_";
  static constexpr StepCount kStepCount = StepCount::kCounted;
  static constexpr std::array<const char*, 2> slots() { return {"prevs", "step_sizes"}; }
  static constexpr bool slot_used(const RpropHyper&, size_t) { return true; }
  static constexpr auto fields() {
    return std::make_tuple(real("lr", &RpropHyper::lr, "learning rate", Range::kNonNegative),
                           real("etaminus", &RpropHyper::etaminus, "eta value at index 0", Range::kPositive),
                           real("etaplus", &RpropHyper::etaplus, "eta value at index 1", Range::kPositive),
                           real("step_size_min", &RpropHyper::step_size_min, "step size at index 0", Range::kNonNegative),
                           real("step_size_max", &RpropHyper::step_size_max, "step size at index 1", Range::kNonNegative),
                           flag("maximize", &RpropHyper::maximize));
  }
  // As PyTorch: 0 < etaminus < 1 < etaplus.
  static constexpr const char* invalid_combination(const RpropHyper& h) {
    return (h.etaminus < 1 && 1 < h.etaplus) ? nullptr : "invalid eta values: need 0 < etaminus < 1 < etaplus";
  }
};

}  // namespace ops
}  // namespace gradus
