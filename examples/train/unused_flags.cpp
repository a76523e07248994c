#include "unused_flags.h"

#include <algorithm>

namespace gradus {
namespace examples {
namespace {

// Which optimizers (or schedules) read each flag, for the flags only some do.
struct FlagUse {
  const char* flag;
  std::vector<std::string> users;
};
const std::vector<FlagUse> kOptimizerFlags = {
    {"--momentum", {"sgd", "rmsprop", "muon"}},
    {"--dampening", {"sgd"}},
    {"--nesterov", {"sgd", "muon"}},
    {"--betas", {"adam", "adamw", "adamax", "radam", "nadam", "sparse_adam"}},
    {"--eps", {"adam", "adamw", "adagrad", "rmsprop", "adadelta", "adamax", "radam", "nadam", "adafactor", "muon",
               "sparse_adam"}},
    {"--weight-decay", {"sgd", "adam", "adamw", "adagrad", "rmsprop", "adadelta", "adamax", "radam", "nadam", "asgd",
                        "adafactor", "muon"}},
    {"--amsgrad", {"adam", "adamw"}},
    {"--decoupled-weight-decay", {"radam", "nadam"}},
    {"--momentum-decay", {"nadam"}},
    {"--alpha", {"rmsprop", "asgd"}},
    {"--lambd", {"asgd"}},
    {"--t0", {"asgd"}},
    {"--beta2-decay", {"adafactor"}},
    {"--d", {"adafactor"}},
    {"--eps2", {"adafactor"}},
    {"--ns-steps", {"muon"}},
    {"--adjust-lr-fn", {"muon"}},
    {"--companion-lr", {"muon", "sparse_adam"}},
    {"--centered", {"rmsprop"}},
    {"--rho", {"adadelta"}},
    {"--etas", {"rprop"}},
    {"--step-sizes", {"rprop"}},
    {"--lr-decay", {"adagrad"}},
    {"--initial-accumulator-value", {"adagrad"}},
};
const std::vector<FlagUse> kSchedulerFlags = {
    {"--step-size", {"step"}},
    {"--milestones", {"multistep"}},
    {"--gamma", {"step", "multistep", "exponential"}},
    {"--end-factor", {"linear-decay", "wsd"}},
    {"--min-loss", {"loss-adaptive"}},
    {"--warmup-fraction", {"warmup-cosine", "wsd"}},
    {"--decay-fraction", {"wsd"}},
    {"--eta-min", {"cosine", "warmup-cosine"}},
    {"--max-lr", {"onecycle", "cyclic"}},
    {"--pct-start", {"onecycle"}},
    {"--patience", {"plateau"}},
    {"--factor", {"plateau"}},
};

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string doing_nothing(const CLI::App& app, const std::vector<FlagUse>& table, const std::vector<std::string>& used,
                          const char* kind) {
  for (const FlagUse& f : table) {
    if (app.count(f.flag) == 0) continue;
    const bool read = std::any_of(used.begin(), used.end(), [&](const std::string& u) {
      return std::find(f.users.begin(), f.users.end(), u) != f.users.end();
    });
    if (!read) return std::string(f.flag) + " does nothing with " + kind + " " + joined(used) + " (it is for " + joined(f.users) + ")";
  }
  return "";
}

}  // namespace

std::string flag_doing_nothing(const CLI::App& app, const std::vector<std::string>& optimizers,
                               const std::vector<std::string>& schedulers) {
  const std::string problem = doing_nothing(app, kOptimizerFlags, optimizers, "--optimizer");
  return problem.empty() ? doing_nothing(app, kSchedulerFlags, schedulers, "--scheduler") : problem;
}

}  // namespace examples
}  // namespace gradus
