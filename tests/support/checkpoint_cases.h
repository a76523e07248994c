#pragma once
// The runs behind the checkpoint fixtures (tests/golden/checkpoints/): one
// per gradus optimizer, each a fresh optimizer over fresh params that a
// gradient rule steps. The fixture program and optim_checkpoint_test share
// them, so that a run resumed from a file and the run that wrote it agree.
#include <torch/optim/optimizer.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace gradus {
namespace testing {

// Steps before the state is saved, and after it is loaded.
constexpr int64_t kFixtureSteps = 5;

struct CheckpointRun {
  std::vector<at::Tensor> params;
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  std::function<void(const std::vector<at::Tensor>& params, int64_t step)> set_grads;
  // `steps` steps, the first of them step `first`.
  void advance(int64_t steps, int64_t first) {
    for (int64_t s = first; s < first + steps; ++s) {
      set_grads(params, s);
      optimizer->step();
    }
  }
};

struct CheckpointCase {
  std::string file;  // e.g. "adam": adam.pt, adam.params.pt, adam.expected.pt
  std::function<CheckpointRun()> start;
};

std::vector<CheckpointCase> checkpoint_cases();

}  // namespace testing
}  // namespace gradus
