#include <gradus/distributed/zero_redundancy_optimizer.h>

#include <ATen/ops/empty.h>
#include <c10/core/GradMode.h>
#include <c10/util/Exception.h>
#include <c10/util/Type.h>
#include <torch/serialize/archive.h>

#include <algorithm>
#include <numeric>
#include <sstream>
#include <typeinfo>

#include "flat_buckets.h"
#include "param_digest.h"
#include "torch_version.h"  // optim/src: how Optimizer::state() is keyed

namespace gradus {
namespace distributed {
namespace {

const char* const kZero = "gradus::distributed::ZeroRedundancyOptimizer";

using Groups = std::vector<torch::optim::OptimizerParamGroup>;

// Moves the state of `params` from one optimizer to another: both key it by
// the parameter's TensorImpl, so the state of a parameter is the same object
// whichever optimizer steps it.
void move_state(torch::optim::Optimizer& from, torch::optim::Optimizer& to, const std::vector<at::Tensor>& params) {
  for (const at::Tensor& param : params) {
    const auto key = optim::torch_version::state_key(param);
    auto it = from.state().find(key);
    if (it != from.state().end()) to.state()[key] = std::move(it->second);
  }
}

std::string bytes_of(const torch::optim::Optimizer& optimizer) {
  torch::serialize::OutputArchive archive;
  optimizer.save(archive);
  std::ostringstream out;
  archive.save_to(out);
  return out.str();
}

// Rank owning each param of each group: PyTorch's partition. Within a group
// the params go largest first (ties in order) to the rank holding the fewest
// elements so far (ties to the lowest rank); the counts carry over groups.
std::vector<std::vector<int>> partition(const Groups& groups, int world_size) {
  std::vector<int64_t> held(world_size, 0);
  std::vector<std::vector<int>> owners;
  for (const auto& group : groups) {
    const auto& params = group.params();
    std::vector<size_t> order(params.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return params[a].numel() > params[b].numel(); });
    owners.emplace_back(params.size());
    for (size_t i : order) {
      const int rank = static_cast<int>(std::min_element(held.begin(), held.end()) - held.begin());
      owners.back()[i] = rank;
      held[rank] += params[i].numel();
    }
  }
  return owners;
}

std::string describe_groups(const Groups& groups, const torch::optim::OptimizerOptions& defaults) {
  std::ostringstream out;
  out << "optimizer options=" << c10::demangle(typeid(defaults).name()) << "\n";
  out << "param group count=" << groups.size() << "\n";
  std::vector<at::Tensor> all;
  for (size_t g = 0; g < groups.size(); ++g) {
    out << "param group " << g << " params=" << groups[g].params().size() << "\n";
    out << "param group " << g << " lr=" << groups[g].options().get_lr() << "\n";
    all.insert(all.end(), groups[g].params().begin(), groups[g].params().end());
  }
  return out.str() + describe_params(all);
}

}  // namespace

ZeroRedundancyOptimizer::ZeroRedundancyOptimizer(std::vector<OptimizerParamGroup> param_groups,
                                                 const OptimizerOptions& defaults, Factory factory,
                                                 std::shared_ptr<ProcessGroup> group, int64_t bucket_bytes)
    : Optimizer(std::vector<OptimizerParamGroup>{}, defaults.clone()),
      factory_(std::move(factory)),
      group_(std::move(group)) {
  TORCH_CHECK(group_, kZero, ": the process group is null");
  TORCH_CHECK(factory_, kZero, ": the optimizer factory is empty");
  TORCH_CHECK(bucket_bytes > 0, kZero, ": bucket_bytes should be > 0 but is ", bucket_bytes);
  // The wrapper's groups hold every param and the options schedulers set.
  for (const auto& given : param_groups) {
    for (const at::Tensor& param : given.params()) {
      TORCH_CHECK(param.defined() && param.is_leaf(), kZero, ": every param must be a defined leaf tensor");
    }
    OptimizerParamGroup added(given.params());
    added.set_options(given.has_options() ? given.options().clone() : defaults.clone());
    param_groups_.push_back(std::move(added));
  }
  group_->require_same_settings(describe_groups(param_groups_, defaults));
  owners_ = partition(param_groups_, group_->size());
  shard_params_.resize(group_->size());
  for (size_t g = 0; g < param_groups_.size(); ++g) {
    const auto& params = param_groups_[g].params();
    for (size_t i = 0; i < params.size(); ++i) shard_params_[owners_[g][i]].push_back(params[i]);
  }
  for (const auto& params : shard_params_) shard_buckets_.push_back(make_buckets(params, bucket_bytes));
  local_ = factory_(shard_groups(group_->rank(), param_groups_));
}

ZeroRedundancyOptimizer::~ZeroRedundancyOptimizer() = default;

std::vector<torch::optim::OptimizerParamGroup> ZeroRedundancyOptimizer::shard_groups(
    int rank, const std::vector<OptimizerParamGroup>& options_from) const {
  Groups shard;
  for (size_t g = 0; g < param_groups_.size(); ++g) {
    std::vector<at::Tensor> mine;
    const auto& params = param_groups_[g].params();
    for (size_t i = 0; i < params.size(); ++i) {
      if (rank < 0 || owners_[g][i] == rank) mine.push_back(params[i]);
    }
    shard.emplace_back(std::move(mine), options_from[g].options().clone());
  }
  return shard;
}

void ZeroRedundancyOptimizer::sync_options() {
  for (size_t g = 0; g < param_groups_.size(); ++g) {
    local_->param_groups()[g].set_options(param_groups_[g].options().clone());
  }
}

torch::Tensor ZeroRedundancyOptimizer::step(LossClosure closure) {
  torch::Tensor loss;
  if (closure) {
    c10::AutoGradMode enable_grad(true);
    loss = closure();
  }
  sync_options();
  local_->step();
  broadcast_shards();
  ++steps_;
  return loss;
}

void ZeroRedundancyOptimizer::broadcast_shards() {
  if (group_->size() == 1) return;
  c10::NoGradGuard no_grad;
  for (int owner = 0; owner < group_->size(); ++owner) {
    const auto& params = shard_params_[owner];
    for (const FlatBucket& bucket : shard_buckets_[owner]) {
      at::Tensor flat = owner == group_->rank() ? flatten(bucket, params)
                                                : at::empty({bucket.numel}, params[bucket.members[0]].options());
      group_->broadcast(flat, owner);
      if (owner != group_->rank()) unflatten(flat, bucket, params);
    }
  }
}

void ZeroRedundancyOptimizer::consolidate_state(int to) {
  TORCH_CHECK(to >= 0 && to < group_->size(), kZero, ": consolidate_state(to) needs a rank in [0, ",
              group_->size(), ") but got ", to);
  const std::vector<std::string> shards = group_->gather_bytes(bytes_of(*local_), to);
  consolidated_.reset();
  consolidated_at_ = -1;
  if (group_->rank() != to) return;
  auto whole = factory_(shard_groups(-1, param_groups_));
  for (int owner = 0; owner < group_->size(); ++owner) {
    auto shard = factory_(shard_groups(owner, param_groups_));
    torch::serialize::InputArchive archive;
    std::istringstream in(shards[owner]);
    archive.load_from(in);
    shard->load(archive);
    move_state(*shard, *whole, shard_params_[owner]);
  }
  consolidated_ = std::move(whole);
  consolidated_at_ = steps_;
}

void ZeroRedundancyOptimizer::save(torch::serialize::OutputArchive& archive) const {
  TORCH_CHECK(consolidated_, kZero, ": rank ", group_->rank(),
              " holds no consolidated state; call consolidate_state(", group_->rank(),
              ") on every rank, then save() on this one");
  TORCH_CHECK(consolidated_at_ == steps_, kZero, ": the consolidated state is from step ", consolidated_at_,
              " but the optimizer has taken ", steps_, " steps; call consolidate_state() again");
  // Options as they are now: a scheduler may have moved lr since.
  for (size_t g = 0; g < param_groups_.size(); ++g) {
    consolidated_->param_groups()[g].set_options(param_groups_[g].options().clone());
  }
  consolidated_->save(archive);
}

void ZeroRedundancyOptimizer::load(torch::serialize::InputArchive& archive) {
  // Read and check into new objects; swap them in only when all is read.
  auto whole = factory_(shard_groups(-1, param_groups_));
  whole->load(archive);
  auto local = factory_(shard_groups(group_->rank(), whole->param_groups()));
  move_state(*whole, *local, shard_params_[group_->rank()]);
  for (size_t g = 0; g < param_groups_.size(); ++g) {
    param_groups_[g].set_options(whole->param_groups()[g].options().clone());
  }
  local_ = std::move(local);
  consolidated_.reset();
  consolidated_at_ = -1;
}

int64_t ZeroRedundancyOptimizer::local_state_bytes() const { return static_cast<int64_t>(bytes_of(*local_).size()); }

}  // namespace distributed
}  // namespace gradus
