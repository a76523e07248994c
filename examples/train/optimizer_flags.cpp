#include "optimizer_flags.h"

#include <algorithm>

namespace gradus {
namespace examples {
namespace {

// "sgd 0, rmsprop 0, muon 0.95": each optimizer that reads `option`, with its default.
std::string defaults_of(const std::string& option) {
  std::string text;
  for (const OptimizerEntry& e : optimizer_registry()) {
    for (const OptionSpec& spec : e.options) {
      if (spec.name == option) text += (text.empty() ? "" : ", ") + e.name + " " + spec.default_value;
    }
  }
  return text;
}

}  // namespace

std::vector<std::string> optimizer_option_names() {
  std::vector<std::string> names;
  for (const OptimizerEntry& e : optimizer_registry()) {
    for (const OptionSpec& spec : e.options) {
      if (std::find(names.begin(), names.end(), spec.name) == names.end()) names.push_back(spec.name);
    }
  }
  names.push_back("companion_lr");
  return names;
}

std::vector<std::string> optimizers_reading(const std::string& option) {
  std::vector<std::string> readers;
  for (const OptimizerEntry& e : optimizer_registry()) {
    if (option == "lr" || e.reads(option) || (option == "companion_lr" && !e.companion.empty())) {
      readers.push_back(e.name);
    }
  }
  return readers;
}

void OptimizerFlags::add_to(CLI::App& app, OptimizerConfig& config) {
  app.add_option("--lr", config.lr, "learning rate (default: the optimizer's; SGD, which has none: 0.01)");
  app.add_option("--companion-lr", config.companion_lr,
                 "the lr of Muon's AdamW and SparseAdam's Adam, which take the other parameters");
  for (const OptimizerEntry& e : optimizer_registry()) {
    for (const OptionSpec& spec : e.options) {
      if (spec.name == "lr" || kinds_.count(spec.name)) continue;
      kinds_[spec.name] = spec.kind;
      const std::string flag = flag_of(spec.name), help = defaults_of(spec.name);
      switch (spec.kind) {
        case OptionKind::kReal: app.add_option(flag, reals_[spec.name], help); break;
        case OptionKind::kInteger: app.add_option(flag, integers_[spec.name], help); break;
        case OptionKind::kText: app.add_option(flag, texts_[spec.name], help); break;
        case OptionKind::kPair: app.add_option(flag, tuples_[spec.name], help)->expected(2); break;
        case OptionKind::kTriple: app.add_option(flag, tuples_[spec.name], help)->expected(3); break;
        case OptionKind::kFlag:
          app.add_flag(flag + "{true},--no-" + flag.substr(2) + "{false}", flags_[spec.name], help);
          break;
      }
    }
  }
}

void OptimizerFlags::store(const CLI::App& app, OptimizerConfig& config) const {
  for (const auto& [name, kind] : kinds_) {
    if (app.count(flag_of(name)) == 0) continue;
    switch (kind) {
      case OptionKind::kReal: config.options[name] = reals_.at(name); break;
      case OptionKind::kInteger: config.options[name] = integers_.at(name); break;
      case OptionKind::kText: config.options[name] = texts_.at(name); break;
      case OptionKind::kPair:
      case OptionKind::kTriple: config.options[name] = tuples_.at(name); break;
      case OptionKind::kFlag: config.options[name] = flags_.at(name); break;
    }
  }
}

}  // namespace examples
}  // namespace gradus
