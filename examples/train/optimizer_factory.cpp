#include "optimizer_factory.h"

#include <gradus/gradus.h>
#include <torch/nn/module.h>

#include <algorithm>

#include "optimizer_registry.h"

namespace gradus {
namespace examples {
namespace {

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
  const std::string& companion = optimizer_entry(c.name).companion;
  if (params.empty() || companion.empty()) return nullptr;
  OptimizerConfig config;
  config.name = companion;
  config.lr = c.companion_lr;
  return optimizer_entry(companion).make(std::move(params), config);
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const OptimizerConfig& c, const std::string& impl,
                                                        std::vector<at::Tensor> params) {
  TORCH_CHECK(impl == "gradus" || impl == "builtin", "unknown --impl '", impl, "' (gradus or builtin)");
  const OptimizerEntry& entry = optimizer_entry(c.name);
  if (impl == "gradus") return entry.make(std::move(params), c);
  TORCH_CHECK(entry.make_builtin, "--optimizer ", c.name, ": LibTorch has no built-in ", entry.class_name,
              "; use --impl gradus");
  TORCH_CHECK(c.state_precision == "float32" && c.compensation == "none", "--state-precision ", c.state_precision,
              " --compensation ", c.compensation, ": LibTorch's built-in ", entry.class_name,
              " keeps float32 state and rounds to nearest; use --impl gradus");
  for (const auto& given : c.options) {
    const auto& shared = entry.builtin_options;
    TORCH_CHECK(std::find(shared.begin(), shared.end(), given.first) != shared.end(), flag_of(given.first),
                ": LibTorch's built-in ", entry.class_name, " has no ", given.first);
  }
  return entry.make_builtin(std::move(params), c);
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
  const double main_lr = o.lr.value_or(optimizer_entry(o.name).make_options(o)->get_lr());
  if (companion.scheduler.max_lr) *companion.scheduler.max_lr *= o.companion_lr / main_lr;
  o = OptimizerConfig();
  o.name = optimizer_entry(config.optimizer.name).companion;
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
  // OneCycleLR and CyclicLR cycle the momentum (or Adam's beta1) where there
  // is one: what the optimizer's options say (the built-in twin's are alike).
  const auto options = optimizer_entry(config.optimizer.name).make_options(config.optimizer);
  using Cycled = optim::FusedOptionsBase::CycledMomentum;
  const auto& fused = dynamic_cast<const optim::FusedOptionsBase&>(*options);
  const bool has_momentum = fused.cycled_momentum() == Cycled::kMomentum && fused.cycled_momentum_value() > 0;
  const bool has_betas = fused.cycled_momentum() == Cycled::kBeta1;
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
