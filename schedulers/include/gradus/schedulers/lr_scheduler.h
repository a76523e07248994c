#pragma once
// The base every gradus scheduler shares. A scheduler drives any
// torch::optim::Optimizer (gradus or built-in) through its param groups'
// options, and follows PyTorch's torch.optim.lr_scheduler semantics: the
// constructor performs the initial step (lr for step 0), step() advances by
// one and applies PyTorch's recursive formula, get_last_lr() returns one lr
// per param group.
#include <torch/optim/optimizer.h>
// Archives are used by reference here; torch/optim/optimizer.h declares them.
// (torch/serialize/archive.h costs ~20 s of compile time in every includer.)

#include <optional>
#include <string>
#include <vector>

namespace gradus {
namespace schedulers {

class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  // Advances the schedule by one step. Metric-driven schedulers refuse it.
  virtual void step();
  // Advances a metric-driven schedule; the others refuse it.
  virtual void step(double metric);

  std::vector<double> get_last_lr() const { return last_lr_; }
  const std::vector<double>& base_lrs() const noexcept { return base_lrs_; }
  int64_t last_epoch() const noexcept { return last_epoch_; }
  // The class name, e.g. "gradus::schedulers::StepLR"; recorded in saved state.
  const std::string& name() const noexcept { return name_; }
  torch::optim::Optimizer& optimizer() const noexcept { return optimizer_; }

  // The schedule's own state (not the optimizer's: save that too).
  void save(torch::serialize::OutputArchive& archive) const;
  // Refuses state written by another scheduler, or for another number of
  // param groups; a refused file leaves the scheduler (and the ones it
  // holds) as it was. Also sets the optimizer's group lrs to the schedule's
  // last ones: torch::optim's built-in load() does not restore them.
  void load(torch::serialize::InputArchive& archive);

 protected:
  LRScheduler(torch::optim::Optimizer& optimizer, std::string name);

  // PyTorch's get_lr(): the lrs at last_epoch_ (already advanced).
  virtual std::vector<double> get_lr() = 0;
  // PyTorch's _get_closed_form_lr(), where the scheduler has one: used when
  // stepping to an explicit epoch (SequentialLR's milestones).
  virtual std::optional<std::vector<double>> closed_form_lr() const { return std::nullopt; }
  virtual void save_extra(torch::serialize::OutputArchive&) const {}
  virtual void load_extra(torch::serialize::InputArchive&) {}
  // load() without the rollback.
  void load_unguarded(torch::serialize::InputArchive& archive);
  // Refuses an eta_min below 0 or above a group's base lr (the lr would
  // then rise toward it), which PyTorch takes.
  void check_eta_min(double eta_min) const;

  // PyTorch's _initial_step(): derived constructors call it once set up.
  void initial_step();
  // PyTorch's step(epoch): jump to `epoch`, closed form where there is one.
  virtual void step_to_epoch(int64_t epoch);

  std::vector<double> group_lrs() const;
  void apply_lrs(const std::vector<double>& lrs);
  size_t group_count() const { return optimizer_.param_groups().size(); }
  // One value per group: a single value is repeated, a list must match.
  std::vector<double> per_group(const std::vector<double>& values, const char* what) const;

  torch::optim::Optimizer& optimizer_;
  // Captured at construction: each group's initial lr (gradus/schedulers
  // initial_lr.h), saved and restored with the schedule.
  std::vector<double> base_lrs_;
  std::vector<double> last_lr_;
  int64_t last_epoch_ = -1;
  int64_t step_count_ = 0;

 private:
  friend class SequentialLR;
  friend class ChainedScheduler;
  std::string name_;
};

// Lets torch::save(scheduler, path) and torch::load(scheduler, path) work.
torch::serialize::OutputArchive& operator<<(torch::serialize::OutputArchive& archive,
                                           const LRScheduler& scheduler);
torch::serialize::InputArchive& operator>>(torch::serialize::InputArchive& archive,
                                          LRScheduler& scheduler);

}  // namespace schedulers
}  // namespace gradus
