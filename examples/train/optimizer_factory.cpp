#include "optimizer_factory.h"

#include <gradus/gradus.h>
#include <torch/nn/module.h>
#include <torch/optim/adagrad.h>
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/rmsprop.h>
#include <torch/optim/sgd.h>

namespace gradus {
namespace examples {
namespace {

// Fills gradus and built-in options alike (same names); `maximize` exists in gradus only.
double weight_decay(const OptimizerConfig& c) { return c.weight_decay.value_or(0); }

template <class O>
O sgd_like(O o, const OptimizerConfig& c) {
  return o.momentum(c.momentum.value_or(0)).dampening(c.dampening).weight_decay(weight_decay(c))
      .nesterov(c.nesterov.value_or(false));
}
template <class O>
O adam_like(O o, const OptimizerConfig& c, double default_eps) {
  return o.betas(c.betas).eps(c.eps.value_or(default_eps)).weight_decay(weight_decay(c)).amsgrad(c.amsgrad);
}
template <class O>
O adagrad_like(O o, const OptimizerConfig& c) {
  return o.lr_decay(c.lr_decay).weight_decay(weight_decay(c)).initial_accumulator_value(c.initial_accumulator_value)
      .eps(c.eps.value_or(1e-10));
}
template <class O>
O rmsprop_like(O o, const OptimizerConfig& c) {
  return o.alpha(c.alpha.value_or(0.99)).eps(c.eps.value_or(1e-8)).weight_decay(weight_decay(c))
      .momentum(c.momentum.value_or(0)).centered(c.centered);
}

// A parameter of the sparse embedding (models.h), whose gradient is sparse.
bool is_sparse_embedding(const std::string& name) {
  const std::string suffix = "embedding.weight";
  return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

struct Split {
  std::vector<at::Tensor> main, companion;
};

// Muon: the 2-D hidden weights, not the classifier (the last 2-D weight);
// SparseAdam: the sparse embedding. Every other optimizer takes everything.
Split split_parameters(const std::string& optimizer, const torch::nn::Module& model) {
  Split split;
  const auto named = model.named_parameters();
  int64_t last_2d = -1;
  for (size_t i = 0; i < named.size(); ++i) {
    if (named[i].value().dim() == 2) last_2d = int64_t(i);
  }
  for (size_t i = 0; i < named.size(); ++i) {
    const at::Tensor& p = named[i].value();
    const bool main = optimizer == "muon"          ? p.dim() == 2 && int64_t(i) != last_2d
                      : optimizer == "sparse_adam" ? is_sparse_embedding(named[i].key())
                                                   : true;
    TORCH_CHECK(optimizer == "sparse_adam" || !is_sparse_embedding(named[i].key()), "--optimizer ", optimizer,
                ": the model's embedding '", named[i].key(), "' has sparse gradients, which only sparse_adam takes");
    (main ? split.main : split.companion).push_back(p);
  }
  TORCH_CHECK(!split.main.empty(), "--optimizer ", optimizer, ": the model has no parameter it takes (",
              optimizer == "muon" ? "Muon takes 2-D hidden weights; --model mlp or cnn has them"
                                  : "SparseAdam takes a sparse embedding: --model sparse-mlp",
              ")");
  return split;
}

}  // namespace

std::unique_ptr<torch::optim::Optimizer> make_companion(const OptimizerConfig& c, std::vector<at::Tensor> params) {
  if (params.empty()) return nullptr;
  if (c.name == "muon") return std::make_unique<optim::AdamW>(params, optim::AdamWOptions(c.companion_lr));
  return std::make_unique<optim::Adam>(params, optim::AdamOptions(c.companion_lr));
}

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
  if (n == "sparse_adam") {
    TORCH_CHECK(!builtin, "--optimizer sparse_adam: LibTorch has no built-in SparseAdam; use --impl gradus");
    return std::make_unique<optim::SparseAdam>(params, optim::SparseAdamOptions(c.lr.value_or(1e-3)).betas(c.betas)
                                                           .eps(c.eps.value_or(1e-8)).maximize(c.maximize));
  }
  if (n == "muon") {
    TORCH_CHECK(!builtin, "--optimizer muon: LibTorch has no built-in Muon; use --impl gradus");
    return std::make_unique<optim::Muon>(params, optim::MuonOptions(c.lr.value_or(1e-3))
                                                     .weight_decay(c.weight_decay.value_or(0.1))
                                                     .momentum(c.momentum.value_or(0.95))
                                                     .nesterov(c.nesterov.value_or(true)).eps(c.eps.value_or(1e-7))
                                                     .ns_steps(c.ns_steps).adjust_lr_fn(c.adjust_lr_fn));
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
                                                         .eps(c.eps.value_or(1e-6)).weight_decay(weight_decay(c))
                                                         .maximize(c.maximize));
  }
  if (n == "adamax") {
    TORCH_CHECK(!builtin, "--optimizer adamax: LibTorch has no built-in Adamax; use --impl gradus");
    return std::make_unique<optim::Adamax>(params, optim::AdamaxOptions(c.lr.value_or(2e-3)).betas(c.betas)
                                                       .eps(c.eps.value_or(1e-8)).weight_decay(weight_decay(c))
                                                       .maximize(c.maximize));
  }
  if (n == "radam") {
    TORCH_CHECK(!builtin, "--optimizer radam: LibTorch has no built-in RAdam; use --impl gradus");
    return std::make_unique<optim::RAdam>(params, optim::RAdamOptions(c.lr.value_or(1e-3)).betas(c.betas)
                                                      .eps(c.eps.value_or(1e-8)).weight_decay(weight_decay(c))
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
                                                      .eps(c.eps.value_or(1e-8)).weight_decay(weight_decay(c))
                                                      .momentum_decay(c.momentum_decay)
                                                      .decoupled_weight_decay(c.decoupled_weight_decay)
                                                      .maximize(c.maximize));
  }
  if (n == "asgd") {
    TORCH_CHECK(!builtin, "--optimizer asgd: LibTorch has no built-in ASGD; use --impl gradus");
    return std::make_unique<optim::ASGD>(params, optim::ASGDOptions(c.lr.value_or(1e-2)).lambd(c.lambd)
                                                     .alpha(c.alpha.value_or(0.75)).t0(c.t0)
                                                     .weight_decay(weight_decay(c)).maximize(c.maximize));
  }
  if (n == "adafactor") {
    TORCH_CHECK(!builtin, "--optimizer adafactor: LibTorch has no built-in Adafactor; use --impl gradus");
    return std::make_unique<optim::Adafactor>(params, optim::AdafactorOptions(c.lr.value_or(1e-2))
                                                          .beta2_decay(c.beta2_decay)
                                                          .eps(std::make_tuple(c.eps, c.eps2)).d(c.d)
                                                          .weight_decay(weight_decay(c)).maximize(c.maximize));
  }
  TORCH_CHECK(false, "unknown --optimizer '", n,
              "' (sgd, adam, adamw, adagrad, rmsprop, adadelta, adamax, radam, rprop, nadam, asgd, adafactor, muon, "
              "sparse_adam)");
}

Optimizers make_optimizers(const OptimizerConfig& config, const std::string& impl, const torch::nn::Module& model) {
  Split split = split_parameters(config.name, model);
  Optimizers optimizers;
  optimizers.main = make_optimizer(config, impl, std::move(split.main));
  optimizers.companion = make_companion(config, std::move(split.companion));
  return optimizers;
}

TrainConfig companion_config(const TrainConfig& config) {
  TrainConfig companion = config;
  OptimizerConfig& o = companion.optimizer;
  const double main_lr = o.lr.value_or(1e-3);  // Muon's and SparseAdam's default
  if (companion.scheduler.max_lr) *companion.scheduler.max_lr *= o.companion_lr / main_lr;
  o = OptimizerConfig();
  o.name = config.optimizer.name == "muon" ? "adamw" : "adam";
  o.lr = config.optimizer.companion_lr;
  return companion;
}

Schedule make_schedule(const TrainConfig& config, torch::optim::Optimizer& optimizer, int64_t steps_per_epoch) {
  using namespace schedulers;
  const SchedulerConfig& s = config.scheduler;
  const int64_t total = std::max<int64_t>(1, config.epochs * steps_per_epoch);
  const int64_t warmup = int64_t(s.warmup_fraction * double(total));
  const double lr = optimizer.param_groups()[0].options().get_lr();
  const double max_lr = s.max_lr.value_or(10 * lr);
  const std::string& n = s.name;
  if (n == "none" || n == "constant") return {};
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
  const bool has_momentum = (o.name == "sgd" || o.name == "rmsprop" || o.name == "muon") &&
                            o.momentum.value_or(o.name == "muon" ? 0.95 : 0.0) > 0;
  const bool has_betas = o.name == "adam" || o.name == "adamw" || o.name == "adamax" || o.name == "radam" ||
                         o.name == "nadam" || o.name == "sparse_adam";
  if (n == "onecycle") {
    const bool cycles = has_momentum || has_betas;
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
              "' (none, constant, linear-decay, loss-adaptive, step, multistep, exponential, cosine, warmup-cosine, wsd, "
              "onecycle, cyclic, plateau)");
}

}  // namespace examples
}  // namespace gradus
