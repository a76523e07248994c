#pragma once
// gradus::sgd_: SGD with momentum, dampening, Nesterov, weight decay and maximize.
#include <gradus/ops/op_description.h>

namespace gradus {
namespace ops {

struct SgdHyper {
  double lr = 1e-3, momentum = 0, dampening = 0, weight_decay = 0;
  bool nesterov = false, maximize = false;
  bool is_first_step = false;  // the momentum buffers start as copies of the gradients

  static constexpr const char* kName = "sgd_";
  static constexpr StepCount kStepCount = StepCount::kNone;
  static constexpr std::array<const char*, 1> slots() { return {"momentum_buffers"}; }
  static constexpr bool slot_used(const SgdHyper& h, size_t) { return h.momentum != 0; }
  static constexpr auto fields() {
    return std::make_tuple(real("lr", &SgdHyper::lr, "learning rate", Range::kNonNegative),
                           real("momentum", &SgdHyper::momentum, "momentum value", Range::kNonNegative),
                           real("dampening", &SgdHyper::dampening, "dampening value", Range::kAny),
                           real("weight_decay", &SgdHyper::weight_decay, "weight_decay value", Range::kNonNegative),
                           flag("nesterov", &SgdHyper::nesterov), flag("maximize", &SgdHyper::maximize),
                           flag("is_first_step", &SgdHyper::is_first_step));
  }
  static constexpr const char* invalid_combination(const SgdHyper& h) {
    return h.nesterov && (h.momentum <= 0 || h.dampening != 0)
               ? "Nesterov momentum requires a momentum and zero dampening"
               : nullptr;
  }
};

}  // namespace ops
}  // namespace gradus
