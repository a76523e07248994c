#include "trainer.h"

#include <ATen/ATen.h>
#include <torch/cuda.h>
#include <torch/nn/functional/loss.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/serialize.h>
#include <torch/utils.h>
#include <torch/version.h>

#include <optional>

#include <chrono>
#include <cmath>
#include <sstream>

#include "checkpoint.h"
#include "distributed_job.h"
#include "models.h"
#include "optimizer_factory.h"
#include "stepping.h"
#include "progress.h"

namespace gradus {
namespace examples {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

struct Evaluation {
  double loss, accuracy;
};

// --amp's autocast dtype, or float32 for none.
at::ScalarType amp_dtype(const std::string& amp) {
  return amp == "bf16" ? at::kBFloat16 : amp == "fp16" ? at::kHalf : at::kFloat;
}

// --param-dtype's dtype: the model's params and the inputs.
at::ScalarType param_dtype(const TrainConfig& config) {
  return config.param_dtype == "bf16" ? at::kBFloat16 : at::kFloat;
}

// Enters autocast for the forward passes of an --amp run; Autocast can be
// neither copied nor moved, so the caller owns the slot.
void enter_autocast(std::optional<amp::Autocast>& scope, const TrainConfig& config) {
  if (config.amp != "none") scope.emplace(at::Device(config.device).type(), amp_dtype(config.amp));
}

// What `forward` returns, computed under --amp's autocast.
template <typename Forward>
at::Tensor under_autocast(const TrainConfig& config, Forward forward) {
  std::optional<amp::Autocast> autocast;
  enter_autocast(autocast, config);
  return forward();
}

// Each rank evaluates its share of the test set; the sums are the job's.
Evaluation evaluate(torch::nn::Sequential& model, const at::Tensor& images, const at::Tensor& labels,
                    const Ranks& ranks, const TrainConfig& config) {
  c10::NoGradGuard no_grad;
  std::optional<amp::Autocast> autocast;
  enter_autocast(autocast, config);
  model->eval();
  double loss_sum = 0;
  int64_t correct = 0;
  const int64_t n = images.size(0);
  const int64_t share_end = n * (ranks.rank() + 1) / ranks.size();
  for (int64_t start = n * ranks.rank() / ranks.size(); start < share_end; start += 1000) {
    const int64_t end = std::min(share_end, start + 1000);
    at::Tensor logits = model->forward(images.slice(0, start, end));
    at::Tensor y = labels.slice(0, start, end);
    loss_sum += torch::nn::functional::cross_entropy(
                    logits, y, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                    .item<double>();
    correct += logits.argmax(1).eq(y).sum().item<int64_t>();
  }
  model->train();
  std::vector<double> sums{loss_sum, double(correct)};
  sum_over_ranks(ranks, sums);
  return {sums[0] / double(n), sums[1] / double(n)};
}

// BatchNorm's running statistics, recomputed at the params a Schedule-Free
// optimizer evaluates (x): forward passes in training mode, without
// gradients, over the first batches of the training set, as the reference
// advises. The same batches on every rank, so the ranks agree.
void recompute_batch_norm(torch::nn::Sequential& model, const at::Tensor& train_x, int64_t batch_size) {
  bool has_batch_norm = false;
  for (const auto& m : model->modules()) {
    has_batch_norm = has_batch_norm || m->as<torch::nn::BatchNorm2dImpl>() || m->as<torch::nn::BatchNorm1dImpl>();
  }
  if (!has_batch_norm) return;
  constexpr int64_t kBatches = 50;
  c10::NoGradGuard no_grad;
  model->train();
  for (int64_t b = 0; b < kBatches && b * batch_size < train_x.size(0); ++b) {
    model->forward(train_x.slice(0, b * batch_size, std::min(train_x.size(0), (b + 1) * batch_size)));
  }
}

// The optimizers (sharded with --zero) and their schedules.
Stepping make_stepping(const TrainConfig& config, const std::string& impl, torch::nn::Module& model,
                       int64_t steps_per_epoch, const Ranks& ranks) {
  Stepping stepping{make_optimizers(config.optimizer, impl, model), {}, {}};
  TORCH_CHECK(!stepping.has_modes() || !ranks.zero, "--optimizer ", config.optimizer.name,
              " with --zero: Schedule-Free's modes move every param, which ZeRO shards; run it without --zero");
  stepping.train();  // Schedule-Free starts in eval mode, as the reference
  Optimizers& o = stepping.optimizers;
  o.main = shard_optimizer(std::move(o.main), [&](auto p) { return make_optimizer(config.optimizer, impl, p); }, ranks);
  o.companion = shard_optimizer(std::move(o.companion), [&](auto p) { return make_companion(config.optimizer, p); }, ranks);
  stepping.schedule = make_schedule(config, *stepping.optimizers.main, steps_per_epoch);
  if (stepping.optimizers.companion) {
    stepping.companion_schedule = make_schedule(companion_config(config), *stepping.optimizers.companion, steps_per_epoch);
  }
  return stepping;
}

// What train() sets up before its first step: the data, the model, the
// optimizers, the schedules and the checkpoint to resume.
struct Setup {
  at::Tensor train_x, train_y, test_x, test_y;
  int64_t steps_per_epoch;
  torch::nn::Sequential model;
  Stepping stepping;
};

Setup set_up(const TrainConfig& config, const Dataset& data, const std::string& impl, RunMetrics& metrics,
             const Ranks& ranks) {
  const at::Device device(config.device);
  TORCH_CHECK(!device.is_cuda() || torch::cuda::is_available(), "--device cuda: no CUDA device is available");
  const at::Tensor train_x = first_records(data.train_images, config.train_limit).to(device, param_dtype(config));
  const at::Tensor test_x = first_records(data.test_images, config.test_limit).to(device, param_dtype(config));
  const int64_t n = train_x.size(0);
  TORCH_CHECK(n > 0 && test_x.size(0) > 0, "the ", n > 0 ? "test" : "training", " set is empty");
  const int64_t steps_per_epoch = (n + config.batch_size - 1) / config.batch_size;
  torch::manual_seed(uint64_t(config.seed));
  auto model = make_model(config.model, train_x.size(1), train_x.size(2), train_x.size(3));
  model->to(device, param_dtype(config));
  TORCH_CHECK(config.amp == "none" || amp::Autocast::supported(device.type(), amp_dtype(config.amp)), "--amp ",
              config.amp, " on ", config.device, ": LibTorch ", TORCH_VERSION_MAJOR, ".", TORCH_VERSION_MINOR,
              " cannot autocast it (the CPU autocasts bf16, and fp16 from LibTorch 2.3 on)");
  TORCH_CHECK(config.optimizer.compensation == "none" || config.param_dtype == "bf16", "--compensation ",
              config.optimizer.compensation, " is for --param-dtype bf16: float32 params are not rounded");
  Stepping stepping = make_stepping(config, impl, *model, steps_per_epoch, ranks);
  if (config.amp == "fp16") stepping.scaler = std::make_unique<amp::GradScaler>();
  stepping.clip_grad_norm = config.clip_grad_norm;
  if (!config.resume.empty()) {
    load_checkpoint(config.resume, config, model, stepping, metrics, device);
    stepping.train();  // saved in eval mode by Schedule-Free
    const int64_t done = int64_t(metrics.epochs.size());
    TORCH_CHECK(done < config.epochs && (config.stop_after_epoch == 0 || done < config.stop_after_epoch), config.resume,
                ": the checkpoint has done ", done, " epochs, so a run to epoch ",
                config.stop_after_epoch ? std::min(config.stop_after_epoch, config.epochs) : config.epochs,
                " would train no step");
  }
  return {train_x, first_records(data.train_labels, config.train_limit).to(device), test_x,
          first_records(data.test_labels, config.test_limit).to(device), steps_per_epoch, model, std::move(stepping)};
}

struct BatchLoss {
  double value;  // the batch's mean loss, over all ranks
};

// Forward and backward over this rank's share of `batch`, then the gradients
// averaged over the ranks: each rank's loss is its share's sum scaled so
// that the average over ranks is the whole batch's mean.
BatchLoss batch_loss(torch::nn::Sequential& model, const at::Tensor& x, const at::Tensor& y, const at::Tensor& batch,
                     const Ranks& ranks, GradientSync& gradients, const TrainConfig& config, amp::GradScaler* scaler) {
  namespace F = torch::nn::functional;
  // The forward pass under autocast; backward outside it, as PyTorch's
  // recipe has it, through the scaled loss under fp16.
  auto backward = [&](const at::Tensor& loss) { (scaler ? scaler->scale(loss) : loss).backward(); };
  if (ranks.size() == 1) {
    const at::Tensor loss = under_autocast(
        config, [&] { return F::cross_entropy(model->forward(x.index_select(0, batch)), y.index_select(0, batch)); });
    backward(loss);
    return {loss.item<double>()};
  }
  const int64_t count = batch.size(0);
  const at::Tensor mine = batch.slice(0, count * ranks.rank() / ranks.size(), count * (ranks.rank() + 1) / ranks.size());
  const at::Tensor loss = under_autocast(config, [&] {
    return F::cross_entropy(model->forward(x.index_select(0, mine)), y.index_select(0, mine),
                            F::CrossEntropyFuncOptions().reduction(torch::kSum)) *
           (double(ranks.size()) / double(count));
  });
  backward(loss);
  gradients.average();
  std::vector<double> mean{loss.item<double>() / ranks.size()};
  sum_over_ranks(ranks, mean);
  return {mean[0]};
}

// The table's precision column: the params' and autocast's dtype, then
// the optimizer's state precision and compensation where not the defaults,
// e.g. "bf16+kahan", "fp32 int8-state".
std::string precision_label(const TrainConfig& config) {
  std::string label = config.param_dtype == "bf16" ? "bf16" : config.amp == "none" ? "fp32" : config.amp;
  const std::string& c = config.optimizer.compensation;
  if (c != "none") label += "+" + std::string(c == "stochastic_rounding" ? "sr" : c);
  const std::string& s = config.optimizer.state_precision;
  if (s != "float32") label += " " + std::string(s == "bfloat16" ? "bf16" : s) + "-state";
  return label;
}

RunMetrics named(const TrainConfig& config, const std::string& impl) {
  RunMetrics metrics;
  metrics.label = config.label.empty() ? impl + " " + config.optimizer.name : config.label;
  metrics.impl = impl;
  metrics.optimizer = config.optimizer.name;
  metrics.scheduler = config.scheduler.name;
  metrics.precision = precision_label(config);
  return metrics;
}

}  // namespace

void check_run(const TrainConfig& config, const Dataset& data, const std::string& impl) {
  RunMetrics metrics = named(config, impl);
  set_up(config, data, impl, metrics, Ranks());
}

RunMetrics train(const TrainConfig& config, const Dataset& data, const std::string& impl, const Ranks& ranks) {
  const at::Device device(config.device);
  RunMetrics metrics = named(config, impl);
  Setup setup = set_up(config, data, impl, metrics, ranks);
  const at::Tensor &train_x = setup.train_x, &train_y = setup.train_y, &test_x = setup.test_x, &test_y = setup.test_y;
  const int64_t n = train_x.size(0), steps_per_epoch = setup.steps_per_epoch;
  torch::nn::Sequential& model = setup.model;
  Stepping& stepping = setup.stepping;

  GradientSync gradients(ranks, model->parameters());
  Progress progress(metrics.label, config.epochs, steps_per_epoch, config.log_interval,
                    ranks.leader() ? stdout : nullptr);
  const auto run_start = Clock::now();
  double eval_seconds = 0;  // kept out of the time to a target accuracy
  const int64_t evals = std::max<int64_t>(1, std::min(config.evals_per_epoch, steps_per_epoch));
  // Schedule-Free evaluates at x (its eval mode), then trains on from y;
  // at an epoch's end it stays at x until the checkpoint is written, so that
  // a checkpoint holds x and a run that writes none takes the same steps.
  auto record_eval = [&](int64_t epoch, int64_t step) {
    const auto eval_start = Clock::now();
    if (stepping.has_modes()) {
      stepping.eval();
      recompute_batch_norm(model, train_x, config.batch_size);
    }
    const Evaluation test = evaluate(model, test_x, test_y, ranks, config);
    if (step < steps_per_epoch) stepping.train();
    const double train_seconds = seconds_since(run_start) - eval_seconds;
    eval_seconds += seconds_since(eval_start);
    metrics.evals.push_back({double(epoch - 1) + double(step) / double(steps_per_epoch),
                             (epoch - 1) * steps_per_epoch + step, test.loss, test.accuracy, train_seconds});
    return test;
  };
  double& smoothed_loss = stepping.smoothed_loss;
  for (int64_t epoch = int64_t(metrics.epochs.size()) + 1; epoch <= config.epochs; ++epoch) {
    const auto epoch_start = Clock::now();
    // The order depends on seed and epoch only, so a resumed run sees the same batches.
    auto generator = at::detail::createCPUGenerator(uint64_t(config.seed) * 1000003u + uint64_t(epoch));
    const at::Tensor order = at::randperm(n, generator, at::TensorOptions().dtype(at::kLong)).to(device);
    double loss_sum = 0, interval_loss_sum = 0;
    int64_t interval_steps = 0;
    for (int64_t step = 1; step <= steps_per_epoch; ++step) {
      const auto step_start = Clock::now();
      const at::Tensor batch = order.slice(0, (step - 1) * config.batch_size, std::min(n, step * config.batch_size));
      stepping.zero_grad();
      const BatchLoss loss =
          batch_loss(model, train_x, train_y, batch, ranks, gradients, config, stepping.scaler.get());
      if (device.is_cuda()) torch::cuda::synchronize();
      const auto optimizer_start = Clock::now();
      stepping.step();
      if (device.is_cuda()) torch::cuda::synchronize();
      metrics.step_seconds_total += seconds_since(optimizer_start);
      metrics.step_calls += 1;
      const double loss_value = loss.value;
      if (!std::isfinite(loss_value)) {
        std::ostringstream why;
        why << "the training loss became " << loss_value << " at epoch " << epoch << ", step " << step
            << ", with lr " << stepping.optimizers.main->param_groups()[0].options().get_lr()
            << " (a smaller --lr may train)";
        metrics.diverged = why.str();
        break;
      }
      loss_sum += loss_value;
      interval_loss_sum += loss_value;
      interval_steps += 1;
      smoothed_loss = std::isnan(smoothed_loss) ? loss_value : 0.98 * smoothed_loss + 0.02 * loss_value;
      stepping.advance(Cadence::kPerBatch, 0);
      stepping.advance(Cadence::kPerBatchWithLoss, smoothed_loss);
      const double lr = stepping.lr();
      const double rate = double(batch.size(0)) / seconds_since(step_start);
      const int64_t global = (epoch - 1) * steps_per_epoch + step;
      if (step % config.log_interval == 0 || step == steps_per_epoch) {
        // The mean over the interval: one batch's loss is too noisy to plot.
        metrics.steps.push_back({epoch, global, interval_loss_sum / double(interval_steps), lr, rate, smoothed_loss});
        interval_loss_sum = 0;
        interval_steps = 0;
      }
      progress.update(epoch, step, loss_value, lr, rate);
      // Evaluations inside the epoch, evenly spaced; the last is at its end.
      if (step < steps_per_epoch && (step * evals) / steps_per_epoch != ((step - 1) * evals) / steps_per_epoch) {
        record_eval(epoch, step);
      }
    }
    if (!metrics.diverged.empty()) break;
    const Evaluation test = record_eval(epoch, steps_per_epoch);
    stepping.advance(Cadence::kPerEpoch, 0);
    stepping.advance(Cadence::kPerEpochWithMetric, test.loss);
    const double seconds = seconds_since(epoch_start);
    metrics.epochs.push_back({epoch, loss_sum / double(steps_per_epoch), test.loss, test.accuracy, seconds});
    progress.epoch_done(epoch, loss_sum / double(steps_per_epoch), test.loss, test.accuracy, seconds);
    if (!config.checkpoint.empty()) {
      consolidate_for_saving(stepping.optimizers.main.get());  // a collective, on every rank
      consolidate_for_saving(stepping.optimizers.companion.get());
      if (ranks.leader()) save_checkpoint(config.checkpoint, config, model, stepping, metrics);
    }
    stepping.train();
    if (epoch == config.stop_after_epoch) break;
  }
  metrics.wall_seconds = seconds_since(run_start);
  return metrics;
}

}  // namespace examples
}  // namespace gradus
