#pragma once
// gradus-train's checkpoint: the model, the optimizers and schedules, the
// smoothed loss loss-adaptive follows, the epochs done, and the settings a
// resumed run must share (dataset, model, optimizer, implementation,
// schedule).
#include <c10/core/Device.h>
#include <torch/nn/modules/container/sequential.h>

#include <string>

#include "run_metrics.h"
#include "stepping.h"
#include "train_config.h"

namespace gradus {
namespace examples {

// Writes in memory, then one checked, atomic write (output_files.h).
void save_checkpoint(const std::string& path, const TrainConfig& config, torch::nn::Sequential& model,
                     Stepping& stepping, const RunMetrics& metrics);

// Throws, naming the file and what differs, for a file that is unreadable,
// from another configuration, or holds NaN or infinite weights. Appends the
// epochs done to metrics.epochs.
void load_checkpoint(const std::string& path, const TrainConfig& config, torch::nn::Sequential& model,
                     Stepping& stepping, RunMetrics& metrics, const at::Device& device);

}  // namespace examples
}  // namespace gradus
