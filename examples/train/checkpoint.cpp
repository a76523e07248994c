#include "checkpoint.h"

#include <gradus/serialize.h>
#include <torch/serialize.h>

#include <sstream>
#include <utility>
#include <vector>

#include "output_files.h"

namespace gradus {
namespace examples {
namespace {

void write_part(torch::serialize::OutputArchive& archive, const std::string& key, torch::optim::Optimizer* optimizer,
                const Schedule& schedule) {
  if (!optimizer) return;
  torch::serialize::OutputArchive optimizer_archive, scheduler_archive;
  optimizer->save(optimizer_archive);
  archive.write(key, optimizer_archive);
  if (schedule.scheduler) {
    schedule.scheduler->save(scheduler_archive);
    archive.write(key == "optimizer" ? "scheduler" : key + "_scheduler", scheduler_archive);
  }
}

// What a checkpoint must agree on with the run that resumes it, by flag.
std::vector<std::pair<std::string, std::string>> settings_of(const TrainConfig& config, const std::string& impl) {
  return {{"--dataset", config.dataset},           {"--model", config.model},
          {"--optimizer", config.optimizer.name},  {"--impl", impl},
          {"--scheduler", config.scheduler.name}};
}

void read_part(torch::serialize::InputArchive& archive, const std::string& path, const std::string& key,
               torch::optim::Optimizer* optimizer, const Schedule& schedule) {
  torch::serialize::InputArchive optimizer_archive, scheduler_archive;
  const bool has_optimizer = archive.try_read(key, optimizer_archive);
  TORCH_CHECK(has_optimizer == bool(optimizer), path, ": the checkpoint has ", has_optimizer ? "a" : "no", " ", key,
              ", this run ", optimizer ? "has one" : "has none");
  if (!optimizer) return;
  optimizer->load(optimizer_archive);
  const bool has_scheduler = archive.try_read(key == "optimizer" ? "scheduler" : key + "_scheduler", scheduler_archive);
  TORCH_CHECK(has_scheduler == bool(schedule.scheduler), path, ": the checkpoint was written ",
              has_scheduler ? "with" : "without", " a scheduler, this run is configured ",
              schedule.scheduler ? "with" : "without");
  if (schedule.scheduler) schedule.scheduler->load(scheduler_archive);
}

// Refuses a model archive whose tensors differ in shape or dtype from the
// model's (Module::load would take them as they are), naming the first.
void check_shapes(const std::string& path, torch::serialize::InputArchive& archive, const torch::nn::Module& module,
                  const std::string& prefix) {
  auto check = [&](const std::string& name, const at::Tensor& expected) {
    at::Tensor saved;
    TORCH_CHECK(archive.try_read(name, saved), path, ": the checkpoint has no ", prefix + name);
    TORCH_CHECK(saved.sizes() == expected.sizes() && saved.scalar_type() == expected.scalar_type(), path,
                ": the checkpoint's ", prefix + name, " is ", saved.scalar_type(), " ", saved.sizes(),
                ", the model's is ", expected.scalar_type(), " ", expected.sizes());
  };
  for (const auto& item : module.named_parameters(false)) check(item.key(), item.value());
  for (const auto& item : module.named_buffers(false)) check(item.key(), item.value());
  for (const auto& child : module.named_children()) {
    torch::serialize::InputArchive child_archive;
    TORCH_CHECK(archive.try_read(child.key(), child_archive), path, ": the checkpoint has no ", prefix + child.key());
    check_shapes(path, child_archive, *child.value(), prefix + child.key() + ".");
  }
}

// Refuses weights that are NaN or infinite, naming the first such tensor.
void check_finite(const std::string& path, const torch::nn::Module& model) {
  for (const auto& item : model.named_parameters()) {
    TORCH_CHECK(item.value().isfinite().all().item<bool>(), path, ": the checkpoint's ", item.key(),
                " holds NaN or infinite values");
  }
}

}  // namespace

// The checkpoint: model, optimizers, schedules and the epochs done so far (checkpoint.h).
void save_checkpoint(const std::string& path, const TrainConfig& config, torch::nn::Sequential& model,
                     Stepping& stepping, const RunMetrics& metrics) {
  torch::serialize::OutputArchive archive, model_archive;
  for (const auto& [flag, value] : settings_of(config, metrics.impl)) archive.write("setting" + flag, c10::IValue(value));
  model->save(model_archive);
  archive.write("model", model_archive);
  write_part(archive, "optimizer", stepping.optimizers.main.get(), stepping.schedule);
  write_part(archive, "companion", stepping.optimizers.companion.get(), stepping.companion_schedule);
  archive.write("smoothed_loss", c10::IValue(stepping.smoothed_loss));
  if (stepping.scaler) {
    torch::serialize::OutputArchive scaler_archive;
    stepping.scaler->save(scaler_archive);
    archive.write("grad_scaler", scaler_archive);
  }
  std::vector<double> epochs;
  for (const auto& e : metrics.epochs) epochs.insert(epochs.end(), {e.train_loss, e.test_loss, e.test_accuracy, e.seconds});
  archive.write("epochs", c10::IValue(c10::List<double>(epochs)));
  // Into memory, then one checked, atomic write: a full disk is an error and
  // leaves the previous checkpoint whole.
  std::ostringstream bytes;
  archive.save_to(bytes);
  write_file(path, bytes.str());
}

// Restores a checkpoint written by the same configuration (checkpoint.h).
void load_checkpoint(const std::string& path, const TrainConfig& config, torch::nn::Sequential& model,
                     Stepping& stepping, RunMetrics& metrics, const at::Device& device) {
  torch::serialize::InputArchive archive, model_archive;
  try {
    gradus::serialize::load_archive(archive, path, device);
  } catch (const c10::Error& e) {
    std::string what = e.what_without_backtrace();
    if (what.rfind(path + ": ", 0) == 0) what.erase(0, path.size() + 2);
    TORCH_CHECK(false, "cannot read the checkpoint ", path, ": ", what);
  }
  for (const auto& [flag, value] : settings_of(config, metrics.impl)) {
    c10::IValue saved;
    TORCH_CHECK(archive.try_read("setting" + flag, saved), path, ": not a gradus-train checkpoint (no ", flag, ")");
    TORCH_CHECK(saved.toStringRef() == value, path, ": written by a run with ", flag, " ", saved.toStringRef(),
                "; this run has ", flag, " ", value);
  }
  archive.read("model", model_archive);
  check_shapes(path, model_archive, *model, "");
  model->load(model_archive);
  check_finite(path, *model);
  read_part(archive, path, "optimizer", stepping.optimizers.main.get(), stepping.schedule);
  read_part(archive, path, "companion", stepping.optimizers.companion.get(), stepping.companion_schedule);
  c10::IValue smoothed;
  if (archive.try_read("smoothed_loss", smoothed)) stepping.smoothed_loss = smoothed.toDouble();
  torch::serialize::InputArchive scaler_archive;
  const bool has_scaler = archive.try_read("grad_scaler", scaler_archive);
  TORCH_CHECK(has_scaler == bool(stepping.scaler), path, ": the checkpoint was written ",
              has_scaler ? "with" : "without", " a GradScaler (--amp fp16), this run is configured ",
              stepping.scaler ? "with one" : "without");
  if (stepping.scaler) stepping.scaler->load(scaler_archive);
  c10::IValue epochs;
  archive.read("epochs", epochs);
  const auto v = epochs.toDoubleVector();
  for (size_t i = 0; i + 3 < v.size(); i += 4) {
    metrics.epochs.push_back({int64_t(i / 4 + 1), v[i], v[i + 1], v[i + 2], v[i + 3]});
  }
}

}  // namespace examples
}  // namespace gradus
