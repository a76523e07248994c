// The CUDA kernels of every gradus optimizer: the shared multi-tensor kernel
// instantiated with each optimizer's per-element math (the same headers the
// CPU kernels use).
#include "cuda/multi_tensor_apply.cuh"
#include "math/optimizer_updates.h"

namespace gradus {
namespace cuda {
using math::AdadeltaUpdate;
using math::AdagradUpdate;
using math::AdamUpdate;
using math::RmspropUpdate;
using math::SgdUpdate;

void launch_sgd(const FusedLists& lists, const math::SgdScalars& scalars) { launch<SgdUpdate>(lists, scalars); }
void launch_adam(const FusedLists& lists, const math::AdamScalars& scalars) { launch<AdamUpdate>(lists, scalars); }
void launch_adagrad(const FusedLists& lists, const math::AdagradScalars& scalars) {
  launch<AdagradUpdate>(lists, scalars);
}
void launch_rmsprop(const FusedLists& lists, const math::RmspropScalars& scalars) {
  launch<RmspropUpdate>(lists, scalars);
}
void launch_adadelta(const FusedLists& lists, const math::AdadeltaScalars& scalars) {
  launch<AdadeltaUpdate>(lists, scalars);
}

}  // namespace cuda
}  // namespace gradus
