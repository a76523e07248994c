#pragma once
// gradus::distributed::ZeroRedundancyOptimizer: ZeRO stage 1, as PyTorch's
// torch.distributed.optim.ZeroRedundancyOptimizer. The parameters are split
// across ranks, whole, sorted-greedy by size; each rank keeps optimizer state
// for its own shard only and steps only that shard, then every rank
// broadcasts its updated parameters (bucketed) to the others.
//
// It wraps any torch::optim::Optimizer, gradus's or LibTorch's: a factory
// makes the local optimizer over this rank's shard of each param group.
// Schedulers set lr (and other options) on the wrapper's param groups; each
// step hands them to the local optimizer. Gradients must already be the same
// on every rank (GradientAverager::average()).
//
// Saving: consolidate_state(to) gathers every shard to rank `to`, whose
// save() then writes what the wrapped optimizer would write for the whole
// model: a file that loads back into a ZeroRedundancyOptimizer of any world
// size, or into the plain optimizer.
#include <gradus/distributed/process_group.h>
#include <torch/optim/optimizer.h>

#include <functional>
#include <memory>
#include <vector>

namespace gradus {
namespace distributed {

struct FlatBucket;

class ZeroRedundancyOptimizer : public torch::optim::Optimizer {
 public:
  using OptimizerParamGroup = torch::optim::OptimizerParamGroup;
  using OptimizerOptions = torch::optim::OptimizerOptions;
  // Makes the wrapped optimizer over the given groups (each with options).
  using Factory = std::function<std::unique_ptr<torch::optim::Optimizer>(std::vector<OptimizerParamGroup>)>;

  // A collective: every rank must pass the same parameters (shapes, dtypes,
  // order, groups) and options, or every rank throws naming what differs.
  ZeroRedundancyOptimizer(std::vector<OptimizerParamGroup> param_groups, const OptimizerOptions& defaults,
                          Factory factory, std::shared_ptr<ProcessGroup> group,
                          int64_t bucket_bytes = int64_t(25) << 20);
  ~ZeroRedundancyOptimizer() override;

  // Steps this rank's shard (the closure, if any, runs once, here), then
  // broadcasts every shard: a collective.
  torch::Tensor step(LossClosure closure = nullptr) override;

  // A collective: gathers every rank's optimizer state to rank `to`.
  void consolidate_state(int to = 0);
  // On the rank that consolidated, after the last step: the whole state.
  void save(torch::serialize::OutputArchive& archive) const override;
  // On every rank, from the same file (written with any world size). A
  // file that fails a check changes nothing.
  void load(torch::serialize::InputArchive& archive) override;

  // The rank that steps and keeps the state of group g's param i.
  int owner(size_t group, size_t index) const { return owners_.at(group).at(index); }
  // This rank's optimizer over its shard.
  torch::optim::Optimizer& local_optimizer() { return *local_; }
  // This rank's optimizer state, in bytes as saved.
  int64_t local_state_bytes() const;

 private:
  // Rank `rank`'s share of each group (every param for -1), with options
  // cloned from `options_from`'s groups.
  std::vector<OptimizerParamGroup> shard_groups(int rank, const std::vector<OptimizerParamGroup>& options_from) const;
  void sync_options();
  void broadcast_shards();

  Factory factory_;
  std::shared_ptr<ProcessGroup> group_;
  std::vector<std::vector<int>> owners_;       // [group][param] -> rank
  std::vector<std::vector<at::Tensor>> shard_params_;  // [rank] -> params, broadcast order
  std::vector<std::vector<FlatBucket>> shard_buckets_;  // [rank] -> buckets of shard_params_
  std::unique_ptr<torch::optim::Optimizer> local_;
  std::unique_ptr<torch::optim::Optimizer> consolidated_;  // on the rank that consolidated
  int64_t steps_ = 0, consolidated_at_ = -1;
};

// The wrapper of an optimizer class: ZeRO over gradus::optim::Adam is
//   make_zero_redundancy<gradus::optim::Adam>(params, AdamOptions(1e-3), group)
template <class Wrapped, class Options>
std::unique_ptr<ZeroRedundancyOptimizer> make_zero_redundancy(
    std::vector<torch::optim::OptimizerParamGroup> param_groups, const Options& defaults,
    std::shared_ptr<ProcessGroup> group, int64_t bucket_bytes = int64_t(25) << 20) {
  auto factory = [defaults](std::vector<torch::optim::OptimizerParamGroup> groups) {
    return std::unique_ptr<torch::optim::Optimizer>(std::make_unique<Wrapped>(std::move(groups), defaults));
  };
  return std::make_unique<ZeroRedundancyOptimizer>(std::move(param_groups), defaults, factory, std::move(group),
                                                   bucket_bytes);
}

template <class Wrapped, class Options>
std::unique_ptr<ZeroRedundancyOptimizer> make_zero_redundancy(std::vector<at::Tensor> params, const Options& defaults,
                                                              std::shared_ptr<ProcessGroup> group,
                                                              int64_t bucket_bytes = int64_t(25) << 20) {
  return make_zero_redundancy<Wrapped>(
      std::vector<torch::optim::OptimizerParamGroup>{torch::optim::OptimizerParamGroup(std::move(params))}, defaults,
      std::move(group), bucket_bytes);
}

}  // namespace distributed
}  // namespace gradus
