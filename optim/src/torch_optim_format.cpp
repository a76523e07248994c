// torch::optim's file layout (torch/optim/serialize.h, the same in LibTorch
// 1.13 and 2.x): "pytorch_version" "1.5.0"; "state", one archive per param
// keyed by a string naming its TensorImpl; "param_groups", with
// "param_groups/size" and, per group, "params/size", "params/<i>" (those
// keys, in the group's order) and "options". The keys only pair state with
// params within one file.
#include <gradus/optim/torch_optim_format.h>

#include <ATen/ops/scalar_tensor.h>
#include <c10/util/Exception.h>
#include <torch/serialize.h>

#include <algorithm>
#include <cmath>

#include "state_tensors.h"
#include "torch_version.h"

namespace gradus {
namespace optim {
namespace {

const char* const kTorchVersion = "1.5.0";  // what every LibTorch writes and expects

bool has_torch_optim_twin(const std::string& name) {
  for (const char* twin : {"SGD", "Adam", "AdamW", "Adagrad", "RMSprop"}) {
    if (name == std::string("gradus::optim::") + twin) return true;
  }
  return false;
}

int64_t read_size(torch::serialize::InputArchive& archive, const std::string& key, const std::string& who) {
  at::Tensor size;
  TORCH_CHECK(archive.try_read(key, size) && size.numel() == 1 && !size.is_floating_point(), who,
              ": the torch::optim state file has no integer '", key, "'");
  return size.item<int64_t>();
}

std::string string_at(torch::serialize::InputArchive& archive, const std::string& key, const std::string& who) {
  c10::IValue value;
  TORCH_CHECK(archive.try_read(key, value) && value.isString(), who, ": the torch::optim state file has no '", key,
              "' key string");
  return value.toStringRef();
}

// Refuses keys of `archive` that are not in `known`: the file is another
// optimizer's (an SGD file has momentum_buffer, which Adam does not keep).
void refuse_unknown(torch::serialize::InputArchive& archive, const std::vector<std::string>& known,
                    const std::string& who, const std::string& what) {
  for (const auto& key : archive.keys()) {
    TORCH_CHECK(std::find(known.begin(), known.end(), key) != known.end(), who, ": the torch::optim state file's ",
                what, " has '", key, "', which ", who, " does not keep: it was written by another optimizer");
  }
}

}  // namespace

namespace detail {

void TorchOptimWriter::operator()(const char* key, double value) const { archive.write(key, c10::IValue(value)); }
void TorchOptimWriter::operator()(const char* key, bool value) const { archive.write(key, c10::IValue(value)); }
void TorchOptimWriter::operator()(const char* key, const std::tuple<double, double>& value) const {
  archive.write(key, c10::IValue(value));
}
void TorchOptimWriter::operator()(const char* key, const std::tuple<std::optional<double>, double>& value) const {
  archive.write(key, c10::IValue(std::make_tuple(std::get<0>(value).value_or(NAN), std::get<1>(value))));
}
void TorchOptimWriter::operator()(const char* key, const std::tuple<double, double, double>& value) const {
  archive.write(key, c10::IValue(value));
}
void TorchOptimWriter::operator()(const char* key, int64_t value) const { archive.write(key, c10::IValue(value)); }
void TorchOptimWriter::operator()(const char* key, const std::string& value) const {
  archive.write(key, c10::IValue(value));
}
void TorchOptimWriter::operator()(const char* key, const at::Tensor& value) const {
  if (!value.defined()) return;
  if (std::string(key) == "step") {
    archive.write(key, c10::IValue(static_cast<int64_t>(std::llround(value.item<double>()))));
  } else {
    archive.write(key, value, /*is_buffer=*/true);
  }
}

namespace {
template <typename Read>
void read_if_there(torch::serialize::InputArchive& archive, const char* key, std::vector<std::string>& known,
                   Read read) {
  known.emplace_back(key);
  c10::IValue value;
  if (archive.try_read(key, value)) read(value);
}
}  // namespace

void TorchOptimReader::operator()(const char* key, double& value) const {
  read_if_there(archive, key, known, [&](const c10::IValue& v) { value = v.toDouble(); });
}
void TorchOptimReader::operator()(const char* key, bool& value) const {
  read_if_there(archive, key, known, [&](const c10::IValue& v) { value = v.toBool(); });
}
void TorchOptimReader::operator()(const char* key, std::tuple<double, double>& value) const {
  read_if_there(archive, key, known, [&](const c10::IValue& v) { value = v.to<std::tuple<double, double>>(); });
}
void TorchOptimReader::operator()(const char* key, std::tuple<std::optional<double>, double>& value) const {
  read_if_there(archive, key, known, [&](const c10::IValue& v) {
    const auto pair = v.to<std::tuple<double, double>>();
    value = std::make_tuple(std::isnan(std::get<0>(pair)) ? std::nullopt : std::optional<double>(std::get<0>(pair)),
                            std::get<1>(pair));
  });
}
void TorchOptimReader::operator()(const char* key, std::tuple<double, double, double>& value) const {
  read_if_there(archive, key, known,
                [&](const c10::IValue& v) { value = v.to<std::tuple<double, double, double>>(); });
}
void TorchOptimReader::operator()(const char* key, int64_t& value) const {
  read_if_there(archive, key, known, [&](const c10::IValue& v) { value = v.toInt(); });
}
void TorchOptimReader::operator()(const char* key, std::string& value) const {
  read_if_there(archive, key, known, [&](const c10::IValue& v) { value = v.toStringRef(); });
}
void TorchOptimReader::operator()(const char* key, at::Tensor& value) const {
  known.emplace_back(key);
  if (std::string(key) == "step") {
    c10::IValue step;
    if (!archive.try_read(key, step)) return;
    TORCH_CHECK(step.isInt() && step.toInt() >= 0, "its step count should be an integer >= 0, not ", step.tagKind());
    value = new_step_count(*param).fill_(static_cast<double>(step.toInt()));
    return;
  }
  at::Tensor read;
  if (!archive.try_read(key, read, /*is_buffer=*/true)) return;
  TORCH_CHECK(read.sizes() == param->sizes(), "its ", key, " has size ", read.sizes(), ", but the param has ",
              param->sizes());
  value = read;
}

}  // namespace detail

void FusedOptimizer::load_torch_optim(torch::serialize::InputArchive& archive) {
  using torch_version::state_key;
  TORCH_CHECK(has_torch_optim_twin(name_), name_,
              ": this is a torch::optim state file; LibTorch has no twin of this optimizer to have written it "
              "(SGD, Adam, AdamW, Adagrad and RMSprop read their twins' files)");
  TORCH_CHECK(string_at(archive, "pytorch_version", name_) == kTorchVersion, name_,
              ": unknown torch::optim state file version");
  torch::serialize::InputArchive state_archive, groups_archive;
  TORCH_CHECK(archive.try_read("state", state_archive) && archive.try_read("param_groups", groups_archive), name_,
              ": the torch::optim state file has no 'state' or 'param_groups'");
  const int64_t groups = read_size(groups_archive, "param_groups/size", name_);
  TORCH_CHECK(groups == static_cast<int64_t>(param_groups_.size()), name_, ": the torch::optim state file has ",
              groups, " param groups but this optimizer has ", param_groups_.size());
  // Into new objects first, as load() does: a refused file changes nothing.
  std::vector<std::unique_ptr<OptimizerOptions>> options;
  std::decay_t<decltype(state_)> state;
  for (size_t g = 0; g < param_groups_.size(); ++g) {
    const auto& params = param_groups_[g].params();
    torch::serialize::InputArchive group_archive, options_archive;
    TORCH_CHECK(groups_archive.try_read("param_groups/" + std::to_string(g), group_archive) &&
                    group_archive.try_read("options", options_archive),
                name_, ": the torch::optim state file has no param group ", g);
    const int64_t count = read_size(group_archive, "params/size", name_);
    TORCH_CHECK(count == static_cast<int64_t>(params.size()), name_, ": param group ", g, " has ", count,
                " params in the torch::optim state file but ", params.size(), " here");
    options.push_back(param_groups_[g].options().clone());
    std::vector<std::string> known;
    dynamic_cast<FusedOptionsBase&>(*options.back()).read_torch_optim(options_archive, known);
    refuse_unknown(options_archive, known, name_, "options of param group " + std::to_string(g));
    check_group_options(*options.back());
    for (size_t i = 0; i < params.size(); ++i) {
      torch::serialize::InputArchive param_archive;
      if (!state_archive.try_read(string_at(group_archive, "params/" + std::to_string(i), name_), param_archive)) {
        continue;
      }
      const std::string which = "param " + std::to_string(i) + " of param group " + std::to_string(g);
      auto param_state = make_empty_state();
      std::vector<std::string> fields;
      try {
        dynamic_cast<FusedParamStateBase&>(*param_state).read_torch_optim(param_archive, params[i], fields);
      } catch (const c10::Error& e) {
        TORCH_CHECK(false, name_, ": the torch::optim state file's state of ", which, " does not fit: ",
                    e.what_without_backtrace());
      }
      refuse_unknown(param_archive, fields, name_, "state of " + which);
      loaded_options_ = options.back().get();
      try {
        check_loaded_state(*param_state, params[i], which);
      } catch (...) {
        loaded_options_ = nullptr;
        throw;
      }
      loaded_options_ = nullptr;
      state[state_key(params[i])] = std::move(param_state);
    }
  }
  for (size_t g = 0; g < param_groups_.size(); ++g) {
    const at::Tensor kept = dynamic_cast<const FusedOptionsBase&>(param_groups_[g].options()).device_lr();
    attach_device_lr(*options[g], param_groups_[g].params(), kept);
    param_groups_[g].set_options(std::move(options[g]));
  }
  state_ = std::move(state);
}

void save_as_torch_optim(const FusedOptimizer& optimizer, torch::serialize::OutputArchive& archive) {
  TORCH_CHECK(has_torch_optim_twin(optimizer.name()), optimizer.name(),
              ": LibTorch has no twin of this optimizer to load a torch::optim state file");
  for (const auto& group : optimizer.param_groups()) {
    const auto& o = dynamic_cast<const FusedOptionsBase&>(group.options());
    TORCH_CHECK(o.state_precision() == StatePrecision::float32 && o.compensation() == Compensation::none,
                optimizer.name(), ": torch::optim keeps float32 state and no compensation; this optimizer has ",
                to_string(o.state_precision()), " state and compensation ", to_string(o.compensation()));
  }
  archive.write("pytorch_version", c10::IValue(kTorchVersion));
  torch::serialize::OutputArchive state_archive(archive.compilation_unit());
  torch::serialize::OutputArchive groups_archive(archive.compilation_unit());
  const auto& groups = optimizer.param_groups();
  groups_archive.write("param_groups/size", at::scalar_tensor(static_cast<int64_t>(groups.size())));
  for (size_t g = 0; g < groups.size(); ++g) {
    torch::serialize::OutputArchive group_archive(archive.compilation_unit());
    torch::serialize::OutputArchive options_archive(archive.compilation_unit());
    const auto& params = groups[g].params();
    group_archive.write("params/size", at::scalar_tensor(static_cast<int64_t>(params.size())));
    for (size_t i = 0; i < params.size(); ++i) {
      // Decimal: LibTorch 2.x parses these keys as numbers, 1.13 compares them.
      const std::string key = std::to_string(reinterpret_cast<size_t>(params[i].unsafeGetTensorImpl()));
      group_archive.write("params/" + std::to_string(i), c10::IValue(key));
      auto found = optimizer.state_.find(torch_version::state_key(params[i]));
      if (found == optimizer.state_.end()) continue;
      torch::serialize::OutputArchive param_archive(archive.compilation_unit());
      dynamic_cast<const FusedParamStateBase&>(*found->second).write_torch_optim(param_archive);
      state_archive.write(key, param_archive);
    }
    dynamic_cast<const FusedOptionsBase&>(groups[g].options()).write_torch_optim(options_archive);
    group_archive.write("options", options_archive);
    groups_archive.write("param_groups/" + std::to_string(g), group_archive);
  }
  archive.write("state", state_archive);
  archive.write("param_groups", groups_archive);
}

void save_as_torch_optim(const FusedOptimizer& optimizer, const std::string& path) {
  torch::serialize::OutputArchive archive;
  save_as_torch_optim(optimizer, archive);
  archive.save_to(path);
}

}  // namespace optim
}  // namespace gradus
