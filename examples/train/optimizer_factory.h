#pragma once
// Builds the optimizer (gradus or LibTorch's built-in) and the schedule a
// TrainConfig names.
#include <gradus/schedulers/lr_scheduler.h>
#include <torch/optim/optimizer.h>

#include <memory>

#include "train_config.h"

namespace gradus {
namespace examples {

// impl: "gradus" or "builtin". Throws naming the optimizer LibTorch lacks.
std::unique_ptr<torch::optim::Optimizer> make_optimizer(const OptimizerConfig& config, const std::string& impl,
                                                        std::vector<at::Tensor> params);

// When a schedule advances.
enum class Cadence { kNone, kPerBatch, kPerBatchWithLoss, kPerEpoch, kPerEpochWithMetric };

struct Schedule {
  std::shared_ptr<schedulers::LRScheduler> scheduler;  // null for "none"
  Cadence cadence = Cadence::kNone;
};

Schedule make_schedule(const TrainConfig& config, torch::optim::Optimizer& optimizer, int64_t steps_per_epoch);

}  // namespace examples
}  // namespace gradus
