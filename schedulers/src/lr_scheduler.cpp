#include <gradus/schedulers/lr_scheduler.h>
#include <torch/serialize/archive.h>

#include <c10/util/intrusive_ptr.h>

#include <mutex>
#include <unordered_map>

namespace gradus {
namespace schedulers {
namespace detail {
namespace {

// Keyed by the group's options object; the weak reference to the group's
// first parameter tells a live entry from one left by a destroyed optimizer
// whose options happened to live at the same address.
struct InitialLr {
  c10::weak_intrusive_ptr<c10::TensorImpl> first_param{c10::intrusive_ptr<c10::TensorImpl>()};
  double lr = 0;
};

std::mutex registry_mutex;
std::unordered_map<const void*, InitialLr>& registry() {
  static std::unordered_map<const void*, InitialLr> entries;
  return entries;
}

c10::intrusive_ptr<c10::TensorImpl> first_param_of(const torch::optim::OptimizerParamGroup& group) {
  if (group.params().empty()) return {};
  return group.params()[0].getIntrusivePtr();
}

}  // namespace

double initial_lr(const torch::optim::OptimizerParamGroup& group) {
  std::lock_guard<std::mutex> lock(registry_mutex);
  auto first = first_param_of(group);
  auto it = registry().find(&group.options());
  if (it != registry().end() && first && it->second.first_param.lock() == first) return it->second.lr;
  const double lr = group.options().get_lr();
  registry()[&group.options()] = InitialLr{c10::weak_intrusive_ptr<c10::TensorImpl>(first), lr};
  return lr;
}

void set_initial_lr(const torch::optim::OptimizerParamGroup& group, double lr) {
  std::lock_guard<std::mutex> lock(registry_mutex);
  registry()[&group.options()] =
      InitialLr{c10::weak_intrusive_ptr<c10::TensorImpl>(first_param_of(group)), lr};
}

void write_doubles(torch::serialize::OutputArchive& archive, const std::string& key,
                   const std::vector<double>& values) {
  archive.write(key, c10::IValue(c10::List<double>(values)));
}

std::vector<double> read_doubles(torch::serialize::InputArchive& archive, const std::string& key) {
  c10::IValue value;
  TORCH_CHECK(archive.try_read(key, value), "gradus: scheduler state has no '", key, "' entry");
  return value.toDoubleVector();
}

void write_value(torch::serialize::OutputArchive& archive, const std::string& key, double value) {
  archive.write(key, c10::IValue(value));
}

double read_value(torch::serialize::InputArchive& archive, const std::string& key) {
  c10::IValue value;
  TORCH_CHECK(archive.try_read(key, value), "gradus: scheduler state has no '", key, "' entry");
  return value.toDouble();
}

}  // namespace detail

LRScheduler::LRScheduler(torch::optim::Optimizer& optimizer, std::string name)
    : optimizer_(optimizer), name_(std::move(name)) {
  for (const auto& group : optimizer_.param_groups()) base_lrs_.push_back(detail::initial_lr(group));
  last_lr_ = group_lrs();
}

void LRScheduler::initial_step() {
  step_count_ = 0;
  step();
}

void LRScheduler::step() {
  ++step_count_;
  ++last_epoch_;
  apply_lrs(get_lr());
}

void LRScheduler::step(double metric) {
  TORCH_CHECK(false, name_, " takes no metric: call step()");
}

void LRScheduler::step_to_epoch(int64_t epoch) {
  ++step_count_;
  last_epoch_ = epoch;
  auto closed = closed_form_lr();
  apply_lrs(closed ? *closed : get_lr());
}

std::vector<double> LRScheduler::group_lrs() const {
  std::vector<double> lrs;
  for (const auto& group : optimizer_.param_groups()) lrs.push_back(group.options().get_lr());
  return lrs;
}

void LRScheduler::apply_lrs(const std::vector<double>& lrs) {
  auto& groups = optimizer_.param_groups();
  TORCH_CHECK(lrs.size() == groups.size(), name_, ": computed ", lrs.size(), " lrs for ",
              groups.size(), " param groups");
  for (size_t i = 0; i < groups.size(); ++i) groups[i].options().set_lr(lrs[i]);
  last_lr_ = group_lrs();
}

std::vector<double> LRScheduler::per_group(const std::vector<double>& values, const char* what) const {
  if (values.size() == 1) return std::vector<double>(group_count(), values[0]);
  TORCH_CHECK(values.size() == group_count(), name_, ": expected ", group_count(), " values for ",
              what, ", got ", values.size());
  return values;
}

void LRScheduler::save(torch::serialize::OutputArchive& archive) const {
  archive.write("gradus_scheduler", c10::IValue(name_));
  archive.write("last_epoch", c10::IValue(last_epoch_));
  archive.write("step_count", c10::IValue(step_count_));
  detail::write_doubles(archive, "base_lrs", base_lrs_);
  detail::write_doubles(archive, "last_lr", last_lr_);
  save_extra(archive);
}

void LRScheduler::load(torch::serialize::InputArchive& archive) {
  c10::IValue tag;
  TORCH_CHECK(archive.try_read("gradus_scheduler", tag) && tag.isString(), name_,
              ": this is not a gradus scheduler state file");
  TORCH_CHECK(tag.toStringRef() == name_, name_, ": the state file was written by ",
              tag.toStringRef(), ", not by ", name_);
  c10::IValue value;
  archive.read("last_epoch", value);
  last_epoch_ = value.toInt();
  archive.read("step_count", value);
  step_count_ = value.toInt();
  base_lrs_ = detail::read_doubles(archive, "base_lrs");
  last_lr_ = detail::read_doubles(archive, "last_lr");
  TORCH_CHECK(base_lrs_.size() == group_count(), name_, ": the state file has ", base_lrs_.size(),
              " param groups but the optimizer has ", group_count());
  load_extra(archive);
  // torch::optim's own load() reads but does not apply saved group options,
  // so a built-in optimizer would resume at its constructor lr: put the
  // schedule's lrs back.
  apply_lrs(last_lr_);
}

torch::serialize::OutputArchive& operator<<(torch::serialize::OutputArchive& archive,
                                           const LRScheduler& scheduler) {
  scheduler.save(archive);
  return archive;
}

torch::serialize::InputArchive& operator>>(torch::serialize::InputArchive& archive,
                                          LRScheduler& scheduler) {
  scheduler.load(archive);
  return archive;
}

}  // namespace schedulers
}  // namespace gradus
