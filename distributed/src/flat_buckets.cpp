#include "flat_buckets.h"

#include <ATen/ops/empty.h>

namespace gradus {
namespace distributed {

std::vector<FlatBucket> make_buckets(const std::vector<at::Tensor>& tensors, int64_t cap_bytes) {
  std::vector<FlatBucket> buckets;
  int64_t bytes = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const at::Tensor& t = tensors[i];
    const int64_t size = t.numel() * static_cast<int64_t>(t.element_size());
    const bool fits = !buckets.empty() && bytes + size <= cap_bytes &&
                      tensors[buckets.back().members[0]].scalar_type() == t.scalar_type() &&
                      tensors[buckets.back().members[0]].device() == t.device();
    if (!fits) {
      buckets.emplace_back();
      bytes = 0;
    }
    buckets.back().members.push_back(i);
    buckets.back().numel += t.numel();
    bytes += size;
  }
  return buckets;
}

at::Tensor flatten(const FlatBucket& bucket, const std::vector<at::Tensor>& tensors) {
  const at::Tensor& first = tensors[bucket.members[0]];
  at::Tensor flat = at::empty({bucket.numel}, first.options());
  int64_t offset = 0;
  for (size_t i : bucket.members) {
    const at::Tensor& t = tensors[i];
    flat.narrow(0, offset, t.numel()).view(t.sizes()).copy_(t);
    offset += t.numel();
  }
  return flat;
}

void unflatten(const at::Tensor& flat, const FlatBucket& bucket, const std::vector<at::Tensor>& tensors) {
  int64_t offset = 0;
  for (size_t i : bucket.members) {
    at::Tensor t = tensors[i];  // a handle: copied into in place
    t.copy_(flat.narrow(0, offset, t.numel()).view(t.sizes()));
    offset += t.numel();
  }
}

}  // namespace distributed
}  // namespace gradus
