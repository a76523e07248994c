#include "optimizer_factory.h"

#include <gradus/gradus.h>
#include <torch/optim/adagrad.h>
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/rmsprop.h>
#include <torch/optim/sgd.h>

namespace gradus {
namespace examples {
namespace {

// Fills gradus and built-in options alike (same names); `maximize` exists in gradus only.
template <class O>
O sgd_like(O o, const OptimizerConfig& c) {
  return o.momentum(c.momentum).dampening(c.dampening).weight_decay(c.weight_decay).nesterov(c.nesterov);
}
template <class O>
O adam_like(O o, const OptimizerConfig& c, double default_eps) {
  return o.betas(c.betas).eps(c.eps.value_or(default_eps)).weight_decay(c.weight_decay).amsgrad(c.amsgrad);
}
template <class O>
O adagrad_like(O o, const OptimizerConfig& c) {
  return o.lr_decay(c.lr_decay).weight_decay(c.weight_decay).initial_accumulator_value(c.initial_accumulator_value)
      .eps(c.eps.value_or(1e-10));
}
template <class O>
O rmsprop_like(O o, const OptimizerConfig& c) {
  return o.alpha(c.alpha.value_or(0.99)).eps(c.eps.value_or(1e-8)).weight_decay(c.weight_decay).momentum(c.momentum)
      .centered(c.centered);
}

}  // namespace

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const OptimizerConfig& c, const std::string& impl,
                                                        std::vector<at::Tensor> params) {
  TORCH_CHECK(impl == "gradus" || impl == "builtin", "unknown --impl '", impl, "' (gradus or builtin)");
  const bool builtin = impl == "builtin";
  TORCH_CHECK(!(builtin && c.maximize), "--maximize: LibTorch's built-in optimizers have no maximize");
  const std::string& n = c.name;
  if (n == "sgd") {
    const double lr = c.lr.value_or(0.01);
    if (builtin) return std::make_unique<torch::optim::SGD>(params, sgd_like(torch::optim::SGDOptions(lr), c));
    return std::make_unique<optim::SGD>(params, sgd_like(optim::SGDOptions(lr), c).maximize(c.maximize));
  }
  if (n == "adam") {
    const double lr = c.lr.value_or(1e-3);
    if (builtin) return std::make_unique<torch::optim::Adam>(params, adam_like(torch::optim::AdamOptions(lr), c, 1e-8));
    return std::make_unique<optim::Adam>(params, adam_like(optim::AdamOptions(lr), c, 1e-8).maximize(c.maximize));
  }
  if (n == "adamw") {
    const double lr = c.lr.value_or(1e-3);
    if (builtin) return std::make_unique<torch::optim::AdamW>(params, adam_like(torch::optim::AdamWOptions(lr), c, 1e-8));
    return std::make_unique<optim::AdamW>(params, adam_like(optim::AdamWOptions(lr), c, 1e-8).maximize(c.maximize));
  }
  if (n == "adagrad") {
    const double lr = c.lr.value_or(1e-2);
    if (builtin) return std::make_unique<torch::optim::Adagrad>(params, adagrad_like(torch::optim::AdagradOptions(lr), c));
    return std::make_unique<optim::Adagrad>(params, adagrad_like(optim::AdagradOptions(lr), c).maximize(c.maximize));
  }
  if (n == "rmsprop") {
    const double lr = c.lr.value_or(1e-2);
    if (builtin) return std::make_unique<torch::optim::RMSprop>(params, rmsprop_like(torch::optim::RMSpropOptions(lr), c));
    return std::make_unique<optim::RMSprop>(params, rmsprop_like(optim::RMSpropOptions(lr), c).maximize(c.maximize));
  }
  if (n == "adadelta") {
    TORCH_CHECK(!builtin, "--optimizer adadelta: LibTorch has no built-in Adadelta; use --impl gradus");
    return std::make_unique<optim::Adadelta>(params, optim::AdadeltaOptions(c.lr.value_or(1.0)).rho(c.rho)
                                                         .eps(c.eps.value_or(1e-6)).weight_decay(c.weight_decay)
                                                         .maximize(c.maximize));
  }
  if (n == "adamax") {
    TORCH_CHECK(!builtin, "--optimizer adamax: LibTorch has no built-in Adamax; use --impl gradus");
    return std::make_unique<optim::Adamax>(params, optim::AdamaxOptions(c.lr.value_or(2e-3)).betas(c.betas)
                                                       .eps(c.eps.value_or(1e-8)).weight_decay(c.weight_decay)
                                                       .maximize(c.maximize));
  }
  if (n == "radam") {
    TORCH_CHECK(!builtin, "--optimizer radam: LibTorch has no built-in RAdam; use --impl gradus");
    return std::make_unique<optim::RAdam>(params, optim::RAdamOptions(c.lr.value_or(1e-3)).betas(c.betas)
                                                      .eps(c.eps.value_or(1e-8)).weight_decay(c.weight_decay)
                                                      .decoupled_weight_decay(c.decoupled_weight_decay)
                                                      .maximize(c.maximize));
  }
  if (n == "rprop") {
    TORCH_CHECK(!builtin, "--optimizer rprop: LibTorch has no built-in Rprop; use --impl gradus");
    return std::make_unique<optim::Rprop>(params, optim::RpropOptions(c.lr.value_or(1e-2)).etas(c.etas)
                                                      .step_sizes(c.step_sizes).maximize(c.maximize));
  }
  if (n == "nadam") {
    TORCH_CHECK(!builtin, "--optimizer nadam: LibTorch has no built-in NAdam; use --impl gradus");
    return std::make_unique<optim::NAdam>(params, optim::NAdamOptions(c.lr.value_or(2e-3)).betas(c.betas)
                                                      .eps(c.eps.value_or(1e-8)).weight_decay(c.weight_decay)
                                                      .momentum_decay(c.momentum_decay)
                                                      .decoupled_weight_decay(c.decoupled_weight_decay)
                                                      .maximize(c.maximize));
  }
  if (n == "asgd") {
    TORCH_CHECK(!builtin, "--optimizer asgd: LibTorch has no built-in ASGD; use --impl gradus");
    return std::make_unique<optim::ASGD>(params, optim::ASGDOptions(c.lr.value_or(1e-2)).lambd(c.lambd)
                                                     .alpha(c.alpha.value_or(0.75)).t0(c.t0)
                                                     .weight_decay(c.weight_decay).maximize(c.maximize));
  }
  if (n == "adafactor") {
    TORCH_CHECK(!builtin, "--optimizer adafactor: LibTorch has no built-in Adafactor; use --impl gradus");
    return std::make_unique<optim::Adafactor>(params, optim::AdafactorOptions(c.lr.value_or(1e-2))
                                                          .beta2_decay(c.beta2_decay)
                                                          .eps(std::make_tuple(c.eps, c.eps2)).d(c.d)
                                                          .weight_decay(c.weight_decay).maximize(c.maximize));
  }
  TORCH_CHECK(false, "unknown --optimizer '", n,
              "' (sgd, adam, adamw, adagrad, rmsprop, adadelta, adamax, radam, rprop, nadam, asgd, adafactor)");
}

Schedule make_schedule(const TrainConfig& config, torch::optim::Optimizer& optimizer, int64_t steps_per_epoch) {
  using namespace schedulers;
  const SchedulerConfig& s = config.scheduler;
  const int64_t total = std::max<int64_t>(1, config.epochs * steps_per_epoch);
  const int64_t warmup = int64_t(s.warmup_fraction * double(total));
  const double lr = optimizer.param_groups()[0].options().get_lr();
  const double max_lr = s.max_lr.value_or(10 * lr);
  const std::string& n = s.name;
  if (n == "none") return {};
  if (n == "linear-decay") {
    return {std::make_shared<LinearDecay>(optimizer, LinearDecayOptions(total).end_factor(s.end_factor)), Cadence::kPerBatch};
  }
  if (n == "loss-adaptive") {
    return {std::make_shared<LossAdaptive>(optimizer, LossAdaptiveOptions().min_loss(s.min_loss)), Cadence::kPerBatchWithLoss};
  }
  if (n == "step") return {std::make_shared<StepLR>(optimizer, StepLROptions(s.step_size).gamma(s.gamma)), Cadence::kPerEpoch};
  if (n == "multistep") {
    return {std::make_shared<MultiStepLR>(optimizer, MultiStepLROptions(s.milestones).gamma(s.gamma)), Cadence::kPerEpoch};
  }
  if (n == "exponential") return {std::make_shared<ExponentialLR>(optimizer, s.gamma), Cadence::kPerEpoch};
  if (n == "cosine") {
    return {std::make_shared<CosineAnnealingLR>(optimizer, CosineAnnealingLROptions(total).eta_min(s.eta_min)), Cadence::kPerBatch};
  }
  if (n == "warmup-cosine") {
    return {std::make_shared<WarmupCosine>(optimizer, WarmupCosineOptions(warmup, total).eta_min(s.eta_min)), Cadence::kPerBatch};
  }
  if (n == "wsd") {
    const int64_t decay = std::max<int64_t>(1, int64_t(s.decay_fraction * double(total)));
    const int64_t stable = std::max<int64_t>(0, total - warmup - decay);
    return {std::make_shared<WarmupStableDecay>(optimizer, WarmupStableDecayOptions(warmup, stable, decay).end_factor(s.end_factor)),
            Cadence::kPerBatch};
  }
  // OneCycleLR and CyclicLR cycle the momentum (or Adam's beta1) where there is one.
  const auto& o = config.optimizer;
  const bool has_momentum = (o.name == "sgd" || o.name == "rmsprop") && o.momentum > 0;
  if (n == "onecycle") {
    const bool cycles = has_momentum || o.name == "adam" || o.name == "adamw";
    return {std::make_shared<OneCycleLR>(optimizer, OneCycleLROptions(max_lr).total_steps(total + 1)
                                                        .pct_start(s.pct_start).cycle_momentum(cycles)),
            Cadence::kPerBatch};
  }
  if (n == "cyclic") {
    return {std::make_shared<CyclicLR>(optimizer, CyclicLROptions(lr, max_lr).step_size_up(std::max<int64_t>(1, steps_per_epoch / 2))
                                                      .cycle_momentum(has_momentum)),
            Cadence::kPerBatch};
  }
  if (n == "plateau") {
    return {std::make_shared<ReduceLROnPlateau>(optimizer, ReduceLROnPlateauOptions().patience(s.patience).factor(s.factor)),
            Cadence::kPerEpochWithMetric};
  }
  TORCH_CHECK(false, "unknown --scheduler '", n,
              "' (none, linear-decay, loss-adaptive, step, multistep, exponential, cosine, warmup-cosine, wsd, "
              "onecycle, cyclic, plateau)");
}

}  // namespace examples
}  // namespace gradus
