#pragma once
// gradus-train's optimizer flags: one for every option of every optimizer of
// the registry (optimizer_registry.h), named after the option
// (weight_decay: --weight-decay), with each optimizer's default in --help.
#include <CLI/CLI.hpp>

#include <map>
#include <string>
#include <vector>

#include "optimizer_registry.h"
#include "train_config.h"

namespace gradus {
namespace examples {

class OptimizerFlags {
 public:
  // Adds the flags to `app`, --lr and --companion-lr among them.
  void add_to(CLI::App& app, OptimizerConfig& config);
  // After parsing: the values of the flags given, into config.options.
  void store(const CLI::App& app, OptimizerConfig& config) const;

 private:
  std::map<std::string, OptionKind> kinds_;  // every option name of the registry
  std::map<std::string, double> reals_;
  std::map<std::string, bool> flags_;
  std::map<std::string, int64_t> integers_;
  std::map<std::string, std::string> texts_;
  std::map<std::string, std::vector<double>> tuples_;
};

// Every option name of the registry (lr and companion_lr included), in order.
std::vector<std::string> optimizer_option_names();
// The optimizers of the registry that read `option`.
std::vector<std::string> optimizers_reading(const std::string& option);

}  // namespace examples
}  // namespace gradus
