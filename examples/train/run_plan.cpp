#include "run_plan.h"

#include <c10/util/Exception.h>

#include <algorithm>
#include <map>

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

// The settings of a precision, to tell two spellings of one apart.
std::string settings_of(const TrainConfig& c) {
  return c.param_dtype + " " + c.optimizer.compensation + " " + c.optimizer.state_precision;
}

}  // namespace

void apply_precision(const std::string& precision, TrainConfig& config) {
  // Each word: the setting it is for, the flag's value it stands for.
  struct Word {
    const char* setting;
    std::string* field;
    const char* value;
  };
  const std::map<std::string, Word> words = {
      {"fp32", {"params", &config.param_dtype, "fp32"}},
      {"bf16", {"params", &config.param_dtype, "bf16"}},
      {"kahan", {"rounding", &config.optimizer.compensation, "kahan"}},
      {"sr", {"rounding", &config.optimizer.compensation, "stochastic_rounding"}},
      {"bf16-state", {"state", &config.optimizer.state_precision, "bfloat16"}},
      {"int8-state", {"state", &config.optimizer.state_precision, "int8"}}};
  config.param_dtype = "fp32";
  config.optimizer.compensation = "none";
  config.optimizer.state_precision = "float32";
  std::vector<std::string> seen;
  size_t start = 0;
  while (start <= precision.size()) {
    const size_t end = std::min(precision.find('+', start), precision.size());
    const std::string word = precision.substr(start, end - start);
    start = end + 1;
    const auto w = words.find(word);
    TORCH_CHECK(w != words.end(), "--precisions ", precision, ": '", word,
                "' is not one of fp32, bf16, kahan, sr, bf16-state, int8-state (joined by +)");
    // Two words for one setting (bf16+fp32, kahan+sr) would leave one unused.
    const std::string setting = w->second.setting;
    TORCH_CHECK(std::count(seen.begin(), seen.end(), setting) == 0, "--precisions ", precision,
                ": two words for the ", setting, " (one of each: fp32 or bf16, kahan or sr, bf16-state or int8-state)");
    seen.push_back(setting);
    *w->second.field = w->second.value;
  }
}

std::vector<PlannedRun> plan_runs(const TrainConfig& base, const Shootout& shootout) {
  refuse_repeats(shootout.optimizers, "--optimizers");
  refuse_repeats(shootout.schedulers, "--schedulers");
  refuse_repeats(shootout.builtin, "--builtin");
  const auto optimizers = shootout.optimizers.empty() ? std::vector<std::string>{base.optimizer.name} : shootout.optimizers;
  const auto schedulers = shootout.schedulers.empty() ? std::vector<std::string>{base.scheduler.name} : shootout.schedulers;
  const auto precisions = shootout.precisions.empty() ? std::vector<std::string>{""} : shootout.precisions;
  const bool grid = optimizers.size() > 1 || schedulers.size() > 1 || precisions.size() > 1 || !shootout.builtin.empty();
  std::vector<std::string> settings;
  for (const auto& precision : shootout.precisions) {
    TrainConfig c = base;
    apply_precision(precision, c);
    const auto same = std::find(settings.begin(), settings.end(), settings_of(c));
    if (same != settings.end()) {
      const std::string& first = shootout.precisions[same - settings.begin()];
      TORCH_CHECK(false, "--precisions names ", first, first == precision ? "" : " (" + precision + ")",
                  " twice; each run would be the same");
    }
    settings.push_back(settings_of(c));
  }
  for (const auto& [name, lr] : shootout.lr_of) {
    const bool used = std::count(optimizers.begin(), optimizers.end(), name) > 0 ||
                      std::count(shootout.builtin.begin(), shootout.builtin.end(), name) > 0;
    TORCH_CHECK(used, "--lr-of ", name, "=", lr, ": no run uses optimizer '", name, "'");
  }
  auto make = [&](const std::string& optimizer, const std::string& scheduler, const std::string& impl,
                  const std::string& precision = "") {
    PlannedRun run{base, impl};
    run.config.optimizer.name = optimizer;
    run.config.scheduler.name = scheduler;
    if (!shootout.precisions.empty()) apply_precision(impl == "gradus" ? precision : "fp32", run.config);
    const auto lr = shootout.lr_of.find(optimizer);
    if (lr != shootout.lr_of.end()) run.config.optimizer.lr = lr->second;
    if (grid) run.config.label = impl + " " + optimizer + ", " + scheduler;
    if (precisions.size() > 1 && impl == "gradus") run.config.label += ", " + precision;
    return run;
  };
  std::vector<PlannedRun> runs;
  for (const auto& optimizer : optimizers) {
    // Schedule-Free takes no schedule: in a grid, only the constant lr (the point).
    const bool constant_only = grid && optimizer_entry(optimizer).schedule_free;
    for (const auto& scheduler : schedulers) {
      if (constant_only && scheduler != "constant" && scheduler != "none") continue;
      if (base.compare || base.impl == "gradus") {
        for (const auto& precision : precisions) runs.push_back(make(optimizer, scheduler, "gradus", precision));
      }
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
