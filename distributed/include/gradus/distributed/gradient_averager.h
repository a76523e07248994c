#pragma once
// gradus::distributed::GradientAverager: data parallelism's one collective.
// Each rank runs forward and backward on its own slice of a batch; average()
// then leaves every rank with the gradients averaged over all ranks, so that
// the optimizers of all ranks take the same step. The gradients travel in
// buckets (25 MiB by default, as DistributedDataParallel's), so that a
// model's many small tensors make few collectives.
#include <gradus/distributed/process_group.h>

#include <memory>
#include <vector>

namespace gradus {
namespace distributed {

struct FlatBucket;

class GradientAverager {
 public:
  // A collective: every rank must pass parameters of the same shapes and
  // dtypes in the same order, or every rank throws naming the first that
  // differs.
  GradientAverager(std::shared_ptr<ProcessGroup> group, std::vector<at::Tensor> params,
                   int64_t bucket_bytes = int64_t(25) << 20);
  ~GradientAverager();

  // After backward(), on every rank. A parameter without a gradient counts
  // as a zero gradient and gets one, as every rank must send the same buckets.
  void average();

  size_t bucket_count() const noexcept;

 private:
  std::shared_ptr<ProcessGroup> group_;
  std::vector<at::Tensor> params_;
  std::vector<FlatBucket> buckets_;
};

}  // namespace distributed
}  // namespace gradus
