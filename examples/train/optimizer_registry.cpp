#include "optimizer_registry.h"

#include <gradus/gradus.h>
#include <torch/optim/adagrad.h>
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/rmsprop.h>
#include <torch/optim/sgd.h>

#include <algorithm>
#include <sstream>
#include <type_traits>

namespace gradus {
namespace examples {
namespace {

// gradus-train's lr for an optimizer whose options have none (SGD).
constexpr double kLrWhenRequired = 0.01;

std::string text_of(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

// An options type's fields, as its declaration's visit() lists them.
struct SpecCollector {
  std::vector<OptionSpec>& out;
  void operator()(const char* name, double v) const { out.push_back({name, OptionKind::kReal, text_of(v)}); }
  void operator()(const char* name, bool v) const { out.push_back({name, OptionKind::kFlag, v ? "on" : "off"}); }
  void operator()(const char* name, int64_t v) const { out.push_back({name, OptionKind::kInteger, std::to_string(v)}); }
  void operator()(const char* name, const std::string& v) const { out.push_back({name, OptionKind::kText, v}); }
  void operator()(const char* name, const std::tuple<double, double>& v) const {
    out.push_back({name, OptionKind::kPair, text_of(std::get<0>(v)) + " " + text_of(std::get<1>(v))});
  }
  void operator()(const char* name, const std::tuple<double, double, double>& v) const {
    out.push_back({name, OptionKind::kTriple,
                   text_of(std::get<0>(v)) + " " + text_of(std::get<1>(v)) + " " + text_of(std::get<2>(v))});
  }
  // Adafactor's (eps1, eps2): --eps and --eps2.
  void operator()(const char* name, const std::tuple<std::optional<double>, double>& v) const {
    const auto& first = std::get<0>(v);
    out.push_back({name, OptionKind::kReal, first ? text_of(*first) : "the dtype's machine epsilon"});
    out.push_back({kSecondEps, OptionKind::kReal, text_of(std::get<1>(v))});
  }
};

// Sets an options type's fields that the config gives.
struct ConfigApplier {
  const OptimizerConfig& config;
  template <class T>
  const T* given(const std::string& name) const {
    const auto it = config.options.find(name);
    return it == config.options.end() ? nullptr : std::get_if<T>(&it->second);
  }
  void operator()(const char* name, double& v) const {
    if (const auto* x = given<double>(name)) v = *x;
  }
  void operator()(const char* name, bool& v) const {
    if (const auto* x = given<bool>(name)) v = *x;
  }
  void operator()(const char* name, int64_t& v) const {
    if (const auto* x = given<int64_t>(name)) v = *x;
  }
  void operator()(const char* name, std::string& v) const {
    if (const auto* x = given<std::string>(name)) v = *x;
  }
  void operator()(const char* name, std::tuple<double, double>& v) const {
    if (const auto* x = given<std::vector<double>>(name)) v = std::make_tuple(x->at(0), x->at(1));
  }
  void operator()(const char* name, std::tuple<double, double, double>& v) const {
    if (const auto* x = given<std::vector<double>>(name)) v = std::make_tuple(x->at(0), x->at(1), x->at(2));
  }
  void operator()(const char* name, std::tuple<std::optional<double>, double>& v) const {
    if (const auto* x = given<double>(name)) std::get<0>(v) = *x;
    if (const auto* x = given<double>(kSecondEps)) std::get<1>(v) = *x;
  }
};

template <class Options>
Options options_from(const OptimizerConfig& config) {
  Options options = [&] {
    if constexpr (std::is_default_constructible_v<Options>) {
      return config.lr ? Options(*config.lr) : Options();
    } else {
      return Options(config.lr.value_or(kLrWhenRequired));
    }
  }();
  Options::visit(options, ConfigApplier{config});
  options.state_precision(optim::state_precision_from_string(config.state_precision))
      .compensation(optim::compensation_from_string(config.compensation));
  return options;
}

template <class Optimizer, class Options = typename Optimizer::Options>
OptimizerEntry entry(const std::string& name, const std::string& companion = "") {
  OptimizerEntry e;
  e.name = name;
  e.class_name = std::string(Options::kOptimizer).substr(std::string("gradus::optim::").size());
  e.companion = companion;
  e.schedule_free = std::is_base_of_v<optim::TrainEvalModes, Optimizer>;
  const Options defaults = options_from<Options>(OptimizerConfig{});
  Options::visit(defaults, SpecCollector{e.options});
  e.make = [](Params params, const OptimizerConfig& c) -> OptimizerPtr {
    // Through a param group: a ZeRO shard may hold no params.
    return std::make_unique<Optimizer>(std::vector<torch::optim::OptimizerParamGroup>{std::move(params)},
                                       options_from<Options>(c));
  };
  e.make_options = [](const OptimizerConfig& c) -> std::unique_ptr<torch::optim::OptimizerOptions> {
    return std::make_unique<Options>(options_from<Options>(c));
  };
  return e;
}

// Entries of optimizers with a LibTorch twin: `make(gradus options)` gives
// the twin's options, from the options they share.
template <class Optimizer, class Builtin, class Options, class Make>
OptimizerEntry with_builtin(const std::string& name, std::vector<std::string> shared, Make make) {
  OptimizerEntry e = entry<Optimizer, Options>(name);
  e.builtin_options = std::move(shared);
  e.make_builtin = [make](Params params, const OptimizerConfig& c) -> OptimizerPtr {
    return std::make_unique<Builtin>(std::move(params), make(options_from<Options>(c)));
  };
  return e;
}

std::vector<OptimizerEntry> make_registry() {
  namespace builtin = torch::optim;
  return {
      with_builtin<optim::SGD, builtin::SGD, optim::SGDOptions>(
          "sgd", {"momentum", "dampening", "weight_decay", "nesterov"}, [](const optim::SGDOptions& o) {
            return builtin::SGDOptions(o.lr()).momentum(o.momentum()).dampening(o.dampening())
                .weight_decay(o.weight_decay()).nesterov(o.nesterov());
          }),
      with_builtin<optim::Adam, builtin::Adam, optim::AdamOptions>(
          "adam", {"betas", "eps", "weight_decay", "amsgrad"}, [](const optim::AdamOptions& o) {
            return builtin::AdamOptions(o.lr()).betas(o.betas()).eps(o.eps()).weight_decay(o.weight_decay())
                .amsgrad(o.amsgrad());
          }),
      with_builtin<optim::AdamW, builtin::AdamW, optim::AdamWOptions>(
          "adamw", {"betas", "eps", "weight_decay", "amsgrad"}, [](const optim::AdamWOptions& o) {
            return builtin::AdamWOptions(o.lr()).betas(o.betas()).eps(o.eps()).weight_decay(o.weight_decay())
                .amsgrad(o.amsgrad());
          }),
      with_builtin<optim::Adagrad, builtin::Adagrad, optim::AdagradOptions>(
          "adagrad", {"lr_decay", "weight_decay", "initial_accumulator_value", "eps"},
          [](const optim::AdagradOptions& o) {
            return builtin::AdagradOptions(o.lr()).lr_decay(o.lr_decay()).weight_decay(o.weight_decay())
                .initial_accumulator_value(o.initial_accumulator_value()).eps(o.eps());
          }),
      with_builtin<optim::RMSprop, builtin::RMSprop, optim::RMSpropOptions>(
          "rmsprop", {"alpha", "eps", "weight_decay", "momentum", "centered"}, [](const optim::RMSpropOptions& o) {
            return builtin::RMSpropOptions(o.lr()).alpha(o.alpha()).eps(o.eps()).weight_decay(o.weight_decay())
                .momentum(o.momentum()).centered(o.centered());
          }),
      entry<optim::Adadelta>("adadelta"),
      entry<optim::Adamax>("adamax"),
      entry<optim::RAdam>("radam"),
      entry<optim::Rprop>("rprop"),
      entry<optim::NAdam>("nadam"),
      entry<optim::ASGD>("asgd"),
      entry<optim::Lion>("lion"),
      entry<optim::ADOPT>("adopt"),
      entry<optim::AdEMAMix>("ademamix"),
      entry<optim::LAMB>("lamb"),
      entry<optim::LARS>("lars"),
      entry<optim::SGDScheduleFree>("sgd-schedulefree"),
      entry<optim::AdamWScheduleFree>("adamw-schedulefree"),
      entry<optim::RAdamScheduleFree>("radam-schedulefree"),
      entry<optim::Adafactor>("adafactor"),
      entry<optim::Muon>("muon", "adamw"),
      entry<optim::SparseAdam>("sparse_adam", "adam"),
  };
}

}  // namespace

bool OptimizerEntry::reads(const std::string& option) const {
  return std::any_of(options.begin(), options.end(), [&](const OptionSpec& o) { return o.name == option; });
}

const std::vector<OptimizerEntry>& optimizer_registry() {
  static const std::vector<OptimizerEntry> registry = make_registry();
  return registry;
}

const OptimizerEntry& optimizer_entry(const std::string& name) {
  for (const OptimizerEntry& e : optimizer_registry()) {
    if (e.name == name) return e;
  }
  std::string known;
  for (const std::string& n : optimizer_names()) known += (known.empty() ? "" : ", ") + n;
  TORCH_CHECK(false, "unknown --optimizer '", name, "' (", known, ")");
}

std::vector<std::string> optimizer_names(bool with_builtin_only) {
  std::vector<std::string> names;
  for (const OptimizerEntry& e : optimizer_registry()) {
    if (!with_builtin_only || e.make_builtin) names.push_back(e.name);
  }
  return names;
}

std::string flag_of(const std::string& option) {
  std::string flag = "--" + option;
  std::replace(flag.begin(), flag.end(), '_', '-');
  return flag;
}

}  // namespace examples
}  // namespace gradus
