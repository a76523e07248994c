#pragma once
// gradus-train across processes: --nproc N starts N ranks of this program on
// this machine; a rank (started so, or by an outside launcher such as
// torchrun) joins the others through RANK, WORLD_SIZE, MASTER_ADDR and
// MASTER_PORT (docs/distributed.md says what listens where). What the ranks share is in ranks.h; how a run uses them, in
// trainer.cpp.
#include <torch/optim/optimizer.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ranks.h"

namespace gradus {
namespace examples {

// True in a process started as a rank: RANK and WORLD_SIZE are set.
bool launched_as_rank();

// Joins the job this process is a rank of; every rank must pass the same
// `settings` ("name=value" lines), or all refuse, naming the one that differs.
Ranks join_job(const std::string& settings, double timeout_seconds, bool zero);

// Starts `nproc` ranks of this program (argv) with `threads` intra-op
// threads each, and waits for them all. They meet through a FileStore in a
// private folder (nothing listens for the rendezvous; Gloo's own sockets are
// on 127.0.0.1). SIGINT and SIGTERM are forwarded to them. Returns rank 0's
// exit code, the first other non-zero one, or 128 + the signal forwarded.
int launch_local_ranks(int nproc, int threads, char** argv);

// In a rank started by launch_local_ranks: ends this process when the
// launcher ends, however it ends (even by SIGKILL).
void die_with_launcher();

// `plain` sharded over the ranks (ZeroRedundancyOptimizer), remade over each
// rank's share by `make`; `plain` itself when there is one rank.
using MakeOptimizer = std::function<std::unique_ptr<torch::optim::Optimizer>(std::vector<at::Tensor>)>;
std::unique_ptr<torch::optim::Optimizer> shard_optimizer(std::unique_ptr<torch::optim::Optimizer> plain,
                                                         const MakeOptimizer& make, const Ranks& ranks);

// Averages the gradients of `params` over the ranks after backward();
// nothing for one process.
class GradientSync {
 public:
  GradientSync(const Ranks& ranks, std::vector<at::Tensor> params);
  ~GradientSync();
  void average();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Sums of `values` over the ranks, in place (for the loss and evaluations).
void sum_over_ranks(const Ranks& ranks, std::vector<double>& values);

// Collective: gathers a ZeroRedundancyOptimizer's state to rank 0 before it
// saves; nothing for any other optimizer.
void consolidate_for_saving(torch::optim::Optimizer* optimizer);

}  // namespace examples
}  // namespace gradus
