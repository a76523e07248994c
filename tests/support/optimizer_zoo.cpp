#include "support/optimizer_zoo.h"

#include <gradus/gradus.h>

namespace gradus {
namespace testing {
namespace {

template <class Optimizer, class Options>
OptimizerFactory factory(const std::string& name, Options options, bool float_math = true) {
  return {name,
          [options](GroupList groups) -> std::unique_ptr<optim::FusedOptimizer> {
            return std::make_unique<Optimizer>(std::move(groups), options);
          },
          float_math};
}

// Schedule-Free optimizers start in eval mode, as the reference's: train()
// before stepping.
template <class Optimizer, class Options>
OptimizerFactory training(const std::string& name, Options options) {
  return {name, [options](GroupList groups) -> std::unique_ptr<optim::FusedOptimizer> {
            auto optimizer = std::make_unique<Optimizer>(std::move(groups), options);
            optimizer->train();
            return optimizer;
          }};
}

}  // namespace

std::vector<OptimizerFactory> all_optimizers() {
  return {
      factory<optim::SGD>("gradus::optim::SGD",
                          optim::SGDOptions(0.05).momentum(0.9).nesterov(true).weight_decay(0.01)),
      factory<optim::Adam>("gradus::optim::Adam", optim::AdamOptions(0.01).amsgrad(true).weight_decay(0.01)),
      factory<optim::AdamW>("gradus::optim::AdamW", optim::AdamWOptions(0.01).amsgrad(true)),
      factory<optim::Adagrad>("gradus::optim::Adagrad",
                              optim::AdagradOptions(0.05).lr_decay(0.01).initial_accumulator_value(0.1)),
      factory<optim::RMSprop>("gradus::optim::RMSprop",
                              optim::RMSpropOptions(0.002).centered(true).momentum(0.5)),
      factory<optim::Adadelta>("gradus::optim::Adadelta", optim::AdadeltaOptions(1.0).weight_decay(0.01)),
      factory<optim::Adamax>("gradus::optim::Adamax",
                             optim::AdamaxOptions(0.01).betas(std::make_tuple(0.8, 0.99)).weight_decay(0.01)),
      factory<optim::RAdam>("gradus::optim::RAdam",
                            optim::RAdamOptions(0.01).weight_decay(0.01).decoupled_weight_decay(true)),
      factory<optim::Rprop>("gradus::optim::Rprop",
                            optim::RpropOptions(0.01).etas(std::make_tuple(0.4, 1.3)).step_sizes(std::make_tuple(1e-5, 1.0))),
      factory<optim::NAdam>("gradus::optim::NAdam",
                            optim::NAdamOptions(0.01).weight_decay(0.01).momentum_decay(0.01)),
      factory<optim::ASGD>("gradus::optim::ASGD", optim::ASGDOptions(0.05).lambd(1e-3).t0(20).weight_decay(0.01)),
      // eps1 set: by default it is the parameters' machine epsilon, which
      // would differ between a half run and its float reference.
      factory<optim::Adafactor>("gradus::optim::Adafactor",
                                optim::AdafactorOptions(0.02).beta2_decay(-0.6).weight_decay(0.01).eps(
                                    std::make_tuple(std::optional<double>(1e-6), 1e-3))),
      factory<optim::Lion>("gradus::optim::Lion",
                           optim::LionOptions(0.003).betas(std::make_tuple(0.9, 0.95)).weight_decay(0.01)),
      factory<optim::ADOPT>("gradus::optim::ADOPT", optim::ADOPTOptions(0.01).weight_decay(0.01).decouple(true)),
      factory<optim::AdEMAMix>("gradus::optim::AdEMAMix", optim::AdEMAMixOptions(0.01).alpha(3).beta3_warmup(20)
                                                             .alpha_warmup(20).weight_decay(0.01)),
      factory<optim::LAMB>("gradus::optim::LAMB", optim::LAMBOptions(0.01).weight_decay(0.01)),
      factory<optim::LARS>("gradus::optim::LARS", optim::LARSOptions(0.05).momentum(0.9).weight_decay(0.01)),
      training<optim::SGDScheduleFree>("gradus::optim::SGDScheduleFree",
                                       optim::SGDScheduleFreeOptions(0.1).warmup_steps(5).weight_decay(0.01)),
      training<optim::AdamWScheduleFree>("gradus::optim::AdamWScheduleFree",
                                         optim::AdamWScheduleFreeOptions(0.01).warmup_steps(5).inner_momentum(0.5)),
      training<optim::RAdamScheduleFree>("gradus::optim::RAdamScheduleFree",
                                         optim::RAdamScheduleFreeOptions(0.01).weight_decay(0.01)),
  };
}

GroupList two_groups(const std::vector<at::Tensor>& params, const torch::optim::OptimizerOptions& defaults) {
  GroupList groups;
  groups.emplace_back(std::vector<at::Tensor>{params[0], params[1]}, defaults.clone());
  auto smaller = defaults.clone();
  smaller->set_lr(defaults.get_lr() * 0.5);
  groups.emplace_back(std::vector<at::Tensor>{params[2], params[3]}, std::move(smaller));
  return groups;
}

}  // namespace testing
}  // namespace gradus
