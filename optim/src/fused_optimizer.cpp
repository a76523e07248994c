#include <gradus/optim/fused_optimizer.h>
#include <torch/serialize/archive.h>

#include <ATen/MemoryOverlap.h>
#include <ATen/ops/full.h>
#include <ATen/ops/zeros.h>
#include <c10/core/GradMode.h>
#include <c10/util/Type.h>

#include <cmath>
#include <sstream>
#include <typeinfo>
#include <type_traits>

#include "borrowed_tensors.h"
#include "fused_call.h"
#include "parallel_for.h"
#include "state_tensors.h"
#include "torch_version.h"

namespace gradus {
namespace optim {
namespace {

using torch_version::state_key;

constexpr int64_t kFormatVersion = 1;
const char* const kNameKey = "gradus_optimizer";
const char* const kVersionKey = "gradus_format_version";
const char* const kGroupCountKey = "param_group_count";

std::string group_key(size_t g) { return "param_group_" + std::to_string(g); }
std::string state_key_in_group(size_t i) { return "state_" + std::to_string(i); }

c10::IValue read_required(torch::serialize::InputArchive& archive, const std::string& key) {
  c10::IValue value;
  TORCH_CHECK(archive.try_read(key, value), "gradus: the optimizer state file has no '", key,
              "' entry; it is truncated or was written by something else");
  return value;
}

// A parameter's metadata, and its gradient's, are cache misses on a list of
// many small tensors: the pass over them asks for parameter i + 8's while it
// reads parameter i's, and for the autograd record (holding the gradient)
// of parameter i + 4.
void prefetch_param(const std::vector<at::Tensor>& params, size_t i) {
  if (i + 8 < params.size()) {
    const char* impl = reinterpret_cast<const char*>(params[i + 8].unsafeGetTensorImpl());
    for (size_t line = 0; line < sizeof(c10::TensorImpl); line += 64) __builtin_prefetch(impl + line);
  }
  if (i + 4 < params.size()) __builtin_prefetch(params[i + 4].unsafeGetTensorImpl()->autograd_meta());
}

// Param i of group g's gradient, checked against it; null when it has none
// (the param is skipped).
const at::Tensor* checked_grad(const std::string& name, bool takes_sparse, const at::Tensor& param, size_t i,
                               size_t g) {
  const at::Tensor& grad = param.grad();
  if (!grad.defined()) return nullptr;
  TORCH_CHECK(grad.is_sparse() == takes_sparse, name, " does not support ", grad.is_sparse() ? "sparse" : "dense",
              " gradients (param ", i, " of param group ", g, ", shape ", param.sizes(), ")",
              grad.is_sparse() ? "" : "; SparseAdam takes sparse ones only");
  TORCH_CHECK(grad.sizes() == param.sizes() && grad.scalar_type() == param.scalar_type() &&
                  grad.device() == param.device(),
              name, ": param ", i, " of param group ", g, " is ", param.scalar_type(), " ", param.sizes(), " on ",
              param.device(), " but its gradient is ", grad.scalar_type(), " ", grad.sizes(), " on ", grad.device());
  // An update written through a self-overlapping view (e.g. expand()) would
  // write one element several times; refuse it before any state moves.
  TORCH_CHECK(param.is_contiguous() || at::has_internal_overlap(param) != at::MemOverlap::Yes, name, ": param ", i,
              " of param group ", g, " (shape ", param.sizes(), ", strides ", param.strides(),
              ") has elements that share memory; give the optimizer a tensor that owns its elements");
  return &grad;
}

}  // namespace

namespace detail {

void ArchiveWriter::operator()(const char* key, double value) const {
  archive.write(key, c10::IValue(value));
}
void ArchiveWriter::operator()(const char* key, bool value) const {
  archive.write(key, c10::IValue(value));
}
void ArchiveWriter::operator()(const char* key, const std::tuple<double, double>& value) const {
  archive.write(std::string(key) + "_0", c10::IValue(std::get<0>(value)));
  archive.write(std::string(key) + "_1", c10::IValue(std::get<1>(value)));
}
void ArchiveWriter::operator()(const char* key, const std::tuple<std::optional<double>, double>& value) const {
  if (std::get<0>(value)) archive.write(std::string(key) + "_0", c10::IValue(*std::get<0>(value)));
  archive.write(std::string(key) + "_1", c10::IValue(std::get<1>(value)));
}
void ArchiveWriter::operator()(const char* key, const std::tuple<double, double, double>& value) const {
  archive.write(std::string(key) + "_0", c10::IValue(std::get<0>(value)));
  archive.write(std::string(key) + "_1", c10::IValue(std::get<1>(value)));
  archive.write(std::string(key) + "_2", c10::IValue(std::get<2>(value)));
}
void ArchiveWriter::operator()(const char* key, int64_t value) const { archive.write(key, c10::IValue(value)); }
void ArchiveWriter::operator()(const char* key, const std::string& value) const {
  archive.write(key, c10::IValue(value));
}
void ArchiveWriter::operator()(const char* key, const at::Tensor& value) const {
  if (value.defined()) archive.write(key, value, /*is_buffer=*/true);
}

void ArchiveReader::operator()(const char* key, double& value) const {
  value = read_required(archive, key).toDouble();
}
void ArchiveReader::operator()(const char* key, bool& value) const { optional(key, value); }
void ArchiveReader::optional(const char* key, bool& value) const {
  c10::IValue read;
  if (archive.try_read(key, read)) value = read.toBool();
}
void ArchiveReader::optional(const char* key, c10::optional<double>& value) const {
  c10::IValue read;
  value = archive.try_read(key, read) ? c10::optional<double>(read.toDouble()) : c10::nullopt;
}
void ArchiveReader::operator()(const char* key, std::tuple<double, double>& value) const {
  value = std::make_tuple(read_required(archive, std::string(key) + "_0").toDouble(),
                          read_required(archive, std::string(key) + "_1").toDouble());
}
void ArchiveReader::operator()(const char* key, std::tuple<std::optional<double>, double>& value) const {
  c10::IValue first;
  const bool has_first = archive.try_read(std::string(key) + "_0", first);
  value = std::make_tuple(has_first ? std::optional<double>(first.toDouble()) : std::nullopt,
                          read_required(archive, std::string(key) + "_1").toDouble());
}
void ArchiveReader::operator()(const char* key, std::tuple<double, double, double>& value) const {
  value = std::make_tuple(read_required(archive, std::string(key) + "_0").toDouble(),
                          read_required(archive, std::string(key) + "_1").toDouble(),
                          read_required(archive, std::string(key) + "_2").toDouble());
}
void ArchiveReader::operator()(const char* key, int64_t& value) const { value = read_required(archive, key).toInt(); }
void ArchiveReader::operator()(const char* key, std::string& value) const {
  value = read_required(archive, key).toStringRef();
}
void ArchiveReader::operator()(const char* key, at::Tensor& value) const {
  at::Tensor read;
  value = archive.try_read(key, read, /*is_buffer=*/true) ? read : at::Tensor();
}

}  // namespace detail

ParamBucket::ParamBucket(ParamBucket&& other) noexcept
    : params_(std::move(other.params_)), grads_(std::move(other.grads_)) {
  other.params_.clear();
  other.grads_.clear();
}

ParamBucket::~ParamBucket() {
  release_borrows(params_);
  release_borrows(grads_);
}

void ParamBucket::reserve(size_t n) {
  params_.reserve(n);
  grads_.reserve(n);
}

void ParamBucket::add(const at::Tensor& param, const at::Tensor& grad) {
  params_.push_back(borrow(param));
  grads_.push_back(borrow(grad));
}

FusedOptimizer::FusedOptimizer(std::vector<OptimizerParamGroup> param_groups,
                               std::unique_ptr<OptimizerOptions> defaults, std::string name)
    : Optimizer(std::vector<OptimizerParamGroup>{}, std::move(defaults)), name_(std::move(name)) {
  for (const auto& group : param_groups) add_param_group(group);
}

std::vector<OptimizerParamGroup> FusedOptimizer::single_group(std::vector<at::Tensor> params,
                                                              const std::string& name) {
  TORCH_CHECK(!params.empty(), name, ": optimizer got an empty parameter list");
  return {OptimizerParamGroup(std::move(params))};
}

void FusedOptimizer::add_param_group(const OptimizerParamGroup& param_group) {
  const size_t index = param_groups_.size();
  for (const at::Tensor& param : param_group.params()) {
    TORCH_CHECK(param.defined(), name_, ": param group ", index, " holds an undefined tensor");
    TORCH_CHECK(param.is_leaf(), name_, ": can't optimize a non-leaf tensor (param group ", index, ")");
    for (const auto& group : param_groups_) {
      for (const at::Tensor& other : group.params()) {
        TORCH_CHECK(!other.is_same(param), name_,
                    ": some parameters appear in more than one parameter group (param group ", index, ")");
      }
    }
  }
  // The group's options must be this optimizer's own type: a static_cast to it
  // follows at every step.
  const OptimizerOptions& options = param_group.has_options() ? param_group.options() : defaults();
  TORCH_CHECK(typeid(options) == typeid(defaults()), name_, ": param group ", index, " has options of type ",
              c10::demangle(typeid(options).name()), ", expected ", c10::demangle(typeid(defaults()).name()));
  OptimizerParamGroup added(param_group.params());
  added.set_options(options.clone());
  dynamic_cast<FusedOptionsBase&>(added.options()).initial_lr_ = c10::nullopt;  // a new group has no schedule yet
  attach_device_lr(added.options(), added.params());
  param_groups_.push_back(std::move(added));
}

void FusedOptimizer::attach_device_lr(OptimizerOptions& options, const std::vector<at::Tensor>& params,
                                      const at::Tensor& keep) {
  auto& capturable = dynamic_cast<FusedOptionsBase&>(options);
  if (!capturable.capturable_) {
    capturable.device_lr_ = at::Tensor();
    return;
  }
  const at::Device device = params.empty() ? at::Device(at::kCPU) : params[0].device();
  if (keep.defined() && keep.device() == device) {
    capturable.device_lr_ = keep;
    capturable.device_lr_.fill_(options.get_lr());
  } else {
    capturable.device_lr_ = at::full({}, options.get_lr(), at::TensorOptions().dtype(at::kFloat).device(device));
  }
}

ops::StepTensors FusedOptimizer::step_tensors(const OptimizerOptions& options) const {
  ops::StepTensors extra;
  const at::Tensor& lr = dynamic_cast<const FusedOptionsBase&>(options).device_lr();
  if (lr.defined() && !lr.device().is_cpu()) extra.lr = lr;
  extra.grad_scale = grad_scale_;
  extra.found_inf = found_inf_;
  return extra;
}

torch::Tensor FusedOptimizer::step_with_scale(const at::Tensor& grad_scale, const at::Tensor& found_inf,
                                              LossClosure closure) {
  TORCH_CHECK(takes_grad_scale(), name_, ": step_with_scale: its step is not one fused pass over the gradients; "
              "unscale them and skip the step yourself (gradus::amp::GradScaler does)");
  struct Reset {
    FusedOptimizer& self;
    ~Reset() { self.grad_scale_ = self.found_inf_ = at::Tensor(); }
  } reset{*this};
  grad_scale_ = grad_scale;
  found_inf_ = found_inf;
  return step(std::move(closure));
}

void FusedOptimizer::check_all_options() const {
  check_group_options(defaults());
  for (const auto& group : param_groups_) check_group_options(group.options());
}

void FusedOptimizer::check_group_options(const OptimizerOptions& options) const {
  check_options(options);
  const auto& o = dynamic_cast<const FusedOptionsBase&>(options);
  TORCH_CHECK(takes_low_precision() || (o.state_precision() == StatePrecision::float32 &&
                                        o.compensation() == Compensation::none),
              name_, ": state_precision ", to_string(o.state_precision()), " and compensation ",
              to_string(o.compensation()), " are not available here: only float32 state and no compensation ",
              "(they are options of the elementwise optimizers)");
  TORCH_CHECK(o.state_precision_min_numel() >= 0, name_, ": invalid state_precision_min_numel: ",
              o.state_precision_min_numel(), " (>= 0)");
  TORCH_CHECK(o.rounding_seed() >= 0 && o.rounding_seed() <= (int64_t(1) << 53), name_,
              ": invalid rounding_seed: ", o.rounding_seed(), " (from 0 to 2^53)");
}

torch::Tensor FusedOptimizer::step(LossClosure closure) {
  c10::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    c10::AutoGradMode enable_grad(true);
    loss = closure();
  }
  // Every group is checked before any is updated: a bad second group must
  // not leave the first one stepped.
  std::vector<std::vector<ParamBucket>> buckets;
  for (size_t g = 0; g < param_groups_.size(); ++g) {
    check_group_options(param_groups_[g].options());
    buckets.push_back(bucket_group(g));
    for (const ParamBucket& bucket : buckets[g]) check_bucket(param_groups_[g].options(), bucket);
  }
  for (size_t g = 0; g < param_groups_.size(); ++g) {
    for (ParamBucket& bucket : buckets[g]) step_bucket(param_groups_[g].options(), bucket);
    after_group_step(param_groups_[g].options());
    ++dynamic_cast<FusedOptionsBase&>(param_groups_[g].options()).rounding_step_;
  }
  return loss;
}

std::vector<ParamBucket> FusedOptimizer::bucket_group(size_t group_index) const {
  const auto& params = param_groups_[group_index].params();
  const size_t n = params.size();
  // First every gradient, checked, with each param's device and dtype; then
  // the buckets, in the params' order, from those records alone.
  std::vector<const at::Tensor*> grads(n);
  std::vector<at::Device> devices(n, at::kCPU);
  std::vector<at::ScalarType> dtypes(n);
  parallel_checked(n, kTensorsPerTask, [&](size_t i) {
    prefetch_param(params, i);
    grads[i] = checked_grad(name_, takes_sparse_gradients(), params[i], i, group_index);
    if (grads[i]) {
      devices[i] = params[i].device();
      dtypes[i] = params[i].scalar_type();
    }
  });
  std::vector<ParamBucket> buckets;
  std::vector<size_t> first_of_bucket;  // the param that opened each bucket
  for (size_t i = 0; i < n; ++i) {
    if (!grads[i]) continue;
    size_t b = 0;
    while (b < buckets.size() && (devices[first_of_bucket[b]] != devices[i] || dtypes[first_of_bucket[b]] != dtypes[i])) ++b;
    if (b == buckets.size()) {
      buckets.emplace_back();
      buckets.back().reserve(n);
      first_of_bucket.push_back(i);
    }
    buckets[b].add(params[i], *grads[i]);
  }
  return buckets;
}

std::vector<OptimizerParamState*> FusedOptimizer::find_states(at::TensorList params) {
  std::vector<OptimizerParamState*> found(params.size());
  at::parallel_for(0, static_cast<int64_t>(params.size()), kTensorsPerTask, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      found[i] = find_state(params[i]);
      if (found[i]) __builtin_prefetch(found[i]);
    }
  });
  return found;
}

OptimizerParamState* FusedOptimizer::find_state(const at::Tensor& param) {
  auto it = state_.find(state_key(param));
  return it == state_.end() ? nullptr : it->second.get();
}

void FusedOptimizer::set_state(const at::Tensor& param, std::unique_ptr<OptimizerParamState> state) {
  state_[state_key(param)] = std::move(state);
}

void FusedOptimizer::save(torch::serialize::OutputArchive& archive) const {
  archive.write(kNameKey, c10::IValue(name_));
  archive.write(kVersionKey, c10::IValue(kFormatVersion));
  archive.write(kGroupCountKey, c10::IValue(static_cast<int64_t>(param_groups_.size())));
  for (size_t g = 0; g < param_groups_.size(); ++g) {
    const auto& group = param_groups_[g];
    torch::serialize::OutputArchive group_archive(archive.compilation_unit());
    group_archive.write("param_count", c10::IValue(static_cast<int64_t>(group.params().size())));
    group.options().serialize(group_archive);
    for (size_t i = 0; i < group.params().size(); ++i) {
      auto it = state_.find(state_key(group.params()[i]));
      if (it == state_.end()) continue;
      torch::serialize::OutputArchive state_archive(archive.compilation_unit());
      it->second->serialize(state_archive);
      group_archive.write(state_key_in_group(i), state_archive);
    }
    archive.write(group_key(g), group_archive);
  }
}

// How state is stored is this optimizer's choice, not the file's: a file
// whose state is in another precision is refused by load() and converted
// by load_converting().
void FusedOptimizer::keep_state_precision(OptimizerOptions& loaded, const OptimizerOptions& current) {
  auto& to = dynamic_cast<FusedOptionsBase&>(loaded);
  const auto& from = dynamic_cast<const FusedOptionsBase&>(current);
  to.state_precision_ = from.state_precision_;
  to.state_precision_min_numel_ = from.state_precision_min_numel_;
}

void FusedOptimizer::load_converting(torch::serialize::InputArchive& archive) {
  converting_state_ = true;
  try {
    load(archive);
  } catch (...) {
    converting_state_ = false;
    throw;
  }
  converting_state_ = false;
}

void FusedOptimizer::load(torch::serialize::InputArchive& archive) {
  c10::IValue tag;
  if (!archive.try_read(kNameKey, tag) && archive.try_read("pytorch_version", tag)) return load_torch_optim(archive);
  TORCH_CHECK(tag.isString(), name_, ": this is neither a gradus optimizer state file (it has no '", kNameKey,
              "' entry) nor a torch::optim one");
  TORCH_CHECK(tag.toStringRef() == name_, name_, ": the state file was written by ",
              tag.toStringRef(), ", not by ", name_);
  const int64_t version = read_required(archive, kVersionKey).toInt();
  TORCH_CHECK(version == kFormatVersion, name_, ": state file format version ", version,
              " is not supported (expected ", kFormatVersion, ")");
  const int64_t groups = read_required(archive, kGroupCountKey).toInt();
  TORCH_CHECK(groups == static_cast<int64_t>(param_groups_.size()), name_, ": the state file has ",
              groups, " param groups but this optimizer has ", param_groups_.size());
  // Everything is read into new objects first; only a file that passes every
  // check replaces the options and state, so a refused file changes nothing.
  std::vector<std::unique_ptr<OptimizerOptions>> options;
  std::decay_t<decltype(state_)> state;
  for (size_t g = 0; g < param_groups_.size(); ++g) {
    const auto& group = param_groups_[g];
    torch::serialize::InputArchive group_archive;
    TORCH_CHECK(archive.try_read(group_key(g), group_archive), name_, ": the state file has no '", group_key(g),
                "' entry; it is truncated or was written by something else");
    const int64_t count = read_required(group_archive, "param_count").toInt();
    TORCH_CHECK(count == static_cast<int64_t>(group.params().size()), name_, ": param group ", g,
                " has ", count, " params in the state file but ", group.params().size(), " here");
    options.push_back(group.options().clone());
    options.back()->serialize(group_archive);
    keep_state_precision(*options.back(), group.options());
    check_group_options(*options.back());
    loaded_options_ = options.back().get();
    for (size_t i = 0; i < group.params().size(); ++i) {
      torch::serialize::InputArchive state_archive;
      if (!group_archive.try_read(state_key_in_group(i), state_archive)) continue;
      auto param_state = make_empty_state();
      param_state->serialize(state_archive);
      try {
        check_loaded_state(*param_state, group.params()[i],
                           "param " + std::to_string(i) + " of param group " + std::to_string(g));
      } catch (...) {
        loaded_options_ = nullptr;
        throw;
      }
      state[state_key(group.params()[i])] = std::move(param_state);
    }
    loaded_options_ = nullptr;
  }
  // A capturable group keeps its device lr tensor: a captured graph reads it.
  for (size_t g = 0; g < param_groups_.size(); ++g) {
    const at::Tensor kept = dynamic_cast<const FusedOptionsBase&>(param_groups_[g].options()).device_lr();
    attach_device_lr(*options[g], param_groups_[g].params(), kept);
  }
  for (size_t g = 0; g < param_groups_.size(); ++g) param_groups_[g].set_options(std::move(options[g]));
  state_ = std::move(state);
}

void check_state_tensor(const std::string& who, const std::string& which, const char* name, const at::Tensor& tensor,
                        const at::Tensor& param) {
  TORCH_CHECK(tensor.defined(), who, ": the state file has no ", name, " for ", which);
  TORCH_CHECK(tensor.sizes() == param.sizes() && tensor.scalar_type() == param.scalar_type() &&
                  tensor.device() == param.device(),
              who, ": the state file's ", name, " of ", which, " is ", tensor.scalar_type(), " ", tensor.sizes(),
              " on ", tensor.device(), ", but the param is ", param.scalar_type(), " ", param.sizes(), " on ",
              param.device());
}

at::Tensor zeros_state_like(const at::Tensor& param) {
  return at::zeros(param.sizes(),
                   param.options().dtype(kernels::state_dtype_for(param.scalar_type())));
}

at::Tensor full_state_like(const at::Tensor& param, double value) {
  return at::full(param.sizes(), value,
                  param.options().dtype(kernels::state_dtype_for(param.scalar_type())));
}

at::Tensor new_step_count(const at::Tensor& param) {
  return at::zeros({}, param.options().dtype(at::kFloat));
}

at::Tensor new_scalar_state(const at::Tensor& param, double value) {
  return at::full({}, value, param.options().dtype(at::kFloat));
}

void FusedOptionsBase::check_device_lr(double lr) {
  TORCH_CHECK(std::isfinite(lr) && lr >= 0, "gradus: invalid learning rate: ", lr, " (a finite number >= 0)");
}

}  // namespace optim
}  // namespace gradus
