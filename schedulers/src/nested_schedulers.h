#pragma once
// What SequentialLR and ChainedScheduler share about the schedulers they hold.
#include <gradus/schedulers/lr_scheduler.h>

#include <memory>

namespace gradus {
namespace schedulers {
namespace detail {

inline void check_nested(const std::vector<std::shared_ptr<LRScheduler>>& schedulers,
                         const torch::optim::Optimizer& optimizer, const std::string& name) {
  TORCH_CHECK(!schedulers.empty(), name, ": needs at least one scheduler");
  for (size_t i = 0; i < schedulers.size(); ++i) {
    TORCH_CHECK(schedulers[i] != nullptr, name, ": scheduler at index ", i, " is null");
    TORCH_CHECK(&schedulers[i]->optimizer() == &optimizer, name,
                ": expects all schedulers to belong to the same optimizer, but the scheduler at index ",
                i, " drives another one");
  }
}

inline void save_nested(const std::vector<std::shared_ptr<LRScheduler>>& schedulers,
                        torch::serialize::OutputArchive& archive) {
  for (size_t i = 0; i < schedulers.size(); ++i) {
    torch::serialize::OutputArchive nested(archive.compilation_unit());
    schedulers[i]->save(nested);
    archive.write("scheduler_" + std::to_string(i), nested);
  }
}

inline void load_nested(const std::vector<std::shared_ptr<LRScheduler>>& schedulers,
                        torch::serialize::InputArchive& archive) {
  for (size_t i = 0; i < schedulers.size(); ++i) {
    torch::serialize::InputArchive nested;
    archive.read("scheduler_" + std::to_string(i), nested);
    schedulers[i]->load(nested);
  }
}

}  // namespace detail
}  // namespace schedulers
}  // namespace gradus
