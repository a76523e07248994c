// gradus-train: trains a model on MNIST, Fashion-MNIST or CIFAR-10 with a
// gradus optimizer and schedule, or LibTorch's built-in optimizer with the
// same schedule, or both side by side (--compare). See docs/gradus-train.md.
#include <ATen/Parallel.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <sched.h>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "datasets.h"
#include "cli_checks.h"
#include "distributed_job.h"
#include "optimizer_flags.h"
#include "output_files.h"
#include "run_plan.h"
#include "unused_flags.h"
#include "run_metrics.h"
#include "trainer.h"

namespace {

using gradus::examples::TrainConfig;

const std::vector<std::string> kSchedulers = {"none",   "constant",      "linear-decay", "loss-adaptive", "step",
                                              "multistep", "exponential", "cosine",      "warmup-cosine", "wsd",
                                              "onecycle",  "cyclic",      "plateau"};

void add_scheduler_flags(CLI::App& app, gradus::examples::SchedulerConfig& s) {
  app.add_option("--scheduler", s.name, "none (constant), linear-decay, loss-adaptive, step, multistep, exponential, "
                                         "cosine, warmup-cosine, wsd, onecycle, cyclic, plateau")
      ->check(CLI::IsMember(kSchedulers));
  using gradus::examples::fraction;
  using gradus::examples::positive_number;
  const int64_t many = int64_t(1) << 40;
  app.add_option("--step-size", s.step_size, "step: epochs between decays")->check(gradus::examples::integer_in(1, many));
  app.add_option("--milestones", s.milestones, "multistep: epochs")->check(gradus::examples::integer_in(0, many));
  app.add_option("--gamma", s.gamma, "step, multistep, exponential: decay factor")->check(positive_number());
  app.add_option("--end-factor", s.end_factor, "linear-decay, wsd: final lr / initial lr")->check(fraction());
  app.add_option("--min-loss", s.min_loss, "loss-adaptive: fixed reference loss (default: lowest so far)")
      ->check(positive_number());
  app.add_option("--warmup-fraction", s.warmup_fraction, "warmup-cosine, wsd: share of all steps")->check(fraction());
  app.add_option("--decay-fraction", s.decay_fraction, "wsd: share of all steps")->check(fraction());
  app.add_option("--eta-min", s.eta_min, "cosine, warmup-cosine: final lr (at most the lr)")
      ->check(gradus::examples::non_negative_number());
  app.add_option("--max-lr", s.max_lr, "onecycle, cyclic (default: 10 x lr)")->check(positive_number());
  app.add_option("--pct-start", s.pct_start, "onecycle")->check(fraction());
  app.add_option("--patience", s.patience, "plateau: epochs")->check(gradus::examples::integer_in(0, many));
  app.add_option("--factor", s.factor, "plateau: below 1")->check(fraction());
}

std::string config_json(const TrainConfig& c) {
  nlohmann::json j = {{"dataset", c.dataset},     {"model", c.model},          {"optimizer", c.optimizer.name},
                      {"scheduler", c.scheduler.name}, {"epochs", c.epochs},   {"batch_size", c.batch_size},
                      {"seed", c.seed},           {"threads", c.threads},      {"device", c.device}};
  if (c.optimizer.lr) j["lr"] = *c.optimizer.lr;  // unset: absent, the optimizer's default
  return j.dump();
}

// Exit codes: 1 an error while running (data, files), 2 a configuration
// found bad before any training, 3 a run that diverged.
enum Exit { kRunError = 1, kBadConfiguration = 2, kDiverged = 3 };

// The processes of the job: --nproc, --zero and where ranks meet.
struct JobFlags {
  int64_t nproc = 1;
  bool zero = false;
  double timeout_seconds = 300;  // rendezvous, and each collective
};

// Every run's configuration and every output path, before any training.
// Only rank 0 writes files, so only it checks the paths.
void check_before_training(const TrainConfig& config, const gradus::examples::Dataset& data,
                           const std::vector<gradus::examples::PlannedRun>& runs, bool leader) {
  for (const auto& run : runs) gradus::examples::check_run(run.config, data, run.impl);
  if (!leader) return;
  if (!config.metrics_out.empty()) {  // first: --plot may go into a folder this creates
    std::filesystem::create_directories(config.metrics_out);
    gradus::examples::check_writable(config.metrics_out + "/summary.json");
  }
  if (!config.checkpoint.empty()) gradus::examples::check_writable(config.checkpoint);
  if (!config.plot.empty()) gradus::examples::check_writable(config.plot);
}

std::string plot_title(const TrainConfig& c, const std::vector<gradus::examples::RunMetrics>& runs) {
  std::string title = c.dataset + " " + c.model;
  if (runs.size() == 1 || std::all_of(runs.begin(), runs.end(), [&](const auto& r) { return r.scheduler == runs[0].scheduler; })) {
    title += ", scheduler " + runs[0].scheduler;
  }
  return title + ", batch " + std::to_string(c.batch_size) + ", seed " + std::to_string(c.seed);
}

int run(const TrainConfig& config, const gradus::examples::Shootout& shootout, const gradus::examples::Ranks& ranks) {
  at::set_num_threads(int(config.threads));
  const std::string dir = config.data_dir.empty() ? gradus::examples::default_data_dir(config.dataset) : config.data_dir;
  const auto data = gradus::examples::load_dataset(config.dataset, dir, {config.train_limit, config.test_limit});
  std::vector<gradus::examples::PlannedRun> planned;
  try {
    planned = gradus::examples::plan_runs(config, shootout);
    check_before_training(config, data, planned, ranks.leader());
  } catch (const c10::Error& e) {
    std::cerr << "error: " << e.what_without_backtrace() << "\n";
    return kBadConfiguration;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return kBadConfiguration;
  }
  std::vector<gradus::examples::RunMetrics> runs;
  for (const auto& run : planned) runs.push_back(gradus::examples::train(run.config, data, run.impl, ranks));
  if (!ranks.leader()) return runs.back().diverged.empty() ? 0 : kDiverged;  // rank 0 reports and writes
  if (runs.size() > 1) std::cout << "\n" << gradus::examples::ranked_table(runs, config.target_accuracy);
  if (!config.metrics_out.empty()) {
    gradus::examples::write_metrics(config.metrics_out, runs, config_json(config), config.target_accuracy);
    std::cout << "metrics written to " << config.metrics_out << "/\n";
  }
  if (!config.plot.empty()) {
    gradus::examples::write_plot(config.plot, runs, plot_title(config, runs));
    std::cout << "plot written to " << config.plot << "\n";
  }
  int status = 0;
  for (const auto& r : runs) {
    if (r.diverged.empty()) continue;
    std::cerr << "error: the " << r.label << " run diverged: " << r.diverged << "\n";
    status = kDiverged;
  }
  return status;
}

// More threads than cores make every parallel pass wait for threads that
// are not running; say so (it still runs).
void warn_if_oversubscribed(int64_t threads) {
  cpu_set_t allowed;
  const int64_t cores = sched_getaffinity(0, sizeof(allowed), &allowed) == 0 ? CPU_COUNT(&allowed)
                                                                            : std::thread::hardware_concurrency();
  if (threads > cores) {
    std::cerr << "warning: " << threads << " threads in all on " << cores
              << " cores: each parallel pass waits for threads that are not running (see --threads in "
                 "docs/gradus-train.md)\n";
  }
}

// Reads --lr-of into `shootout`; returns what is wrong with the shoot-out
// and schedule flags, or "".
std::string shootout_flag_problem(const CLI::App& app, const std::vector<std::string>& lr_of, const TrainConfig& config,
                                  gradus::examples::Shootout& shootout) {
  for (const std::string& item : lr_of) {
    const size_t eq = item.find('=');
    const std::string name = item.substr(0, eq), number = eq == std::string::npos ? "" : item.substr(eq + 1);
    char* end = nullptr;
    const double lr = std::strtod(number.c_str(), &end);
    if (name.empty() || number.empty() || *end != '\0' || !std::isfinite(lr) || lr < 0) {
      return "--lr-of " + item + ": expected NAME=LR with a learning rate of 0 or more, e.g. sgd=0.1";
    }
    if (shootout.lr_of.count(name)) return "--lr-of names " + name + " twice; give each optimizer one lr";
    shootout.lr_of[name] = lr;
  }
  if (!shootout.optimizers.empty() && app.count("--optimizer")) {
    return "--optimizer does nothing with --optimizers: name every optimizer of the shoot-out in --optimizers";
  }
  if (!shootout.schedulers.empty() && app.count("--scheduler")) {
    return "--scheduler does nothing with --schedulers: name every schedule of the shoot-out in --schedulers";
  }
  if (!shootout.precisions.empty()) {
    for (const char* flag : {"--param-dtype", "--state-precision", "--compensation"}) {
      if (app.count(flag)) {
        return std::string(flag) + " does nothing with --precisions: name every precision of the shoot-out in "
               "--precisions (e.g. fp32,int8-state,bf16+kahan)";
      }
    }
    if (config.impl == "builtin" && !config.compare) {
      return "--precisions compares gradus's low-memory formats; --impl builtin keeps float32";
    }
  }
  const auto& s = config.scheduler;
  const bool wsd = s.name == "wsd" || std::count(shootout.schedulers.begin(), shootout.schedulers.end(), "wsd");
  if (wsd && s.warmup_fraction + s.decay_fraction > 1) {
    return "--warmup-fraction " + std::to_string(s.warmup_fraction) + " and --decay-fraction " +
           std::to_string(s.decay_fraction) + " take more than all the steps (their sum is above 1)";
  }
  return "";
}

// What is wrong with the job flags, or "".
std::string job_flag_problem(const CLI::App& app, const JobFlags& job, bool is_rank, const TrainConfig& config) {
  const bool several = is_rank || job.nproc > 1;
  if (job.zero && !several) {
    return "--zero shards the optimizer state across ranks: it needs --nproc 2 or more (or a launcher's RANK and "
           "WORLD_SIZE)";
  }
  // The ranks --nproc starts see its flags too (GRADUS_TRAIN_NPROC marks them).
  const bool outside_rank = is_rank && !std::getenv("GRADUS_TRAIN_NPROC");
  if (outside_rank && job.nproc > 1) {
    return "--nproc " + std::to_string(job.nproc) +
           " starts its own ranks, but RANK and WORLD_SIZE are set, as a launcher such as torchrun sets them: "
           "unset them, or leave --nproc out";
  }
  if (several && config.model == "sparse-mlp") {
    return "--model sparse-mlp: its sparse embedding gradients are not averaged across ranks; run one process";
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  TrainConfig config;
  config.threads = std::max(1u, std::thread::hardware_concurrency());
  CLI::App app{"gradus-train: gradus optimizers and schedules against LibTorch's built-in ones"};
  app.add_option("--dataset", config.dataset, "mnist, fashion-mnist or cifar10")
      ->check(CLI::IsMember({"mnist", "fashion-mnist", "cifar10"}));
  app.add_option("--data-dir", config.data_dir, "default: data/mnist, /usr/share/datasets/fashion-mnist, data/cifar10");
  app.add_option("--model", config.model, "mlp, sparse-mlp (for sparse_adam), cnn or resnet")
      ->check(CLI::IsMember({"mlp", "sparse-mlp", "cnn", "resnet"}));
  app.add_option("--impl", config.impl, "gradus or builtin")->check(CLI::IsMember({"gradus", "builtin"}));
  app.add_flag("--compare-builtin,--compare", config.compare,
               "train each run with LibTorch's built-in optimizer too, same seed and initial weights");
  gradus::examples::Shootout shootout;
  std::vector<std::string> lr_of;
  app.add_option("--optimizers", shootout.optimizers, "a shoot-out: these optimizers (comma-separated) x --schedulers")
      ->delimiter(',')->check(CLI::IsMember(gradus::examples::optimizer_names()));
  app.add_option("--schedulers", shootout.schedulers, "a shoot-out: these schedules (comma-separated)")
      ->delimiter(',')->check(CLI::IsMember(kSchedulers));
  app.add_option("--builtin", shootout.builtin, "also LibTorch's built-in of these optimizers, with the first schedule")
      ->delimiter(',')->check(CLI::IsMember(gradus::examples::optimizer_names(/*with_builtin_only=*/true)));
  app.add_option("--precisions", shootout.precisions,
                 "a shoot-out: these precisions (comma-separated), each fp32 or bf16 params, +kahan or +sr, "
                 "+bf16-state or +int8-state, e.g. fp32,int8-state,bf16+kahan")
      ->delimiter(',');
  app.add_option("--lr-of", lr_of, "NAME=LR: the lr of one optimizer of a shoot-out (repeatable)");
  app.add_option("--target-accuracy", config.target_accuracy, "the table's steps and seconds to this test accuracy")
      ->check(gradus::examples::fraction());
  app.add_option("--evals-per-epoch", config.evals_per_epoch, "test-set evaluations per epoch")
      ->check(gradus::examples::integer_in(1, 1000));
  std::string optimizers_help;
  for (const auto& name : gradus::examples::optimizer_names()) optimizers_help += (optimizers_help.empty() ? "" : ", ") + name;
  app.add_option("--optimizer", config.optimizer.name,
                 optimizers_help + " (muon takes the 2-D hidden weights, AdamW the rest; sparse_adam the "
                                   "--model sparse-mlp's embedding, Adam the rest)")
      ->check(CLI::IsMember(gradus::examples::optimizer_names()));
  gradus::examples::OptimizerFlags optimizer_flags;
  optimizer_flags.add_to(app, config.optimizer);
  add_scheduler_flags(app, config.scheduler);
  // Bounded so that epochs x steps can't overflow.
  app.add_option("--epochs", config.epochs)->check(gradus::examples::integer_in(1, 1000000));
  app.add_option("--batch-size", config.batch_size)->check(gradus::examples::integer_in(1, int64_t(1) << 30));
  app.add_option("--device", config.device, "cpu or cuda")->check(CLI::IsMember({"cpu", "cuda"}));
  app.add_option("--amp", config.amp,
                 "mixed precision: none, bf16 (autocast) or fp16 (autocast and loss scaling; CUDA, or the CPU on "
                 "LibTorch 2.3 and later)")
      ->check(CLI::IsMember({"none", "bf16", "fp16"}));
  app.add_option("--param-dtype", config.param_dtype,
                 "the model's params: fp32, or bf16 (pure bfloat16 training; see --compensation)")
      ->check(CLI::IsMember({"fp32", "bf16"}));
  app.add_option("--state-precision", config.optimizer.state_precision,
                 "the optimizer's state: float32, bfloat16 or int8 (8-bit blocks; tensors of 4096 elements and up)")
      ->check(CLI::IsMember({"float32", "bfloat16", "int8"}));
  app.add_option("--compensation", config.optimizer.compensation,
                 "how --param-dtype bf16 params take their updates: none (round to nearest), kahan, or sr "
                 "(stochastic rounding)")
      ->transform(CLI::CheckedTransformer(std::map<std::string, std::string>{
          {"none", "none"}, {"kahan", "kahan"}, {"sr", "stochastic_rounding"},
          {"stochastic_rounding", "stochastic_rounding"}}));
  app.add_option("--clip-grad-norm", config.clip_grad_norm, "clip the gradients' total 2-norm to this (0: off)")
      ->check(gradus::examples::non_negative_number());
  app.add_option("--threads", config.threads, "intra-op threads (default: all cores)")
      ->check(gradus::examples::integer_in(1, 65536));
  app.add_option("--seed", config.seed);
  app.add_option("--train-limit", config.train_limit, "use only the first N training samples (0: all)")
      ->check(gradus::examples::integer_in(0, int64_t(1) << 40));
  app.add_option("--test-limit", config.test_limit, "use only the first N test samples (0: all)")
      ->check(gradus::examples::integer_in(0, int64_t(1) << 40));
  app.add_option("--log-interval", config.log_interval, "steps between logged metrics")
      ->check(gradus::examples::integer_in(1, int64_t(1) << 40));
  app.add_option("--metrics-out", config.metrics_out, "folder for steps.csv, epochs.csv and summary.json");
  app.add_option("--plot", config.plot, "SVG file: loss and accuracy curves, one per run");
  app.add_option("--checkpoint", config.checkpoint, "file written after every epoch: model, optimizer, scheduler");
  app.add_option("--resume", config.resume, "continue from a --checkpoint file");
  JobFlags job;
  app.add_option("--nproc", job.nproc, "processes (ranks) on this machine, each on its share of every batch")
      ->check(gradus::examples::integer_in(1, 256));
  app.add_flag("--zero", job.zero, "shard the optimizer state across the ranks (ZeRO-1)");
  app.add_option("--dist-timeout", job.timeout_seconds, "seconds a rank waits for the others (default 300)")
      ->check(gradus::examples::positive_number(86400 * 365));
  app.add_option("--stop-after-epoch", config.stop_after_epoch, "end after this epoch, e.g. to --resume later")
      ->check(gradus::examples::integer_in(0, int64_t(1) << 40));
  CLI11_PARSE(app, argc, argv);
  optimizer_flags.store(app, config.optimizer);
  if (const std::string problem = shootout_flag_problem(app, lr_of, config, shootout); !problem.empty()) {
    std::cerr << "error: " << problem << "\n";
    return kBadConfiguration;
  }
  std::vector<std::string> optimizers = shootout.optimizers.empty() ? std::vector<std::string>{config.optimizer.name}
                                                                    : shootout.optimizers;
  optimizers.insert(optimizers.end(), shootout.builtin.begin(), shootout.builtin.end());
  const auto schedulers = shootout.schedulers.empty() ? std::vector<std::string>{config.scheduler.name} : shootout.schedulers;
  if (const std::string problem = gradus::examples::flag_doing_nothing(app, optimizers, schedulers); !problem.empty()) {
    std::cerr << "error: " << problem << "\n";
    return kBadConfiguration;
  }
  if (!config.resume.empty() && (app.count("--lr") || app.count("--companion-lr"))) {
    std::cerr << "error: --lr does nothing with --resume: the lrs come from the checkpoint's optimizer and schedule\n";
    return kBadConfiguration;
  }
  if (config.stop_after_epoch > config.epochs) {
    std::cerr << "error: --stop-after-epoch " << config.stop_after_epoch << " is past --epochs " << config.epochs << "\n";
    return kBadConfiguration;
  }
  const bool is_rank = gradus::examples::launched_as_rank();
  if (const std::string problem = job_flag_problem(app, job, is_rank, config); !problem.empty()) {
    std::cerr << "error: " << problem << "\n";
    return kBadConfiguration;
  }
  gradus::examples::Ranks ranks;
  std::string who = "error: ";
  try {
    if (!is_rank && job.nproc > 1) {
      const int64_t threads = app.count("--threads") ? config.threads : std::max<int64_t>(1, config.threads / job.nproc);
      warn_if_oversubscribed(threads * job.nproc);
      return gradus::examples::launch_local_ranks(int(job.nproc), int(threads), argv);
    }
    if (is_rank) {
      gradus::examples::die_with_launcher();
      who = std::string("error (rank ") + std::getenv("RANK") + "): ";
      if (const char* threads = std::getenv("GRADUS_TRAIN_THREADS"); threads && !app.count("--threads")) {
        config.threads = std::max(1, std::atoi(threads));
      }
      ranks = gradus::examples::join_job(app.config_to_str(true, false), job.timeout_seconds, job.zero);
    }
    if (!is_rank) warn_if_oversubscribed(config.threads);
    return run(config, shootout, ranks);
  } catch (const c10::Error& e) {
    std::cerr << who << e.what_without_backtrace() << "\n";  // the message, not LibTorch's C++ frames
    return kRunError;
  } catch (const std::exception& e) {
    std::cerr << who << e.what() << "\n";
    return kRunError;
  }
}
