#pragma once
// The CUDA kernels' host interface: raw device pointers and the operator's
// description (its Hyper struct), no ATen, so nvcc builds it anywhere. The
// ATen glue (cuda/optimizer_glue.cpp, built only when Torch has CUDA) fills
// it from a checked call (fused_call.h).
#include <cstdint>
#include <vector>

#include "tensor_pointers.h"

namespace gradus {
namespace cuda {

enum class ParamType { kFloat, kDouble, kHalf, kBFloat16 };

// Elements per block: each block of a launch takes one chunk of a tensor.
constexpr int64_t kChunkSize = 65536;

// The chunks of a call, which is also how many partial sums per reduction
// an update with reductions needs in FusedLists::partials.
inline int64_t chunk_count(const std::vector<int64_t>& numels) {
  int64_t chunks = 0;
  for (const int64_t n : numels) chunks += (n + kChunkSize - 1) / kChunkSize;
  return chunks;
}

// One fused call: lists of equal length, all on one device. State is in the
// parameters' math type (double for double, float otherwise); an optional
// state list is empty when unused.
struct FusedLists : kernels::TensorPointers {
  ParamType param_type = ParamType::kFloat;
  const float* lr = nullptr;          // a device lr (graph capture), else hyper.lr
  const float* grad_scale = nullptr;  // AMP: divide grads by it, write them back
  const float* found_inf = nullptr;   // AMP: non-zero skips the whole update
  // Updates with reductions: room for chunk_count(numels) * reductions
  // doubles, which the reduction kernel fills and the update kernel reads.
  double* partials = nullptr;
  void* stream = nullptr;             // cudaStream_t
};

// Updates every tensor of `lists` and then advances its step counts (unless
// found_inf is set), all on `lists.stream`, without host syncs. Returns
// null, or the CUDA error of a failed launch. Instantiated for every
// operator of optimizer_list.h.
template <class Hyper>
const char* launch(const FusedLists& lists, const Hyper& hyper);

}  // namespace cuda
}  // namespace gradus
