#pragma once
// gradus-train's one table of optimizers. Each entry names an optimizer and
// what it needs beyond its options; the options themselves (their names,
// types and defaults) come from the library's declaration of the optimizer,
// by visiting its options type. The flag parser, --help, the factory and
// the unused-flag check all read this table.
#include <torch/optim/optimizer.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "train_config.h"

namespace gradus {
namespace examples {

// How an option is given on the command line.
enum class OptionKind { kReal, kFlag, kPair, kTriple, kInteger, kText };

// One option of an optimizer, as its declaration has it.
struct OptionSpec {
  std::string name;           // e.g. weight_decay, the flag --weight-decay
  OptionKind kind;
  std::string default_value;  // for --help
};

using Params = std::vector<at::Tensor>;
using OptimizerPtr = std::unique_ptr<torch::optim::Optimizer>;

struct OptimizerEntry {
  std::string name;                  // --optimizer's value
  std::string class_name;            // gradus's (and LibTorch's) name, e.g. SparseAdam
  std::vector<OptionSpec> options;   // lr first
  // The gradus optimizer over `params`, its options from `config`.
  std::function<OptimizerPtr(Params, const OptimizerConfig&)> make;
  // Its options alone (for what a schedule may cycle).
  std::function<std::unique_ptr<torch::optim::OptimizerOptions>(const OptimizerConfig&)> make_options;
  // LibTorch's built-in twin, or null; `builtin_options` are the options it shares.
  std::function<OptimizerPtr(Params, const OptimizerConfig&)> make_builtin;
  std::vector<std::string> builtin_options;
  // The optimizer that takes the params this one does not (Muon: AdamW for
  // all but the hidden 2-D weights; SparseAdam: Adam for all but the sparse
  // embedding), or "" when it takes them all.
  std::string companion;
  // Schedule-Free needs no lr schedule: a shoot-out runs it with a constant lr only.
  bool schedule_free = false;

  bool reads(const std::string& option) const;
};

// Every optimizer gradus-train knows, in --help's order.
const std::vector<OptimizerEntry>& optimizer_registry();
// Throws, naming the known ones, for an unknown name.
const OptimizerEntry& optimizer_entry(const std::string& name);
// The names of the entries (with a built-in twin only, if asked).
std::vector<std::string> optimizer_names(bool with_builtin_only = false);

// The flag of an option name: weight_decay -> --weight-decay.
std::string flag_of(const std::string& option);

// Adafactor's (eps1, eps2) is given as --eps and --eps2.
constexpr const char* kSecondEps = "eps2";

}  // namespace examples
}  // namespace gradus
