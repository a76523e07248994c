#pragma once
// Everything gradus-train's command line sets.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace gradus {
namespace examples {

// An optimizer option as given on the command line: a number, a flag, an
// integer, a word, or a tuple of numbers.
using OptionValue = std::variant<double, bool, int64_t, std::string, std::vector<double>>;

struct OptimizerConfig {
  std::string name = "adam";  // an entry of optimizer_registry()
  std::optional<double> lr;   // default: the optimizer's own (SGD, which has none: 0.01)
  // The options given, by name (weight_decay); the rest keep the optimizer's
  // defaults, those of its declaration.
  std::map<std::string, OptionValue> options;
  // Muon and SparseAdam take only some parameters (2-D hidden weights; the
  // sparse embedding). A companion takes the rest: AdamW for Muon, Adam for
  // SparseAdam, as PyTorch's documentation advises, with this lr.
  double companion_lr = 1e-3;
  // Low-memory training (gradus/optim/precision.h), for the elementwise
  // optimizers: float32, bfloat16 or int8 state; none, kahan or
  // stochastic_rounding for bf16 params (--param-dtype).
  std::string state_precision = "float32";
  std::string compensation = "none";
};

struct SchedulerConfig {
  // none (or constant), linear-decay, loss-adaptive, step, multistep,
  // exponential, cosine, warmup-cosine, wsd, onecycle, cyclic, plateau
  std::string name = "none";
  int64_t step_size = 1;                  // step: epochs per decay
  std::vector<int64_t> milestones{2, 4};  // multistep: epochs
  double gamma = 0.1;                     // step, multistep, exponential
  double end_factor = 0.0;                // linear-decay, wsd
  std::optional<double> min_loss;         // loss-adaptive: fixed reference
  double warmup_fraction = 0.05;          // warmup-cosine, wsd: of all steps
  double decay_fraction = 0.2;            // wsd: of all steps
  double eta_min = 0.0;                   // cosine, warmup-cosine
  std::optional<double> max_lr;           // onecycle, cyclic (default: 10 x lr)
  double pct_start = 0.3;                 // onecycle
  int64_t patience = 1;                   // plateau: epochs
  double factor = 0.5;                    // plateau
};

struct TrainConfig {
  std::string dataset = "mnist", data_dir, model = "cnn", impl = "gradus", device = "cpu";
  bool compare = false;
  OptimizerConfig optimizer;
  SchedulerConfig scheduler;
  int64_t epochs = 1, batch_size = 64, threads = 0, seed = 1;
  int64_t train_limit = 0, test_limit = 0;  // use only the first N samples (0: all)
  int64_t log_interval = 50;
  int64_t evals_per_epoch = 4;   // test-set evaluations per epoch (the last at its end)
  double target_accuracy = 0.97;  // the ranked table's "steps to" and "s to" columns
  // Mixed precision: none (float32), bf16 (autocast; the CPU or CUDA), fp16
  // (autocast and a GradScaler; CUDA, or the CPU where LibTorch autocasts it).
  std::string amp = "none";
  // The model's params (and inputs): fp32, or bf16 (pure bfloat16 training,
  // with the optimizer's --compensation).
  std::string param_dtype = "fp32";
  double clip_grad_norm = 0;  // > 0: the gradients' total 2-norm is clipped to it
  std::string label;              // the run's name; default "<impl> <optimizer>"
  int64_t stop_after_epoch = 0;  // end this run after that epoch (to --resume later); 0: run all
  std::string metrics_out, plot, checkpoint, resume;
};

}  // namespace examples
}  // namespace gradus
