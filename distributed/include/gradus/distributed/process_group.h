#pragma once
// gradus::distributed::ProcessGroup: the ranks of one training job and the
// collectives gradus needs between them, on c10d (LibTorch's communication
// engine): Gloo for CPU tensors. c10d and Gloo stay out of this header, so a
// user's project needs neither's headers.
#include <ATen/core/Tensor.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace gradus {
namespace distributed {

struct ProcessGroupOptions {
  int rank = 0;
  int world_size = 1;
  // Where the ranks meet, as in PyTorch's init_process_group:
  //   "tcp://ADDR:PORT"  rank 0 listens on PORT; the others connect to ADDR
  //   "file:///PATH"     a file every rank can reach (one machine, or NFS)
  std::string init_method = "tcp://127.0.0.1:29500";
  // How long rendezvous and each collective may take before they fail.
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};

  // What torchrun sets: RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT; and
  // GRADUS_DIST_TIMEOUT_S, optional. Throws naming a missing or bad one.
  static ProcessGroupOptions from_environment();
};

class ProcessGroup {
 public:
  // Rendezvous with every other rank; throws after options.timeout if they
  // do not all arrive, or at once if rank 0's port is taken.
  explicit ProcessGroup(const ProcessGroupOptions& options);
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const noexcept { return rank_; }
  int size() const noexcept { return size_; }

  // In place, and waited for. A rank that died, or a collective that takes
  // longer than the timeout, throws c10::Error on the others.
  void all_reduce_sum(at::Tensor& tensor);
  void broadcast(at::Tensor& tensor, int root);
  void barrier();

  // Every rank's `settings` ("name=value" lines) must equal rank 0's;
  // otherwise every rank throws, naming the first line that differs, e.g.
  // "rank 1 has optimizer=sgd where rank 0 has optimizer=adam".
  void require_same_settings(const std::string& settings);

  // Bytes from each rank, gathered to `root` (elsewhere: empty).
  std::vector<std::string> gather_bytes(const std::string& bytes, int root);

 private:
  struct Backend;
  std::unique_ptr<Backend> backend_;
  int rank_, size_;
};

}  // namespace distributed
}  // namespace gradus
