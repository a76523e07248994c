#include "cuda/launch_plan.h"

#include <c10/util/Exception.h>

namespace gradus {
namespace cuda {

std::vector<LaunchWork> plan_launches(const std::vector<int64_t>& numels, int64_t chunk_size, int32_t max_tensors,
                                      int32_t max_blocks) {
  TORCH_CHECK(chunk_size > 0 && max_tensors > 0 && max_blocks > 0,
              "plan_launches: chunk_size, max_tensors and max_blocks must be positive, got ", chunk_size, ", ",
              max_tensors, ", ", max_blocks);
  std::vector<LaunchWork> launches(1);
  for (size_t t = 0; t < numels.size(); ++t) {
    TORCH_CHECK(numels[t] >= 0, "plan_launches: tensor ", t, " has negative numel ", numels[t]);
    const int64_t chunks = (numels[t] + chunk_size - 1) / chunk_size;
    for (int64_t c = 0; c < chunks; ++c) {
      LaunchWork* current = &launches.back();
      const bool tensor_listed = !current->tensors.empty() && current->tensors.back() == int32_t(t);
      if (int32_t(current->blocks.size()) == max_blocks ||
          (!tensor_listed && int32_t(current->tensors.size()) == max_tensors)) {
        launches.emplace_back();
        current = &launches.back();
      }
      if (current->tensors.empty() || current->tensors.back() != int32_t(t)) current->tensors.push_back(int32_t(t));
      current->blocks.push_back({int32_t(current->tensors.size() - 1), c});
    }
  }
  if (launches.back().blocks.empty()) launches.pop_back();
  return launches;
}

}  // namespace cuda
}  // namespace gradus
