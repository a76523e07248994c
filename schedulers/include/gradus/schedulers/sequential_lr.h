#pragma once
// SequentialLR: runs one scheduler after another, switching at milestones.
#include <gradus/schedulers/lr_scheduler.h>

#include <memory>

namespace gradus {
namespace schedulers {

class SequentialLR : public LRScheduler {
 public:
  // schedulers.size() must be milestones.size() + 1; all drive `optimizer`.
  SequentialLR(torch::optim::Optimizer& optimizer, std::vector<std::shared_ptr<LRScheduler>> schedulers,
               std::vector<int64_t> milestones);
  void step() override;

 protected:
  std::vector<double> get_lr() override { return group_lrs(); }
  void save_extra(torch::serialize::OutputArchive& archive) const override;
  void load_extra(torch::serialize::InputArchive& archive) override;

 private:
  std::vector<std::shared_ptr<LRScheduler>> schedulers_;
  std::vector<int64_t> milestones_;
};

}  // namespace schedulers
}  // namespace gradus
