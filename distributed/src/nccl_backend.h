#pragma once
// The NCCL side of ProcessGroup: collectives on CUDA tensors. Built only
// against a LibTorch 2.x with CUDA and NCCL (GRADUS_DISTRIBUTED_NCCL).
#include <ATen/core/Tensor.h>
#include <torch/csrc/distributed/c10d/Store.hpp>

#include <chrono>
#include <memory>

namespace gradus {
namespace distributed {

class NcclBackend {
 public:
  virtual ~NcclBackend() = default;
  virtual void all_reduce_sum(at::Tensor& tensor) = 0;
  virtual void broadcast(at::Tensor& tensor, int root) = 0;
};

// Made on the first collective over CUDA tensors (a machine without a GPU
// never makes one). Its keys in `store` are prefixed so as not to meet Gloo's.
std::unique_ptr<NcclBackend> make_nccl_backend(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size,
                                               std::chrono::milliseconds timeout);

}  // namespace distributed
}  // namespace gradus
