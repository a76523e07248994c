#pragma once
// The data pointers of a checked call, one entry per tensor: what the CPU
// loop and the CUDA launch read. No ATen, so nvcc builds its users anywhere.
#include <cstdint>
#include <vector>

namespace gradus {
namespace kernels {

// How a state tensor holds its elements (gradus/optim/precision.h): in the
// param's math type (float for float16/bfloat16 params), as bfloat16 or
// float16, or as blocks of 8-bit codes with a float32 scale each
// (math/state_codec.h).
enum StateFormat : uint8_t { kOpmath = 0, kBFloat16State = 1, kHalfState = 2, kQuant8State = 3 };

struct TensorPointers {
  std::vector<void*> params, grads;
  std::vector<std::vector<void*>> state;  // one list per slot of the description; empty when unused
  std::vector<std::vector<uint8_t>> state_formats;  // a StateFormat per entry of `state`
  bool plain_state = true;  // every state tensor in kOpmath
  std::vector<float*> steps;              // one-element float32 step counts; empty for StepCount::kNone
  std::vector<std::vector<float*>> scalars;  // one list per per-tensor scalar of the description
  std::vector<int64_t> numels;
  bool all_contiguous = true;  // params and grads; otherwise ContiguousCopies replaces some
};

}  // namespace kernels
}  // namespace gradus
