#pragma once
// ChainedScheduler: steps every scheduler it holds, in order, at each step,
// so their (recursive) changes compose.
#include <gradus/schedulers/lr_scheduler.h>

#include <memory>

namespace gradus {
namespace schedulers {

class ChainedScheduler : public LRScheduler {
 public:
  explicit ChainedScheduler(std::vector<std::shared_ptr<LRScheduler>> schedulers);
  void step() override;

 protected:
  std::vector<double> get_lr() override { return group_lrs(); }
  void save_extra(torch::serialize::OutputArchive& archive) const override;
  void load_extra(torch::serialize::InputArchive& archive) override;

 private:
  std::vector<std::shared_ptr<LRScheduler>> schedulers_;
};

}  // namespace schedulers
}  // namespace gradus
