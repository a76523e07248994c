#include "run_plan.h"

#include <c10/util/Exception.h>

#include <algorithm>

#include "optimizer_registry.h"

namespace gradus {
namespace examples {

namespace {

// A name given twice would train the same run twice under one label.
void refuse_repeats(const std::vector<std::string>& names, const char* flag) {
  auto same = [](std::string name) { return name == "none" ? std::string("constant") : name; };
  for (size_t i = 0; i < names.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      TORCH_CHECK(same(names[i]) != same(names[j]), flag, " names ", names[j],
                  names[i] == names[j] ? "" : " (" + names[i] + ")", " twice; each run would be the same");
    }
  }
}

}  // namespace

std::vector<PlannedRun> plan_runs(const TrainConfig& base, const Shootout& shootout) {
  refuse_repeats(shootout.optimizers, "--optimizers");
  refuse_repeats(shootout.schedulers, "--schedulers");
  refuse_repeats(shootout.builtin, "--builtin");
  const auto optimizers = shootout.optimizers.empty() ? std::vector<std::string>{base.optimizer.name} : shootout.optimizers;
  const auto schedulers = shootout.schedulers.empty() ? std::vector<std::string>{base.scheduler.name} : shootout.schedulers;
  const bool grid = optimizers.size() > 1 || schedulers.size() > 1 || !shootout.builtin.empty();
  for (const auto& [name, lr] : shootout.lr_of) {
    const bool used = std::count(optimizers.begin(), optimizers.end(), name) > 0 ||
                      std::count(shootout.builtin.begin(), shootout.builtin.end(), name) > 0;
    TORCH_CHECK(used, "--lr-of ", name, "=", lr, ": no run uses optimizer '", name, "'");
  }
  auto make = [&](const std::string& optimizer, const std::string& scheduler, const std::string& impl) {
    PlannedRun run{base, impl};
    run.config.optimizer.name = optimizer;
    run.config.scheduler.name = scheduler;
    const auto lr = shootout.lr_of.find(optimizer);
    if (lr != shootout.lr_of.end()) run.config.optimizer.lr = lr->second;
    if (grid) run.config.label = impl + " " + optimizer + ", " + scheduler;
    return run;
  };
  std::vector<PlannedRun> runs;
  for (const auto& optimizer : optimizers) {
    // Schedule-Free takes no schedule: in a grid, only the constant lr (the point).
    const bool constant_only = grid && optimizer_entry(optimizer).schedule_free;
    for (const auto& scheduler : schedulers) {
      if (constant_only && scheduler != "constant" && scheduler != "none") continue;
      if (base.compare || base.impl == "gradus") runs.push_back(make(optimizer, scheduler, "gradus"));
      if (base.compare || base.impl == "builtin") runs.push_back(make(optimizer, scheduler, "builtin"));
    }
  }
  for (const auto& optimizer : shootout.builtin) runs.push_back(make(optimizer, schedulers.front(), "builtin"));
  TORCH_CHECK(runs.size() == 1 || (base.checkpoint.empty() && base.resume.empty()),
              "--checkpoint and --resume take a single run, not ", runs.size());
  return runs;
}

}  // namespace examples
}  // namespace gradus
