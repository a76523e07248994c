#include <gradus/schedulers/lr_scheduler.h>
#include <torch/serialize/archive.h>

#include <gradus/optim/fused_optimizer.h>

#include <sstream>

#include "archive_values.h"
#include "initial_lr.h"

namespace gradus {
namespace schedulers {
namespace detail {

double initial_lr(torch::optim::OptimizerParamGroup& group) {
  auto* options = dynamic_cast<optim::FusedOptionsBase*>(&group.options());
  if (options == nullptr) return group.options().get_lr();
  if (!options->initial_lr()) options->set_initial_lr(group.options().get_lr());
  return *options->initial_lr();
}

void set_initial_lr(torch::optim::OptimizerParamGroup& group, double lr) {
  if (auto* options = dynamic_cast<optim::FusedOptionsBase*>(&group.options())) options->set_initial_lr(lr);
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

namespace {

int64_t read_int(torch::serialize::InputArchive& archive, const std::string& key) {
  c10::IValue value;
  TORCH_CHECK(archive.try_read(key, value) && value.isInt(), "gradus: scheduler state has no integer '", key,
              "' entry");
  return value.toInt();
}

}  // namespace

LRScheduler::LRScheduler(torch::optim::Optimizer& optimizer, std::string name)
    : optimizer_(optimizer), name_(std::move(name)) {
  for (auto& group : optimizer_.param_groups()) base_lrs_.push_back(detail::initial_lr(group));
  last_lr_ = group_lrs();
}

void LRScheduler::check_eta_min(double eta_min) const {
  TORCH_CHECK(eta_min >= 0, name_, ": eta_min must be >= 0, got ", eta_min);
  for (size_t g = 0; g < base_lrs_.size(); ++g) {
    TORCH_CHECK(eta_min <= base_lrs_[g], name_, ": eta_min ", eta_min, " is above the lr of param group ", g, " (",
                base_lrs_[g], "): the lr would rise toward it");
  }
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
  // A refused file must change nothing: keep the current state (with any
  // nested schedulers') and the optimizer's lrs, and put them back on error.
  std::stringstream backup;
  {
    torch::serialize::OutputArchive current;
    save(current);
    current.save_to(backup);
  }
  const std::vector<double> lrs = group_lrs();
  try {
    load_unguarded(archive);
  } catch (...) {
    torch::serialize::InputArchive previous;
    previous.load_from(backup);
    load_unguarded(previous);
    apply_lrs(lrs);
    throw;
  }
}

void LRScheduler::load_unguarded(torch::serialize::InputArchive& archive) {
  c10::IValue tag;
  TORCH_CHECK(archive.try_read("gradus_scheduler", tag) && tag.isString(), name_,
              ": this is not a gradus scheduler state file");
  TORCH_CHECK(tag.toStringRef() == name_, name_, ": the state file was written by ",
              tag.toStringRef(), ", not by ", name_);
  const int64_t last_epoch = read_int(archive, "last_epoch");
  const int64_t step_count = read_int(archive, "step_count");
  std::vector<double> base_lrs = detail::read_doubles(archive, "base_lrs");
  std::vector<double> last_lr = detail::read_doubles(archive, "last_lr");
  TORCH_CHECK(base_lrs.size() == group_count() && last_lr.size() == group_count(), name_, ": the state file has ",
              base_lrs.size(), " param groups but the optimizer has ", group_count());
  last_epoch_ = last_epoch;
  step_count_ = step_count;
  base_lrs_ = std::move(base_lrs);
  last_lr_ = std::move(last_lr);
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
