#pragma once
// gradus::optim::AdamW: a drop-in for torch::optim::AdamW, fused: Adam's
// operator and state (gradus/optim/adam.h) with decoupled weight decay, and
// PyTorch's default weight_decay of 1e-2.
#include <gradus/optim/adam.h>

#ifndef GRADUS_MATH_ONLY
namespace gradus {
namespace optim {
struct AdamWDefaults : AdamDefaults {
  static constexpr double weight_decay = 1e-2;
  static constexpr bool decoupled_weight_decay = true;
};
}  // namespace optim
}  // namespace gradus
#endif
GRADUS_OPTIMIZER_VARIANT(AdamW, Adam, GRADUS_ADAM_OPTIONS, GRADUS_ADAM_STATE, GRADUS_NO_SCALARS)
