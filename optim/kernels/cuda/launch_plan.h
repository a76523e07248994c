#pragma once
// Host-side chunking for the multi-tensor CUDA kernels, in plain C++ (no
// CUDA, no ATen; c10 for errors) so it is unit-tested on any machine. One launch covers up
// to `max_tensors` tensors and `max_blocks` blocks; each block updates one
// chunk of `chunk_size` elements of one tensor. A tensor whose chunks do not
// fit in one launch continues in the next.
#include <cstdint>
#include <vector>

namespace gradus {
namespace cuda {

struct BlockWork {
  int32_t slot;   // index into LaunchWork::tensors
  int64_t chunk;  // chunk of that tensor: elements [chunk * chunk_size, ...)
};

struct LaunchWork {
  std::vector<int32_t> tensors;  // indices into the caller's tensor list
  std::vector<BlockWork> blocks;
};

// Empty tensors get no block. Throws c10::Error on bad limits.
std::vector<LaunchWork> plan_launches(const std::vector<int64_t>& numels, int64_t chunk_size, int32_t max_tensors,
                                      int32_t max_blocks);

}  // namespace cuda
}  // namespace gradus
