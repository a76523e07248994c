#pragma once
// The runs one gradus-train command asks for: one run, a gradus/built-in
// pair (--compare-builtin), or a shoot-out grid of optimizers x schedules
// x precisions.
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
  std::vector<std::string> precisions;              // empty: the single --param-dtype, --state-precision, --compensation
};

// Sets a run's --param-dtype, --compensation and --state-precision from one
// entry of --precisions: '+'-joined words, fp32 or bf16 (the params),
// kahan or sr, bf16-state or int8-state, e.g. bf16+kahan+int8-state; what
// is left out is fp32, none, float32. Throws naming a word it does not know
// or one given twice.
void apply_precision(const std::string& precision, TrainConfig& config);

// Every run, in order: each optimizer with each schedule, gradus in each
// precision, and its built-in twin with --compare-builtin; then the
// --builtin runs. The built-in runs keep float32 (LibTorch's optimizers
// have no other state). In a grid, a Schedule-Free optimizer runs only with
// the constant (or no) schedule. Throws on an lr_of name that no run uses,
// on a precision given twice, and on --checkpoint/--resume with several runs.
std::vector<PlannedRun> plan_runs(const TrainConfig& base, const Shootout& shootout);

}  // namespace examples
}  // namespace gradus
