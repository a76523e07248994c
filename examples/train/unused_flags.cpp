#include "unused_flags.h"

#include <algorithm>

#include "optimizer_flags.h"

namespace gradus {
namespace examples {
namespace {

// Which optimizers (or schedules) read each flag, for the flags only some do.
struct FlagUse {
  std::string flag;
  std::vector<std::string> users;
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
    if (!read) return f.flag + " does nothing with " + kind + " " + joined(used) + " (it is for " + joined(f.users) + ")";
  }
  return "";
}

// The optimizer flags, from the registry: an option's flag is for the
// optimizers whose declaration has that option.
std::vector<FlagUse> optimizer_flags() {
  std::vector<FlagUse> uses;
  for (const std::string& option : optimizer_option_names()) {
    if (option != "lr") uses.push_back({flag_of(option), optimizers_reading(option)});
  }
  return uses;
}

}  // namespace

std::string flag_doing_nothing(const CLI::App& app, const std::vector<std::string>& optimizers,
                               const std::vector<std::string>& schedulers) {
  const std::string problem = doing_nothing(app, optimizer_flags(), optimizers, "--optimizer");
  return problem.empty() ? doing_nothing(app, kSchedulerFlags, schedulers, "--scheduler") : problem;
}

}  // namespace examples
}  // namespace gradus
