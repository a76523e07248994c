#pragma once
// Builds the optimizer (gradus or LibTorch's built-in) and the schedule a
// TrainConfig names.
#include <gradus/schedulers/lr_scheduler.h>
#include <torch/optim/optimizer.h>

namespace torch {
namespace nn {
class Module;
}
}  // namespace torch

#include <memory>

#include "train_config.h"

namespace gradus {
namespace examples {

// impl: "gradus" or "builtin". Throws naming the optimizer LibTorch lacks.
std::unique_ptr<torch::optim::Optimizer> make_optimizer(const OptimizerConfig& config, const std::string& impl,
                                                        std::vector<at::Tensor> params);

// The companion (AdamW for Muon, Adam for SparseAdam) over `params`; null if none.
std::unique_ptr<torch::optim::Optimizer> make_companion(const OptimizerConfig& config, std::vector<at::Tensor> params);

// The optimizer the config names over the model's parameters it takes, and
// a companion for the rest where it takes only some (Muon, SparseAdam: see
// OptimizerConfig::companion_lr); step both.
struct Optimizers {
  std::unique_ptr<torch::optim::Optimizer> main;
  std::unique_ptr<torch::optim::Optimizer> companion;  // null when main takes everything
};
Optimizers make_optimizers(const OptimizerConfig& config, const std::string& impl, const torch::nn::Module& model);

// When a schedule advances.
enum class Cadence { kNone, kPerBatch, kPerBatchWithLoss, kPerEpoch, kPerEpochWithMetric };

struct Schedule {
  std::shared_ptr<schedulers::LRScheduler> scheduler;  // null for "none"
  Cadence cadence = Cadence::kNone;
};

// The config a companion's schedule is made from: its own optimizer and lr,
// and a --max-lr scaled by companion_lr / lr.
TrainConfig companion_config(const TrainConfig& config);

Schedule make_schedule(const TrainConfig& config, torch::optim::Optimizer& optimizer, int64_t steps_per_epoch);

}  // namespace examples
}  // namespace gradus
