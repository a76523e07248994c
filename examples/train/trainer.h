#pragma once
// One training run: a model, an optimizer (gradus or built-in) and a
// schedule, on a dataset, with evaluation after every epoch.
#include "datasets.h"
#include "ranks.h"
#include "run_metrics.h"
#include "train_config.h"

namespace gradus {
namespace examples {

// impl: "gradus" or "builtin". The model's initial weights depend on
// config.seed only, so two runs with the same seed start identically.
// A run that diverges (a non-finite loss) stops and says why in
// RunMetrics::diverged. With several ranks, each takes its share of every
// batch and of the test set; the metrics are the job's, on every rank.
RunMetrics train(const TrainConfig& config, const Dataset& data, const std::string& impl, const Ranks& ranks = {});

// Throws what train() would throw before its first step (options, model,
// schedule, device, an empty set, a checkpoint to resume), without training.
void check_run(const TrainConfig& config, const Dataset& data, const std::string& impl);

}  // namespace examples
}  // namespace gradus
