#pragma once
// The CUDA kernels' host interface: raw device pointers and the same Scalars
// structs as the CPU kernels, no ATen, so nvcc builds it anywhere. The ATen
// glue (cuda/*_glue.cpp, built only when Torch has CUDA) fills it from
// tensor lists.
#include <cstdint>
#include <vector>

#include "math/adadelta_math.h"
#include "math/adagrad_math.h"
#include "math/adam_math.h"
#include "math/rmsprop_math.h"
#include "math/sgd_math.h"

namespace gradus {
namespace cuda {

enum class ParamType { kFloat, kDouble, kHalf, kBFloat16 };

// One fused call: lists of equal length, all on one device. State is in the
// parameters' math type (double for double, float otherwise); an optional
// state list is empty when unused.
struct FusedLists {
  ParamType param_type = ParamType::kFloat;
  std::vector<void*> params, grads;
  std::vector<void*> state[3];
  std::vector<float*> steps;  // one-element float32 step counts; empty for SGD
  std::vector<int64_t> numels;
  const float* lr = nullptr;          // a device lr (graph capture), else the Scalars' lr
  const float* grad_scale = nullptr;  // AMP: divide grads by it, write them back
  const float* found_inf = nullptr;   // AMP: non-zero skips the whole update
  void* stream = nullptr;             // cudaStream_t
};

// Each updates every tensor of `lists` and then advances its step counts
// (unless found_inf is set), all on `lists.stream`, without host syncs.
void launch_sgd(const FusedLists& lists, const math::SgdScalars& scalars);
void launch_adam(const FusedLists& lists, const math::AdamScalars& scalars);
void launch_adagrad(const FusedLists& lists, const math::AdagradScalars& scalars);
void launch_rmsprop(const FusedLists& lists, const math::RmspropScalars& scalars);
void launch_adadelta(const FusedLists& lists, const math::AdadeltaScalars& scalars);

}  // namespace cuda
}  // namespace gradus
