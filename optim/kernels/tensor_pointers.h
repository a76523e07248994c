#pragma once
// The data pointers of a checked call, one entry per tensor: what the CPU
// loop and the CUDA launch read. No ATen, so nvcc builds its users anywhere.
#include <cstdint>
#include <vector>

namespace gradus {
namespace kernels {

struct TensorPointers {
  std::vector<void*> params, grads;
  std::vector<std::vector<void*>> state;  // one list per slot of the description; empty when unused
  std::vector<float*> steps;              // one-element float32 step counts; empty for StepCount::kNone
  std::vector<std::vector<float*>> scalars;  // one list per per-tensor scalar of the description
  std::vector<int64_t> numels;
  bool all_contiguous = true;  // params and grads; otherwise ContiguousCopies replaces some
};

}  // namespace kernels
}  // namespace gradus
