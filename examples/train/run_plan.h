#pragma once
// The runs one gradus-train command asks for: one run, a gradus/built-in
// pair (--compare-builtin), or a shoot-out grid of optimizers x schedules.
#include <map>
#include <string>
#include <vector>

#include "train_config.h"

namespace gradus {
namespace examples {

struct PlannedRun {
  TrainConfig config;
  std::string impl;  // gradus or builtin
};

struct Shootout {
  std::vector<std::string> optimizers, schedulers;  // empty: the single --optimizer, --scheduler
  std::vector<std::string> builtin;                 // also these built-in optimizers, with the first schedule
  std::map<std::string, double> lr_of;              // per optimizer, over --lr and the defaults
};

// Every run, in order: each optimizer with each schedule (gradus, and its
// built-in twin with --compare-builtin), then the --builtin runs. In a grid,
// a Schedule-Free optimizer runs only with the constant (or no) schedule. Throws on
// an lr_of name that no run uses, and on --checkpoint/--resume with several runs.
std::vector<PlannedRun> plan_runs(const TrainConfig& base, const Shootout& shootout);

}  // namespace examples
}  // namespace gradus
