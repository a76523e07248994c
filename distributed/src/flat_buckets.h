#pragma once
// Many tensors moved as few: consecutive tensors of one dtype and device,
// up to a byte cap, copied into one flat tensor for a collective and back.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace gradus {
namespace distributed {

struct FlatBucket {
  std::vector<size_t> members;  // indices into the tensor list, in order
  int64_t numel = 0;
};

// Buckets over `tensors` (each bucket one dtype and device), at most
// `cap_bytes` each unless one tensor alone is larger.
std::vector<FlatBucket> make_buckets(const std::vector<at::Tensor>& tensors, int64_t cap_bytes);

// The members of `bucket`, concatenated into a new flat tensor.
at::Tensor flatten(const FlatBucket& bucket, const std::vector<at::Tensor>& tensors);

// Copies `flat` back into the members of `bucket`.
void unflatten(const at::Tensor& flat, const FlatBucket& bucket, const std::vector<at::Tensor>& tensors);

}  // namespace distributed
}  // namespace gradus
