#include "nccl_backend.h"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>

namespace gradus {
namespace distributed {
namespace {

class Nccl : public NcclBackend {
 public:
  Nccl(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size, std::chrono::milliseconds timeout)
      : timeout_(timeout) {
    auto options = c10d::ProcessGroupNCCL::Options::create();
    options->timeout = timeout;
    nccl_ = c10::make_intrusive<c10d::ProcessGroupNCCL>(c10::make_intrusive<c10d::PrefixStore>("gradus_nccl/", store),
                                                        rank, size, options);
  }
  void all_reduce_sum(at::Tensor& tensor) override {
    std::vector<at::Tensor> tensors{tensor};
    nccl_->allreduce(tensors)->wait(timeout_);
  }
  void broadcast(at::Tensor& tensor, int root) override {
    std::vector<at::Tensor> tensors{tensor};
    c10d::BroadcastOptions options;
    options.rootRank = root;
    nccl_->broadcast(tensors, options)->wait(timeout_);
  }

 private:
  c10::intrusive_ptr<c10d::ProcessGroupNCCL> nccl_;
  std::chrono::milliseconds timeout_;
};

}  // namespace

std::unique_ptr<NcclBackend> make_nccl_backend(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size,
                                               std::chrono::milliseconds timeout) {
  return std::make_unique<Nccl>(store, rank, size, timeout);
}

}  // namespace distributed
}  // namespace gradus
