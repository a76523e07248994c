// Checkpoints written by an earlier gradus still load, and the run they
// resume continues as the run that wrote them did (tests/golden/checkpoints/,
// written by tests/tools/checkpoint_fixtures.cpp).
#include <gtest/gtest.h>
#include <torch/serialize.h>

#include <string>

#include "support/checkpoint_cases.h"
#include "support/trajectory.h"

namespace gradus {
namespace testing {
namespace {

const std::string kDir = GRADUS_GOLDEN_DIR "/checkpoints/";

at::Tensor read_tensor(const std::string& path) {
  at::Tensor t;
  torch::load(t, path);
  return t;
}

// Copies the flattened values `flat` into `params`, in order.
void restore(const std::vector<at::Tensor>& params, const at::Tensor& flat) {
  at::NoGradGuard no_grad;
  int64_t offset = 0;
  for (const at::Tensor& p : params) {
    p.copy_(flat.slice(0, offset, offset + p.numel()).view(p.sizes()));
    offset += p.numel();
  }
  ASSERT_EQ(offset, flat.numel());
}

class OldCheckpoint : public ::testing::TestWithParam<CheckpointCase> {};

TEST_P(OldCheckpoint, LoadsAndResumesAsTheRunThatWroteIt) {
  const CheckpointCase& c = GetParam();
  CheckpointRun run = c.start();
  restore(run.params, read_tensor(kDir + c.file + ".params.pt"));
  torch::load(*run.optimizer, kDir + c.file + ".pt");
  run.advance(kFixtureSteps, kFixtureSteps);
  const at::Tensor expected = read_tensor(kDir + c.file + ".expected.pt");
  const at::Tensor actual = flatten(run.params);
  // The file's writer may have run the other CPU kernel copy (AVX2 or
  // baseline), whose fused multiply-adds round differently.
  EXPECT_LE(max_relative_diff(actual.unsqueeze(0), expected.unsqueeze(0)), 1e-12);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, OldCheckpoint, ::testing::ValuesIn(checkpoint_cases()),
                         [](const ::testing::TestParamInfo<CheckpointCase>& info) { return info.param.file; });

}  // namespace
}  // namespace testing
}  // namespace gradus
