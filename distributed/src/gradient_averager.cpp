#include <gradus/distributed/gradient_averager.h>

#include <ATen/ops/zeros_like.h>
#include <c10/util/Exception.h>

#include <sstream>

#include "flat_buckets.h"
#include "param_digest.h"

namespace gradus {
namespace distributed {

GradientAverager::GradientAverager(std::shared_ptr<ProcessGroup> group, std::vector<at::Tensor> params,
                                   int64_t bucket_bytes)
    : group_(std::move(group)), params_(std::move(params)) {
  TORCH_CHECK(group_, "gradus::distributed::GradientAverager: the process group is null");
  TORCH_CHECK(bucket_bytes > 0, "gradus::distributed::GradientAverager: bucket_bytes should be > 0 but is ",
              bucket_bytes);
  for (size_t i = 0; i < params_.size(); ++i) {
    TORCH_CHECK(params_[i].defined(), "gradus::distributed::GradientAverager: param ", i, " is undefined");
  }
  group_->require_same_settings(describe_params(params_));
  buckets_ = make_buckets(params_, bucket_bytes);
}

GradientAverager::~GradientAverager() = default;

size_t GradientAverager::bucket_count() const noexcept { return buckets_.size(); }

void GradientAverager::average() {
  if (group_->size() == 1) return;
  std::vector<at::Tensor> grads;
  grads.reserve(params_.size());
  for (at::Tensor& param : params_) {
    if (!param.grad().defined()) param.mutable_grad() = at::zeros_like(param);
    TORCH_CHECK(!param.grad().is_sparse(), "gradus::distributed::GradientAverager: sparse gradients are not supported");
    grads.push_back(param.grad());
  }
  const double size = group_->size();
  for (const FlatBucket& bucket : buckets_) {
    at::Tensor flat = flatten(bucket, grads);
    group_->all_reduce_sum(flat);
    flat.div_(size);
    unflatten(flat, bucket, grads);
  }
}

}  // namespace distributed
}  // namespace gradus
